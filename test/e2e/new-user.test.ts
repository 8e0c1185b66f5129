// What a new user meets first (issue 24), end to end with the real `sls` against an emulator with an empty
// account: what long work says while it runs and when it ends, namespaces that come and go with their service,
// mistakes found before anything is sent (a handler file not in its package, typos, AWS-style events), messages
// that say what happened (regions, request ids, versions, handler changes), and packages made by another
// serverless version that hold the same files.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { CLIS, newCredentials, PLUGIN_NAME, REPO, serviceDir, sls, type SlsRun, type TestCredentials, vendorScfClient } from '../helpers';
import { INLINE_ZIP_BYTES } from '../../lib/deploy/artifacts';
import { zipEntryNames } from '../../lib/deploy/package-contents';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { requestProblems } from '../vendor-tables';

const APPID = '1250000000';

let emulator: RunningEmulator & { credentials: TestCredentials };
let client: any;

before(async () => {
  const credentials = newCredentials();
  const started = await startEmulator({ credentials, region: 'ap-guangzhou', behaviour: { transitionMs: 20 } });
  emulator = Object.assign(started, { credentials });
  emulator.core.cos.createBucket(`deploy-${APPID}`, 'ap-guangzhou');
  client = vendorScfClient(emulator);
});
after(() => emulator.close());

/** Every request the plugin sent in this file's runs, for the check against the vendor's tables. */
const sentByThePlugin: RecordedRequest[] = [];

async function run(dir: string, args: string[], bin?: string): Promise<SlsRun> {
  emulator.reset();
  const result = await sls(dir, args, emulator, {}, '', bin);
  sentByThePlugin.push(...emulator.requests);
  return result;
}

const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const isRead = (r: RecordedRequest) => /^(Get|List)[A-Z]/.test(r.action);
const mutations = () => emulator.requests.filter((r) => !isRead(r)).map((r) => `${r.action} ${r.params.FunctionName ?? r.params.Namespace ?? ''}`.trim());
/** A zip with one empty file, for functions made with the vendor SDK. */
const EMPTY_ZIP = 'UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAIAAAAaW5kZXguanNQSwECFAAKAAAAAAAAACEAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAaW5kZXguanNQSwUGAAAAAAEAAQA2AAAAJgAAAAAA';
const lastLine = (text: string) => text.trimEnd().split('\n').pop() ?? '';

function yml(service: string, functions: string, extra = ''): string {
  return `service: ${service}\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\n${extra}plugins:\n  - ${PLUGIN_NAME}\nfunctions:\n${functions}`;
}

async function namespaces(): Promise<Array<{ Name: string; Description: string }>> {
  return (await client.ListNamespaces({ Limit: 100 })).Namespaces;
}

// ---- 2: long work says what it does and ends with what happened and how long -------------------------------

test('package, deploy and remove end with one line of what they did and how long; packaging and COS uploads are told line by line in a log', async () => {
  const dir = serviceDir(yml('timed', '  a:\n    handler: index.hello\n', `  deploymentBucket: deploy-${APPID}\n`));
  const packaged = await run(dir, ['package']);
  assert.equal(packaged.code, 0, output(packaged));
  assert.match(packaged.stderr, /^Packaging timed$/m);
  assert.match(lastLine(packaged.stderr), /^Packaged timed \(stage dev\): 1 package, [\d.]+ k?B, in \d[\d.]* m?s \(\.serverless\)$/);

  const deployed = await run(dir, ['deploy', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  assert.match(deployed.stderr, /^Packaged timed \(stage dev\): 1 package/m, 'packaging within the deploy says so too');
  assert.match(lastLine(deployed.stderr), /^Deployed timed \(stage dev, region ap-guangzhou\) in \d[\d.]* m?s: 1 function created$/);
  const again = await run(dir, ['deploy']);
  assert.equal(again.code, 0, output(again));
  assert.match(lastLine(again.stderr), /^No changes to timed \(stage dev, region ap-guangzhou\) in \d[\d.]* m?s: 1 function matches serverless\.yml, nothing was sent$/, 'after the smoke checks');

  // A package too large to send inline goes through COS: a line when its upload starts and one when it ends (no terminal here).
  fs.writeFileSync(path.join(dir, 'blob.bin'), randomBytes(INLINE_ZIP_BYTES + 64 * 1024));
  const uploaded = await run(dir, ['deploy', '--no-smoke']);
  assert.equal(uploaded.code, 0, output(uploaded));
  assert.match(uploaded.stderr, /^Uploading a's package \(7\.\d MB\) to COS bucket deploy-1250000000$/m);
  assert.match(uploaded.stderr, /^Uploaded a's package \(7\.\d MB\) to COS bucket deploy-1250000000 in \d[\d.]* m?s \([\d.]+ [kMG]?B\/s\)$/m);
  assert.match(lastLine(uploaded.stderr), /^Deployed timed \(stage dev, region ap-guangzhou\) in \d[\d.]* m?s: 1 function updated$/);

  const removed = await run(dir, ['remove']);
  assert.equal(removed.code, 0, output(removed));
  assert.match(removed.stderr, /^Removed timed \(stage dev, region ap-guangzhou\): 1 function in \d[\d.]* m?s\n {2}timed-dev-a$/m);
});

// ---- 4: namespaces --------------------------------------------------------------------------------------------

test('a namespace a deploy creates is said, and sls remove deletes it once empty: never default, one it did not create, nor one holding others\' functions', async () => {
  const dir = serviceDir(yml('spaced', '  a:\n    handler: index.hello\n    namespace: spaced-jobs\n  b:\n    handler: index.hello\n    namespace: shared-ns\n  c:\n    handler: index.hello\n'));
  // shared-ns was there before (made by someone else), and holds another's function.
  await client.CreateNamespace({ Namespace: 'shared-ns', Description: 'made by hand' });
  const deployed = await run(dir, ['deploy', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  assert.match(deployed.stderr, /^Namespace spaced-jobs created \(it did not exist; sls remove deletes it once it holds no function\)\.$/m);
  assert.match(deployed.stderr, /^ {2}namespace spaced-jobs: created$/m);
  assert.match(lastLine(deployed.stderr), /^Deployed spaced \(stage dev, region ap-guangzhou\) in \d[\d.]* m?s: 3 functions created, 1 namespace created \(spaced-jobs\)$/);
  assert.equal((await namespaces()).find((n) => n.Name === 'spaced-jobs')?.Description, 'created by sls deploy for service spaced');

  const removed = await run(dir, ['remove']);
  assert.equal(removed.code, 0, output(removed));
  assert.match(removed.stderr, /^Removed spaced \(stage dev, region ap-guangzhou\): 3 functions and 1 namespace in /m);
  assert.match(removed.stderr, /^ {2}namespace spaced-jobs \(it held nothing else\)$/m);
  assert.deepEqual(mutations().filter((m) => m.startsWith('DeleteNamespace')), ['DeleteNamespace spaced-jobs'], 'not shared-ns (not ours), not default');
  assert.deepEqual((await namespaces()).map((n) => n.Name).sort(), ['default', 'shared-ns']);

  // Made by this service, but another's function moved in: it stays.
  assert.equal((await run(dir, ['deploy', '--no-smoke'])).code, 0);
  await client.CreateFunction({ FunctionName: 'someone-else', Namespace: 'spaced-jobs', Handler: 'index.main', Runtime: 'Nodejs18.15', Code: { ZipFile: fs.readFileSync(path.join(dir, '.serverless', 'spaced.zip')).toString('base64') } });
  const kept = await run(dir, ['remove']);
  assert.equal(kept.code, 0, output(kept));
  assert.deepEqual(mutations().filter((m) => m.startsWith('DeleteNamespace')), []);
  assert.ok((await namespaces()).some((n) => n.Name === 'spaced-jobs'));
});

test('the namespace quota: LimitExceeded.Namespace names the namespaces in use and how to free one, before any function changed', async () => {
  for (const ns of await namespaces()) {
    if (ns.Name === 'default') continue;
    for (const fn of (await client.ListFunctions({ Namespace: ns.Name, Limit: 100 })).Functions) await client.DeleteFunction({ FunctionName: fn.FunctionName, Namespace: ns.Name });
    emulator.core.settleTransitions();
    await client.DeleteNamespace({ Namespace: ns.Name });
  }
  for (const ns of ['full-1', 'full-2', 'full-3', 'full-4']) await client.CreateNamespace({ Namespace: ns });
  await client.CreateFunction({ FunctionName: 'resident', Namespace: 'full-2', Handler: 'index.main', Runtime: 'Nodejs18.15', Code: { ZipFile: EMPTY_ZIP } });
  try {
    const dir = serviceDir(yml('crowded', '  a:\n    handler: index.hello\n    namespace: one-too-many\n'));
    const refused = await run(dir, ['deploy', '--no-smoke']);
    assert.notEqual(refused.code, 0, output(refused));
    assert.match(
      refused.stdout,
      /Namespace one-too-many cannot be created: the account has as many namespaces as SCF allows in this region \(LimitExceeded\.Namespace\)\. The namespaces in use: default \(\d+ functions?\), full-1 \(0 functions\), full-2 \(1 function\), full-3 \(0 functions\), full-4 \(0 functions\)\. Free one: sls remove a service deployed into one/,
    );
    assert.deepEqual(mutations(), ['CreateNamespace one-too-many']);
  } finally {
    emulator.core.settleTransitions();
    await client.DeleteFunction({ FunctionName: 'resident', Namespace: 'full-2' });
    emulator.core.settleTransitions();
    for (const ns of ['full-1', 'full-2', 'full-3', 'full-4']) await client.DeleteNamespace({ Namespace: ns });
  }
});

// ---- 6, 13, 14: mistakes found before anything is sent ------------------------------------------------------

test('a handler whose file is not in its package is refused before anything is sent, naming function, path and the likely one', async () => {
  const dir = serviceDir(yml('paths', '  api:\n    handler: app.handler\n    runtime: Python3.9\n  ok:\n    handler: index.hello\n  sub:\n    handler: src/missing.main\n'));
  fs.mkdirSync(path.join(dir, 'py'));
  fs.writeFileSync(path.join(dir, 'py', 'app.py'), 'def handler(event, context):\n    return {}\n');
  const refused = await run(dir, ['deploy', '--no-smoke']);
  assert.notEqual(refused.code, 0, output(refused));
  assert.deepEqual(refused.stdout.trimEnd().split('\n').slice(1), [
    'functions.api.handler "app.handler" names app.py, which the package paths.zip does not hold (it holds py/app.py: did you mean "py/app.handler"?): fix the handler\'s path (relative to the service directory) or package.patterns.',
    'functions.sub.handler "src/missing.main" names src/missing.js, src/missing.mjs or src/missing.cjs, which the package paths.zip does not hold: fix the handler\'s path (relative to the service directory) or package.patterns.',
  ]);
  assert.deepEqual(emulator.requests, [], 'nothing sent');
});

test('did you mean: a mistyped function key and runtime name the closest known one; an AWS-style http event is told what a function URL does', async () => {
  const dir = serviceDir(yml('typos', '  greet:\n    handler: index.hello\n  echo:\n    handler: index.echo\n'));
  const invoked = await run(dir, ['invoke', '-f', 'gret']);
  assert.notEqual(invoked.code, 0);
  assert.match(invoked.stdout, /^Function "gret" is not defined in serverless\.yml\. Did you mean "greet"\? Known functions: greet, echo\.$/m);
  const logs = await run(dir, ['logs', '-f', 'ecko']);
  assert.match(logs.stdout, /Did you mean "echo"\?/);

  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml('typos', '  greet:\n    handler: index.hello\n    runtime: nodejs18.x\n'));
  const runtime = await run(dir, ['deploy', '--no-smoke']);
  assert.notEqual(runtime.code, 0, output(runtime));
  assert.match(runtime.stdout, /functions\.greet\.runtime must be one of SCF's runtimes \(.*\), not "nodejs18\.x" \(did you mean Nodejs18\.15\?\)/);

  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml('typos', '  greet:\n    handler: index.hello\n    events:\n      - http:\n          path: /users\n          method: get\n'));
  const aws = await run(dir, ['deploy', '--no-smoke']);
  assert.notEqual(aws.code, 0, output(aws));
  assert.match(
    aws.stdout,
    /functions\.greet\.events\[0\]\.http has path and method, as AWS API Gateway events do: an SCF function URL sends every path and method to the function, so routing belongs in the handler/,
  );
  assert.doesNotMatch(aws.stdout + aws.stderr, /is not a http trigger setting|unrecognized property/);
  assert.deepEqual(emulator.requests, [], 'nothing sent');
});

// ---- 7, 8, 9, 10: messages that say what happened, options where they make sense ---------------------------

test('a region the emulator does not serve keeps its sentence and says how to match it', async () => {
  const dir = serviceDir(yml('regional', '  a:\n    handler: index.hello\n'));
  const result = await run(dir, ['invoke', '-f', 'a', '--region', 'ap-shanghai']);
  assert.notEqual(result.code, 0);
  assert.match(result.stdout, /SCF is not available in region ap-shanghai\. This account is in ap-guangzhou, not `ap-shanghai`\. For the emulator at http:\/\/127\.0\.0\.1:\d+: run sls with --region set to its region, or start it with scf-emulator --region ap-shanghai\./);
});

test('--namespace deploys, shows and removes the service in that namespace', async () => {
  const dir = serviceDir(yml('moved', '  a:\n    handler: index.hello\n'));
  const deployed = await run(dir, ['deploy', '--namespace', 'moved-ns', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  assert.deepEqual(mutations(), ['CreateNamespace moved-ns', 'CreateFunction moved-dev-a']);
  const info = await run(dir, ['info', '--json', '--namespace', 'moved-ns']);
  assert.deepEqual(JSON.parse(info.stdout).functions.map((f: any) => [f.functionName, f.namespace, f.status]), [['moved-dev-a', 'moved-ns', 'Active']]);
  const invoked = await run(dir, ['invoke', '-f', 'a', '--namespace', 'moved-ns']);
  assert.equal(invoked.code, 0, output(invoked));
  const removed = await run(dir, ['remove', '--namespace', 'moved-ns']);
  assert.equal(removed.code, 0, output(removed));
  assert.deepEqual(mutations().sort(), ['DeleteFunction moved-dev-a', 'DeleteNamespace moved-ns']);
});

test('logs --requestId: a malformed id is refused, another function\'s id is "no request found"; events without -f list the whole service', async () => {
  const dir = serviceDir(yml('ids', '  a:\n    handler: index.hello\n  bee:\n    handler: index.echo\n'));
  assert.equal((await run(dir, ['deploy', '--no-smoke'])).code, 0);
  const malformed = await run(dir, ['logs', '-f', 'a', '--requestId', 'abc123']);
  assert.notEqual(malformed.code, 0);
  assert.match(malformed.stdout, /--requestId "abc123" is not an SCF request id: those are UUIDs/);
  assert.deepEqual(emulator.requests, [], 'refused before anything was sent');

  const ofB = (await client.Invoke({ FunctionName: 'ids-dev-bee', InvocationType: 'Event', ClientContext: '{}' })).Result.FunctionRequestId;
  const ofA = (await client.Invoke({ FunctionName: 'ids-dev-a', InvocationType: 'Event', ClientContext: '{}' })).Result.FunctionRequestId;
  for (let i = 0; i < 200 && (await client.ListAsyncEvents({ FunctionName: 'ids-dev-bee' })).EventList.some((e: any) => e.Status === 'RUNNING'); i++) await new Promise((r) => setTimeout(r, 50));
  const other = await run(dir, ['logs', '-f', 'a', '--requestId', ofB]);
  assert.equal(other.code, 0, output(other));
  assert.match(other.stderr, new RegExp(`No request ${ofB} was found in the log of ids-dev-a in the last 7 days: is it a request of this function`));
  assert.doesNotMatch(other.stderr, /in that time range/);

  const events = await run(dir, ['events']);
  assert.equal(events.code, 0, output(events));
  assert.match(events.stdout, /^FUNCTION +REQUEST ID/m);
  assert.match(events.stdout, new RegExp(`^a +${ofA} `, 'm'));
  assert.match(events.stdout, new RegExp(`^bee +${ofB} `, 'm'));
  const json = await run(dir, ['events', '--json']);
  assert.deepEqual(json.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((e) => [e.function, e.requestId]), [['a', ofA], ['bee', ofB]]);
  assert.equal((await run(dir, ['remove'])).code, 0);
});

// ---- 11, 12: what a deploy did, in its words ----------------------------------------------------------------

test('publishing names the version it made, sls info shows versions and aliases; a handler-only change says handler changed', async () => {
  const alias = 'custom:\n  scf:\n    deploy:\n      alias: live\n';
  const dir = serviceDir(yml('released', '  a:\n    handler: index.hello\n', '') + alias);
  const first = await run(dir, ['deploy', '--no-smoke']);
  assert.equal(first.code, 0, output(first));
  assert.match(first.stderr, /^ {2}a \(released-dev-a\): created, version 1 published \(alias live → 1\)$/m);
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml('released', '  a:\n    handler: index.echo\n', '') + alias);
  const second = await run(dir, ['deploy', '--no-smoke']);
  assert.equal(second.code, 0, output(second));
  assert.match(second.stderr, /^ {2}a \(released-dev-a\): handler changed, version 2 published \(alias live → 2\)$/m);
  const info = await run(dir, ['info']);
  assert.match(info.stdout, /^Versions and aliases:\n {2}a: versions 1, 2; alias live → 2$/m);
  const json = JSON.parse((await run(dir, ['info', '--json'])).stdout);
  assert.deepEqual([json.functions[0].versions, json.functions[0].aliases], [['1', '2'], [{ name: 'live', version: '2' }]]);
  assert.equal((await run(dir, ['remove'])).code, 0);
});

// ---- 21: the same files zipped by serverless 3 and osls 4 ---------------------------------------------------

test('a package osls 4 zips of the files serverless 3 deployed is not sent again; a changed file is', async () => {
  const dir = serviceDir(yml('switch', '  a:\n    handler: index.hello\n'));
  fs.writeFileSync(path.join(dir, 'extra.txt'), 'the same files, zipped by two tools\n');
  const byV3 = await run(dir, ['deploy', '--no-smoke'], CLIS.serverless);
  assert.equal(byV3.code, 0, output(byV3));
  const zipV3 = fs.readFileSync(path.join(dir, '.serverless', 'switch.zip'));
  const byV4 = await run(dir, ['deploy', '--no-smoke'], CLIS.osls);
  assert.equal(byV4.code, 0, output(byV4));
  const zipV4 = fs.readFileSync(path.join(dir, '.serverless', 'switch.zip'));
  assert.notDeepEqual(zipV4, zipV3, 'the two zips differ byte for byte');
  assert.deepEqual([...(await zipEntryNames(path.join(dir, '.serverless', 'switch.zip')))].sort(), ['extra.txt', 'index.js', 'jobs.js']);
  assert.deepEqual(mutations(), [], 'the same files: nothing sent');
  assert.match(byV4.stderr, /No changes to switch/);
  const back = await run(dir, ['deploy', '--no-smoke'], CLIS.serverless);
  assert.deepEqual(mutations(), [], 'and back');
  assert.equal(back.code, 0, output(back));

  fs.writeFileSync(path.join(dir, 'extra.txt'), 'changed\n');
  const changed = await run(dir, ['deploy', '--no-smoke'], CLIS.osls);
  assert.equal(changed.code, 0, output(changed));
  assert.deepEqual(mutations().filter((m) => m.startsWith('UpdateFunctionCode')), ['UpdateFunctionCode switch-dev-a']);
  assert.equal((await run(dir, ['remove'])).code, 0);
});

// ---- 1: pnpm's layout -------------------------------------------------------------------------------------

test("pnpm's layout (node_modules/.pnpm) is not refused and its copy of the plugin stays out of the package", async () => {
  const dir = serviceDir(yml('pnpmish', '  a:\n    handler: index.hello\n'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pnpmish', version: '1.0.0', devDependencies: { [PLUGIN_NAME]: '0.1.0' } }));
  // pnpm links node_modules/<name> into its store under node_modules/.pnpm; the store's entry is made a link to
  // this checkout here, the worst case: a walk into it would go through the whole checkout.
  const store = path.join(dir, 'node_modules', '.pnpm', `${PLUGIN_NAME}@0.1.0`, 'node_modules');
  fs.mkdirSync(store, { recursive: true });
  fs.symlinkSync(REPO, path.join(store, PLUGIN_NAME), 'junction');
  fs.symlinkSync(path.join(store, PLUGIN_NAME), path.join(dir, 'node_modules', PLUGIN_NAME), 'junction');
  const packaged = await run(dir, ['package']);
  assert.equal(packaged.code, 0, output(packaged));
  const names = [...(await zipEntryNames(path.join(dir, '.serverless', 'pnpmish.zip')))];
  assert.ok(!names.some((n) => n.includes(PLUGIN_NAME)), names.filter((n) => n.includes(PLUGIN_NAME)).slice(0, 5).join(', '));
  assert.ok(names.includes('index.js'));
});

// ---- 19: invoke local's warnings come once, before the log ------------------------------------------------

test('invoke local of a Python runtime not on this machine: one warning, before START; nothing after the Report but the summary', async () => {
  const dir = serviceDir(yml('pyold', '  a:\n    handler: app.handler\n    runtime: Python3.6\n'));
  fs.writeFileSync(path.join(dir, 'app.py'), 'def handler(event, context):\n    print("hello")\n    return {"ok": True}\n');
  const result = await run(dir, ['invoke', 'local', '-f', 'a']);
  assert.equal(result.code, 0, output(result));
  const lines = result.stderr.trimEnd().split('\n');
  const warnings = lines.filter((l) => l.startsWith('Warning:'));
  assert.equal(warnings.length, 1, result.stderr);
  assert.match(warnings[0], /^Warning: python3\.6 is not on PATH \(or does not run\): Python3\.6 runs with python3 \(Python 3\.\d+\.\d+\)\.$/);
  const start = lines.findIndex((l) => l.startsWith('START RequestId:'));
  assert.ok(lines.indexOf(warnings[0]) < start, result.stderr);
  const report = lines.findIndex((l) => l.startsWith('Report RequestId:'));
  assert.match(lines[report + 1], /^RequestId: [0-9a-f-]{36} {2}Duration: [\d.]+ ms {2}Billed: \d+ ms {2}Memory: [\d.]+ MB$/);
  assert.equal(lines.length, report + 2, 'only the summary after the Report');
});

test("every parameter sent above (namespaces made and deleted, aliases listed, the code record) is in its action's table, with its type", () => {
  const actions = new Set(sentByThePlugin.map((r) => r.action));
  for (const action of ['CreateNamespace', 'DeleteNamespace', 'ListAliases', 'ModifyResourceTags', 'ListAsyncEvents']) assert.ok(actions.has(action), action);
  assert.deepEqual(requestProblems(sentByThePlugin), []);
});

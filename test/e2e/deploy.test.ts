// `sls deploy`, `deploy function`, `info` and `remove` end to end: the real `sls` against an emulator that starts
// with an empty account, the account read back with the vendor's own SDK (tencentcloud-sdk-nodejs-scf), and the
// emulator's record of requests to see what each command sent.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import JSZip = require('jszip');
import { newCredentials, PLUGIN_NAME, REPO, serviceDir, sls, type SlsRun, type TestCredentials, vendorScfClient } from '../helpers';
import { INLINE_ZIP_BYTES } from '../../lib/deploy/artifacts';
import { zipEntryNames } from '../../lib/deploy/package-contents';
import { CODE_TAG } from '../../lib/deploy/desired';
import { requestProblems } from '../vendor-tables';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';

const APPID = '1250000000';
/** Short transitions: every status wait is real, and the file stays quick. */
const TRANSITION_MS = 30;

let emulator: RunningEmulator & { credentials: TestCredentials };
let client: any;

before(async () => {
  const credentials = newCredentials();
  const started = await startEmulator({ credentials, behaviour: { transitionMs: TRANSITION_MS } });
  emulator = Object.assign(started, { credentials });
  emulator.core.cos.createBucket(`uploads-${APPID}`, 'ap-guangzhou');
  emulator.core.cos.createBucket(`deploy-${APPID}`, 'ap-guangzhou');
  client = vendorScfClient(emulator);
});
after(() => emulator.close());

/** Every request the plugin sent in this file's runs, for the check against the vendor's tables. */
const sentByThePlugin: RecordedRequest[] = [];

/** Runs sls in `dir` with the request record cleared first, so `sent()` is what this run sent. */
async function run(dir: string, args: string[]): Promise<SlsRun> {
  emulator.reset();
  const result = await sls(dir, args, emulator);
  sentByThePlugin.push(...emulator.requests);
  assert.doesNotMatch(result.stderr + result.stdout, /Configuration error|validation schema/, result.stderr);
  return result;
}

const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const isRead = (r: RecordedRequest) => /^(Get|List)[A-Z]/.test(r.action);

/** The mutating requests of the last run, as `Action FunctionName` (deploy order within a function kept). */
function mutations(): string[] {
  return emulator.requests.filter((r) => !isRead(r)).map((r) => (isCodeRecord(r) ? 'ModifyResourceTags (code record)' : `${r.action} ${r.params.FunctionName ?? r.params.Resource ?? ''}`.trim()));
}

/** The tag write that records what a package sent holds (CODE_TAG), after UpdateFunctionCode. */
function isCodeRecord(r: RecordedRequest): boolean {
  const replace = r.params.ReplaceTags;
  return r.action === 'ModifyResourceTags' && !r.params.DeleteTags && Array.isArray(replace) && replace.length === 1 && replace[0].TagKey === CODE_TAG;
}

function requestsFor(action: string, functionName?: string): RecordedRequest[] {
  return emulator.requests.filter((r) => r.action === action && (functionName === undefined || r.params.FunctionName === functionName));
}

const env = (fn: any): Record<string, string> => Object.fromEntries((fn.Environment?.Variables ?? []).map((v: any) => [v.Key, v.Value]));
/** The function's tags but the code record (CODE_TAG), which the content tests look at. */
const tags = (fn: any): Record<string, string> => Object.fromEntries((fn.Tags ?? []).filter((t: any) => t.Key !== CODE_TAG).map((t: any) => [t.Key, t.Value]));

async function triggersOf(name: string): Promise<Array<{ Type: string; TriggerName: string; TriggerDesc: string; Enable: number }>> {
  return (await client.ListTriggers({ FunctionName: name })).Triggers;
}

async function invokeResult(name: string, event: unknown = {}): Promise<any> {
  const reply = await client.Invoke({ FunctionName: name, ClientContext: JSON.stringify(event) });
  assert.equal(reply.Result.ErrMsg, '', reply.Result.ErrMsg);
  return JSON.parse(reply.Result.RetMsg);
}

async function gone(name: string): Promise<boolean> {
  try {
    await client.GetFunction({ FunctionName: name });
    return false;
  } catch (error: any) {
    assert.equal(error.code, 'ResourceNotFound.Function');
    return true;
  }
}

// ---- one service through its life: create, update, nothing, removals, deploy function, info, remove ----------

interface ShopVariant {
  echoMemory?: number;
  echoTimeout?: number;
  echoDescription?: string;
  /** The provider's variables, api's API_KEY and all of echo's variables gone. */
  envRemoved?: boolean;
  /** api's nightly timer gone, its every5 timer at another time, its weekly timer without its argument. */
  triggersChanged?: boolean;
  /** The provider's tags gone, api's team tag changed. */
  tagsChanged?: boolean;
  withExtra?: boolean;
}

function shopYml(v: ShopVariant = {}): string {
  const providerEnv = v.envRemoved ? '' : `  environment:\n    STAGE_NAME: dev\n    SHARED: from-provider\n`;
  const apiEnv = v.envRemoved ? `      SHARED: from-function\n` : `      SHARED: from-function\n      API_KEY: k-123\n`;
  const timers = v.triggersChanged
    ? `      - timer: { name: every5, cron: '0 15 3 * * * *' }\n      - timer: { name: weekly, cron: '0 0 5 * * MON *' }\n`
    : `      - timer: { name: every5, cron: '0 0 3 * * * *' }\n      - timer: { name: nightly, cron: '0 30 4 * * * *' }\n      - timer: { name: weekly, cron: '0 0 5 * * MON *', argument: { report: weekly } }\n`;
  const echoEnv = v.envRemoved ? '' : `    environment:\n      ONLY: x\n`;
  const providerTags = v.tagsChanged ? '' : `  tags:\n    owner: ops\n`;
  const extra = v.withExtra === false ? '' : `  extra:\n    handler: extra.main\n    package:\n      patterns: ['extra.js']\n`;
  return `service: shop
provider:
  name: tencent
  runtime: Nodejs18.15
  memorySize: 128
  timeout: 5
${providerEnv}${providerTags}plugins:
  - __PLUGIN__
package:
  individually: true
  patterns: ['!**']
functions:
  api:
    handler: api.main
    memorySize: 256
    timeout: 7
    description: The shop's API
    environment:
${apiEnv}    tags:
      team: ${v.tagsChanged ? 'growth' : 'payments'}
    package:
      patterns: ['api.js']
    events:
${timers}      - cos: { bucket: uploads-${APPID}, events: 'cos:ObjectCreated:*', prefix: in/ }
  echo:
    handler: echo.main
    memorySize: ${v.echoMemory ?? 128}
    timeout: ${v.echoTimeout ?? 5}
    description: ${v.echoDescription ?? 'echoes'}
${echoEnv}    smoke:
      event: { ping: pong }
      expect: { equals: { ping: pong, echo: ${JSON.stringify(v.echoDescription ?? 'v1')} } }
    package:
      patterns: ['echo.js']
${extra}`;
}

const apiCode = (label: string) => `exports.main = async () => ({ code: ${JSON.stringify(label)} });\n`;
const echoCode = (label: string) => `exports.main = async (event) => ({ ...event, echo: ${JSON.stringify(label)} });\n`;

let shop: string;

function writeShop(v: ShopVariant, files: Record<string, string> = {}): void {
  fs.writeFileSync(path.join(shop, 'serverless.yml'), shopYml(v).replace(/__PLUGIN__/g, path.resolve(__dirname, '..', '..', '..')));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(shop, name), text);
}

test('create: every function Active with its configuration, tags and triggers; the deployed code runs', async () => {
  shop = serviceDir(shopYml());
  writeShop({}, { 'api.js': apiCode('api-v1'), 'echo.js': echoCode('v1'), 'extra.js': apiCode('extra') });
  const result = await run(shop, ['deploy']);
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, /api \(shop-dev-api\): created, 4 triggers created/);
  assert.match(result.stderr, /echo \(shop-dev-echo\): created/);
  assert.match(result.stderr, /extra \(shop-dev-extra\): created/);
  assert.match(result.stderr, /The smoke check passed/);

  const api = await client.GetFunction({ FunctionName: 'shop-dev-api' });
  assert.equal(api.Status, 'Active');
  assert.equal(api.Runtime, 'Nodejs18.15');
  assert.equal(api.Handler, 'api.main');
  assert.equal(api.MemorySize, 256);
  assert.equal(api.Timeout, 7);
  assert.equal(api.Description, "The shop's API");
  assert.deepEqual(env(api), { STAGE_NAME: 'dev', SHARED: 'from-function', API_KEY: 'k-123' }, 'provider and function merged, the function winning');
  assert.deepEqual(tags(api), { owner: 'ops', team: 'payments', 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev' });

  const echo = await client.GetFunction({ FunctionName: 'shop-dev-echo' });
  assert.equal(echo.Status, 'Active');
  assert.equal(echo.MemorySize, 128);
  assert.equal(echo.Timeout, 5, 'the provider default');
  assert.deepEqual(env(echo), { STAGE_NAME: 'dev', SHARED: 'from-provider', ONLY: 'x' });
  assert.deepEqual(tags(echo), { owner: 'ops', 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev' });

  const triggers = await triggersOf('shop-dev-api');
  const byName = (name: string) => triggers.find((t) => t.TriggerName === name)!;
  assert.equal(triggers.length, 4);
  assert.deepEqual(JSON.parse(byName('every5').TriggerDesc), { cron: '0 0 3 * * * *' });
  assert.equal((byName('weekly') as any).CustomArgument, '{"report":"weekly"}');
  assert.deepEqual(JSON.parse(byName('nightly').TriggerDesc), { cron: '0 30 4 * * * *' });
  const cos = byName(`uploads-${APPID}.cos.ap-guangzhou.myqcloud.com`);
  assert.equal(cos.Type, 'cos');
  assert.deepEqual(JSON.parse(cos.TriggerDesc), { event: 'cos:ObjectCreated:*', filter: { Prefix: 'in/', Suffix: '' } });
  assert.ok(triggers.every((t) => t.Enable === 1));

  assert.deepEqual(await invokeResult('shop-dev-api'), { code: 'api-v1' });
  assert.deepEqual(await invokeResult('shop-dev-echo', { a: 1 }), { a: 1, echo: 'v1' });
});

test('update: changed code sends that function code only; a memory/timeout change sends configuration only', async () => {
  writeShop({ echoMemory: 256, echoTimeout: 9 }, { 'api.js': apiCode('api-v2') });
  const result = await run(shop, ['deploy', '--no-smoke']);
  assert.equal(result.code, 0, output(result));
  assert.deepEqual(mutations().sort(), ['ModifyResourceTags (code record)', 'UpdateFunctionCode shop-dev-api', 'UpdateFunctionConfiguration shop-dev-echo']);
  assert.match(result.stderr, /api \(shop-dev-api\): code updated\n/);
  assert.match(result.stderr, /echo \(shop-dev-echo\): configuration updated \(memorySize, timeout\)\n/);
  assert.match(result.stderr, /extra \(shop-dev-extra\): unchanged/);
  assert.deepEqual(await invokeResult('shop-dev-api'), { code: 'api-v2' });
  const echo = await client.GetFunction({ FunctionName: 'shop-dev-echo' });
  assert.equal(echo.MemorySize, 256);
  assert.equal(echo.Timeout, 9);
  assert.equal(echo.Status, 'Active');
});

test('a redeploy with nothing changed sends reads only and says so', async () => {
  const result = await run(shop, ['deploy', '--no-smoke']);
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, /No changes to shop \(stage dev, region ap-guangzhou\) in \d[\d.]* m?s: 3 functions match serverless\.yml, nothing was sent/);
  assert.ok(emulator.requests.length > 0);
  assert.deepEqual(emulator.requests.filter((r) => !isRead(r)).map((r) => r.action), []);
});

test('removed variables and tags, a removed trigger, a changed cron and a removed function are gone', async () => {
  writeShop({ echoMemory: 256, echoTimeout: 9, envRemoved: true, triggersChanged: true, tagsChanged: true, withExtra: false });
  const result = await run(shop, ['deploy', '--no-smoke']);
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, /api \(shop-dev-api\): configuration updated \(environment\), tags updated, 1 trigger updated, 1 trigger replaced, 1 trigger removed/);
  assert.match(result.stderr, /echo \(shop-dev-echo\): configuration updated \(environment\), tags updated/);
  assert.match(result.stderr, /shop-dev-extra: removed \(no longer in serverless\.yml\)/);

  const api = await client.GetFunction({ FunctionName: 'shop-dev-api' });
  assert.deepEqual(env(api), { SHARED: 'from-function' });
  assert.deepEqual(tags(api), { team: 'growth', 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev' });
  assert.deepEqual(tags(await client.GetFunction({ FunctionName: 'shop-dev-echo' })), { 'sls-tencent-scf.service': 'shop', 'sls-tencent-scf.stage': 'dev' });
  assert.deepEqual(env(await client.GetFunction({ FunctionName: 'shop-dev-echo' })), {}, 'every variable removed: none left');
  // Tags are changed on the function named as the vendor's current tools name it.
  assert.deepEqual(requestsFor('ModifyResourceTags').map((r) => r.params.Resource).sort(), [
    'qcs::scf:ap-guangzhou:uin/:namespace/default/function/shop-dev-api',
    'qcs::scf:ap-guangzhou:uin/:namespace/default/function/shop-dev-echo',
  ]);
  const clear = requestsFor('UpdateFunctionConfiguration', 'shop-dev-echo')[0];
  assert.deepEqual(clear.params.Environment, { Variables: [{ Key: '', Value: '' }] }, 'the only form SCF clears variables with');

  const triggers = await triggersOf('shop-dev-api');
  assert.deepEqual(triggers.map((t) => t.TriggerName).sort(), ['every5', `uploads-${APPID}.cos.ap-guangzhou.myqcloud.com`, 'weekly']);
  assert.deepEqual(JSON.parse(triggers.find((t) => t.TriggerName === 'every5')!.TriggerDesc), { cron: '0 15 3 * * * *' });
  assert.equal((triggers.find((t) => t.TriggerName === 'weekly') as any).CustomArgument, '', 'the argument removed from serverless.yml is gone');
  assert.deepEqual(requestsFor('UpdateTrigger').map((r) => r.params.TriggerName), ['every5'], 'a changed cron is updated in place');
  assert.deepEqual(requestsFor('DeleteTrigger').map((r) => r.params.TriggerName).sort(), ['nightly', 'weekly']);
  assert.deepEqual(requestsFor('CreateTrigger').map((r) => r.params.TriggerName), ['weekly'], 'the COS trigger is left as it is');

  assert.ok(await gone('shop-dev-extra'));
});

test('deploy function -f: that function code and configuration, then its smoke check; --update-config sends configuration only', async () => {
  writeShop({ echoMemory: 256, echoTimeout: 9, envRemoved: true, triggersChanged: true, tagsChanged: true, withExtra: false, echoDescription: 'v2' }, { 'echo.js': echoCode('v2'), 'api.js': apiCode('api-v3') });
  const result = await run(shop, ['deploy', 'function', '-f', 'echo']);
  assert.equal(result.code, 0, output(result));
  assert.deepEqual(mutations().filter((m) => !m.startsWith('Invoke')), ['UpdateFunctionCode shop-dev-echo', 'ModifyResourceTags (code record)', 'UpdateFunctionConfiguration shop-dev-echo']);
  assert.deepEqual(requestsFor('Invoke').map((r) => r.params.FunctionName), ['shop-dev-echo'], 'its smoke check, after the deploy');
  assert.ok(emulator.requests.findIndex((r) => r.action === 'Invoke') > emulator.requests.findIndex((r) => r.action === 'UpdateFunctionConfiguration'));
  assert.match(result.stderr, /The smoke check passed/);
  assert.equal((await client.GetFunction({ FunctionName: 'shop-dev-echo' })).Description, 'v2');
  assert.deepEqual(await invokeResult('shop-dev-api'), { code: 'api-v2' }, 'api changed on disk, and was not deployed');

  writeShop({ echoMemory: 256, echoTimeout: 11, envRemoved: true, triggersChanged: true, tagsChanged: true, withExtra: false, echoDescription: 'v2' }, { 'echo.js': echoCode('v3') });
  const configOnly = await run(shop, ['deploy', 'function', '-f', 'echo', '--update-config', '--no-smoke']);
  assert.equal(configOnly.code, 0, output(configOnly));
  assert.deepEqual(mutations(), ['UpdateFunctionConfiguration shop-dev-echo']);
  const echo = await client.GetFunction({ FunctionName: 'shop-dev-echo' });
  assert.equal(echo.Timeout, 11);
  assert.deepEqual(await invokeResult('shop-dev-echo', { b: 2 }), { b: 2, echo: 'v2' }, 'the code is as it was deployed before');
});

test('sls info and info --json show what is deployed', async () => {
  // A function this service and stage deployed that serverless.yml no longer lists (a deploy was cut short).
  const zip = fs.readFileSync(path.join(shop, '.serverless', 'echo.zip')).toString('base64');
  const marks = [{ Key: 'sls-tencent-scf.service', Value: 'shop' }, { Key: 'sls-tencent-scf.stage', Value: 'dev' }];
  await client.CreateFunction({ FunctionName: 'shop-dev-stray', Runtime: 'Nodejs18.15', Handler: 'echo.main', Code: { ZipFile: zip }, Tags: marks });
  // A trigger made by hand on $LATEST: GetFunction of the function does not tell the deploy's ($DEFAULT) ones, nor
  // ListTriggers this one only; info shows all of them.
  await client.CreateTrigger({ FunctionName: 'shop-dev-api', TriggerName: 'adhoc', Type: 'timer', TriggerDesc: '0 0 6 * * * *', Qualifier: '$LATEST', Enable: 'CLOSE' });
  const info = await run(shop, ['info']);
  assert.equal(info.code, 0, output(info));
  assert.match(info.stdout, /^api +shop-dev-api +default +Nodejs18\.15 +256 MB +7 s +Active +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +(.*)$/m);
  const apiRow = info.stdout.split('\n').find((l) => l.startsWith('api '))!;
  assert.match(apiRow, /timer 0 15 3 \* \* \* \*(;|$)/);
  assert.match(apiRow, /timer 0 0 6 \* \* \* \* on \$LATEST \(disabled\)/);
  assert.ok(requestsFor('ListTriggers', 'shop-dev-api').length > 0, 'triggers are read with ListTriggers');
  assert.match(apiRow, new RegExp(`cos uploads-${APPID}\\.cos\\.ap-guangzhou\\.myqcloud\\.com cos:ObjectCreated:\\*`));
  assert.match(info.stdout, /^echo +shop-dev-echo +default +Nodejs18\.15 +256 MB +11 s +Active/m);
  assert.match(info.stdout, /no longer in serverless\.yml \(the next sls deploy removes them\): shop-dev-stray$/m);
  assert.deepEqual(emulator.requests.filter((r) => !isRead(r)), []);

  const json = await run(shop, ['info', '--json']);
  assert.equal(json.code, 0, output(json));
  const doc = JSON.parse(json.stdout);
  assert.equal(doc.service, 'shop');
  assert.equal(doc.stage, 'dev');
  assert.deepEqual(
    doc.functions.map((f: any) => [f.key, f.functionName, f.deployed, f.status, f.memorySize, f.timeout]),
    [
      ['api', 'shop-dev-api', true, 'Active', 256, 7],
      ['echo', 'shop-dev-echo', true, 'Active', 256, 11],
    ],
  );
  assert.deepEqual(doc.functions[0].triggers.map((t: any) => `${t.type}@${t.qualifier}`).sort(), ['cos@$DEFAULT', 'timer@$DEFAULT', 'timer@$DEFAULT', 'timer@$LATEST']);
  assert.deepEqual(doc.notInServerlessYml.map((f: any) => f.functionName), ['shop-dev-stray']);
});

test('remove deletes every function of the service and stage; a second remove is a no-op that exits 0', async () => {
  const first = await run(shop, ['remove']);
  assert.equal(first.code, 0, output(first));
  assert.match(first.stderr, /Removed shop \(stage dev, region ap-guangzhou\): 3 functions in \d[\d.]* (ms|s)\n {2}shop-dev-api\n {2}shop-dev-echo\n {2}shop-dev-stray/);
  assert.deepEqual(mutations().sort(), ['DeleteFunction shop-dev-api', 'DeleteFunction shop-dev-echo', 'DeleteFunction shop-dev-stray']);
  assert.ok(await gone('shop-dev-api'));
  assert.ok(await gone('shop-dev-echo'));
  const listed = await client.ListFunctions({ Filters: [{ Name: 'tag-sls-tencent-scf.service', Values: ['shop'] }] });
  assert.equal(listed.TotalCount, 0);

  const second = await run(shop, ['remove']);
  assert.equal(second.code, 0, output(second));
  assert.match(second.stderr, /Nothing to remove: no function of shop \(stage dev\) is deployed in ap-guangzhou\./);
  assert.deepEqual(mutations(), []);
  const info = await run(shop, ['info', '--json']);
  assert.deepEqual(JSON.parse(info.stdout).functions.map((f: any) => f.status), ['not deployed', 'not deployed']);
});

test('a function in a namespace of its own: info and remove before it exists, deploy makes the namespace', async () => {
  const batch = serviceDir(`service: nightly\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  job:\n    handler: jobs.main\n    namespace: nightly-jobs\n`);
  const info = await run(batch, ['info', '--json']);
  assert.equal(info.code, 0, output(info));
  assert.deepEqual(JSON.parse(info.stdout).functions.map((f: any) => [f.functionName, f.namespace, f.status]), [['nightly-dev-job', 'nightly-jobs', 'not deployed']]);
  const nothing = await run(batch, ['remove']);
  assert.equal(nothing.code, 0, output(nothing));
  assert.match(nothing.stderr, /Nothing to remove/);

  const deployed = await run(batch, ['deploy', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  assert.deepEqual(mutations(), ['CreateNamespace', 'CreateFunction nightly-dev-job']);
  assert.match(deployed.stderr, /job \(nightly-dev-job, namespace nightly-jobs\): created/);
  const reply = await client.Invoke({ FunctionName: 'nightly-dev-job', Namespace: 'nightly-jobs', ClientContext: '{"items":[1]}' });
  assert.deepEqual(JSON.parse(reply.Result.RetMsg), { job: 'done', count: 1 });
  const removed = await run(batch, ['remove']);
  assert.equal(removed.code, 0, output(removed));
  assert.match(removed.stderr, /nightly-dev-job \(namespace nightly-jobs\)/);
});

test('remove and the removals of deploy delete only functions whose own tags say this service and stage, whatever ListFunctions answers', async () => {
  const guardYml = (keys: string[]) => `service: guard\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n${keys.map((k) => `  ${k}:\n    handler: index.hello\n`).join('')}`;
  const guard = serviceDir(guardYml(['a', 'b']));
  assert.equal((await run(guard, ['deploy', '--no-smoke'])).code, 0);
  const zip = fs.readFileSync(path.join(guard, '.serverless', 'guard.zip')).toString('base64');
  const make = async (name: string, marks: Array<{ Key: string; Value: string }>) => {
    await client.CreateFunction({ FunctionName: name, Runtime: 'Nodejs18.15', Handler: 'index.hello', Code: { ZipFile: zip }, Tags: marks });
    emulator.core.settleTransitions();
  };
  const mark = (service: string, stage: string) => [{ Key: 'sls-tencent-scf.service', Value: service }, { Key: 'sls-tencent-scf.stage', Value: stage }];
  await make('handmade', []);
  await make('billing-dev-api', mark('billing', 'dev'));
  await make('guard-prod-a', mark('guard', 'prod'));
  // An endpoint that ignores ListFunctions' Filters lists every function of the account as this service's.
  emulator.faults.ignoreListFilters = true;
  try {
    fs.writeFileSync(path.join(guard, 'serverless.yml'), guardYml(['a']).replace(/__PLUGIN__/g, PLUGIN_NAME));
    const pruned = await run(guard, ['deploy', '--no-smoke']);
    assert.equal(pruned.code, 0, output(pruned));
    assert.deepEqual(mutations(), ['DeleteFunction guard-dev-b'], output(pruned));
    const removed = await run(guard, ['remove']);
    assert.equal(removed.code, 0, output(removed));
    assert.deepEqual(mutations(), ['DeleteFunction guard-dev-a'], output(removed));
    assert.match(removed.stderr, /Removed guard \(stage dev, region ap-guangzhou\): 1 function in [\d.]+ m?s\n {2}guard-dev-a\n/);
  } finally {
    emulator.faults.ignoreListFilters = false;
  }
  for (const name of ['handmade', 'billing-dev-api', 'guard-prod-a']) assert.equal(await gone(name), false, `${name} is still there`);
  // serverless.yml naming a function does not make it this service's either: an unmarked one is left, saying why.
  const claims = serviceDir(`service: guard\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  hand:\n    handler: index.hello\n    name: handmade\n  billing:\n    handler: index.hello\n    name: billing-dev-api\n`);
  const refused = await run(claims, ['remove']);
  assert.equal(refused.code, 0, output(refused));
  assert.deepEqual(mutations(), []);
  assert.match(refused.stderr, /handmade carries no sls-tencent-scf\.service\/sls-tencent-scf\.stage tags \(made by hand or by another tool\): left alone/);
  assert.match(refused.stderr, /billing-dev-api belongs to service "billing" stage "dev": left alone/);
  for (const name of ['handmade', 'billing-dev-api', 'guard-prod-a']) await client.DeleteFunction({ FunctionName: name });
});

// ---- failures: CreateFailed, a busy function, UpdateFailed, what only the API refuses ---------------------------

const FLAKY = `service: flaky
provider:
  name: tencent
  runtime: Nodejs18.15
plugins:
  - __PLUGIN__
functions:
  a:
    handler: index.hello
    memorySize: MEMORY
    smoke: true
`;

let flaky: string;

test('CreateFailed: the deploy fails naming function, step, status and reason, with no smoke check; the next re-creates it', async () => {
  flaky = serviceDir(FLAKY.replace('MEMORY', '128'));
  emulator.core.setDeployFaults([{ pattern: 'flaky-dev-a', count: 1, errorCode: 'InternalError.ImagePull', errorMessage: 'the runtime image could not be pulled' }]);
  const failed = await run(flaky, ['deploy']);
  assert.notEqual(failed.code, 0, output(failed));
  assert.match(
    failed.stdout,
    /Deploying a \(flaky-dev-a\) failed at CreateFunction: flaky-dev-a is CreateFailed after CreateFunction: InternalError\.ImagePull: the runtime image could not be pulled\./,
  );
  assert.deepEqual(requestsFor('Invoke'), [], 'no smoke check after a failed deploy');
  assert.doesNotMatch(failed.stderr, /smoke check/i);
  assert.equal((await client.GetFunction({ FunctionName: 'flaky-dev-a' })).Status, 'CreateFailed');

  const again = await run(flaky, ['deploy']);
  assert.equal(again.code, 0, output(again));
  assert.match(again.stderr, /a \(flaky-dev-a\): re-created \(was CreateFailed\)/);
  assert.deepEqual(mutations().filter((m) => !m.startsWith('Invoke')), ['DeleteFunction flaky-dev-a', 'CreateFunction flaky-dev-a']);
  assert.match(again.stderr, /The smoke check passed/);
  assert.equal((await client.GetFunction({ FunctionName: 'flaky-dev-a' })).Status, 'Active');
});

/** Runs `sls deploy` while `functionName` is in a long transition, settling it once the deploy has polled it. */
async function deployWhileBusy(dir: string, functionName: string): Promise<SlsRun> {
  emulator.core.setTransitionMs(TRANSITION_MS);
  emulator.reset();
  const deploying = sls(dir, ['deploy', '--no-smoke', '--verbose'], emulator);
  // Its read, the listing of strays, then two looks at its status: GetFunction polls (Updating) or listings of
  // its namespace (Creating, Deleting: the status board's).
  const looks = () => requestsFor('GetFunction', functionName).length + requestsFor('ListFunctions').length;
  for (let i = 0; looks() < 4; i++) {
    assert.ok(i < 1200, `the deploy never waited for ${functionName}: ${emulator.requests.map((r) => r.action).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  emulator.core.settleTransitions();
  return deploying;
}

test('a busy function is waited for, not refused', async () => {
  // Updating for as long as the test wants: it settles once the deploy has been seen waiting.
  emulator.core.setTransitionMs(600_000);
  await client.UpdateFunctionConfiguration({ FunctionName: 'flaky-dev-a', MemorySize: 512 });
  assert.equal((await client.GetFunction({ FunctionName: 'flaky-dev-a' })).Status, 'Updating');
  const result = await deployWhileBusy(flaky, 'flaky-dev-a');
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, /wait: found Updating: wait until it is Active before changing it/);
  assert.deepEqual(mutations(), ['UpdateFunctionConfiguration flaky-dev-a']);
  assert.deepEqual(emulator.requests.filter((r) => r.outcome !== 'ok'), [], 'nothing was refused');
  assert.equal((await client.GetFunction({ FunctionName: 'flaky-dev-a' })).MemorySize, 128);
});

test('a change refused because someone else changed the function meanwhile is sent again once it is Active', async () => {
  fs.writeFileSync(path.join(flaky, 'serverless.yml'), FLAKY.replace('MEMORY', '256').replace(/__PLUGIN__/g, path.resolve(__dirname, '..', '..', '..')));
  // The deploy reads the function Active; its UpdateFunctionConfiguration finds it Updating (another client's change).
  emulator.core.setDeployFaults([{ pattern: 'flaky-dev-a', count: 1, busy: true }]);
  const result = await run(flaky, ['deploy', '--no-smoke', '--verbose']);
  assert.equal(result.code, 0, output(result));
  assert.deepEqual(
    requestsFor('UpdateFunctionConfiguration').map((r) => r.outcome),
    ['UnauthorizedOperation.FunctionStatus', 'ok'],
    'refused as the cloud refuses it, then sent again',
  );
  assert.equal((await client.GetFunction({ FunctionName: 'flaky-dev-a' })).MemorySize, 256);
  emulator.core.setDeployFaults([]);
});

test('a function found Creating or Deleting is waited for, then deployed', async () => {
  const racing = serviceDir(`service: racing\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  p:\n    handler: index.hello\n`);
  const zip = fs.readFileSync(path.join(flaky, '.serverless', 'flaky.zip')).toString('base64');
  const marks = [{ Key: 'sls-tencent-scf.service', Value: 'racing' }, { Key: 'sls-tencent-scf.stage', Value: 'dev' }];
  // Another deploy's CreateFunction, still Creating.
  emulator.core.setTransitionMs(600_000);
  await client.CreateFunction({ FunctionName: 'racing-dev-p', Runtime: 'Nodejs18.15', Handler: 'index.hello', Code: { ZipFile: zip }, Tags: marks });
  const created = await deployWhileBusy(racing, 'racing-dev-p');
  assert.equal(created.code, 0, output(created));
  assert.match(created.stderr, /wait: found Creating/);
  assert.deepEqual(emulator.requests.filter((r) => r.outcome !== 'ok' && !r.outcome.startsWith('ResourceNotFound')), [], 'nothing was refused');
  assert.equal((await client.GetFunction({ FunctionName: 'racing-dev-p' })).Status, 'Active');

  // Another remove's DeleteFunction, still Deleting.
  emulator.core.setTransitionMs(600_000);
  await client.DeleteFunction({ FunctionName: 'racing-dev-p' });
  const recreated = await deployWhileBusy(racing, 'racing-dev-p');
  assert.equal(recreated.code, 0, output(recreated));
  assert.match(recreated.stderr, /wait: found Deleting: wait until it is gone, then create it again/);
  assert.deepEqual(mutations(), ['CreateFunction racing-dev-p']);
  assert.equal((await client.GetFunction({ FunctionName: 'racing-dev-p' })).Status, 'Active');
});

test('UpdateFailed and an API refusal: non-zero, naming function, step, code and request id; no smoke check', async () => {
  fs.writeFileSync(path.join(flaky, 'serverless.yml'), FLAKY.replace('MEMORY', '512').replace(/__PLUGIN__/g, path.resolve(__dirname, '..', '..', '..')));
  emulator.core.setDeployFaults([{ pattern: 'flaky-dev-a', count: 1, errorCode: 'InternalError.System', errorMessage: 'disk full' }]);
  const failed = await run(flaky, ['deploy']);
  assert.notEqual(failed.code, 0, output(failed));
  assert.match(failed.stdout, /Deploying a \(flaky-dev-a\) failed at UpdateFunctionConfiguration: flaky-dev-a is UpdateFailed after UpdateFunctionConfiguration: InternalError\.System: disk full\./);
  assert.deepEqual(requestsFor('Invoke'), []);
  assert.equal((await client.GetFunction({ FunctionName: 'flaky-dev-a' })).Status, 'UpdateFailed');

  // b's CLS topic does not exist: the plugin cannot know, the API refuses it. The UpdateFailed function is sent its
  // code and configuration again meanwhile.
  // c's bucket does not exist: only CreateTrigger finds that out. A failure does not stop the other functions.
  const yml =
    FLAKY.replace('MEMORY', '512') +
    `  b:\n    handler: index.hello\n    cls: { logsetId: no-such-logset, topicId: no-such-topic }\n    smoke: true\n` +
    `  c:\n    handler: index.hello\n    events:\n      - cos: { bucket: missing-${APPID} }\n`;
  fs.writeFileSync(path.join(flaky, 'serverless.yml'), yml.replace(/__PLUGIN__/g, path.resolve(__dirname, '..', '..', '..')));
  const refused = await run(flaky, ['deploy']);
  assert.notEqual(refused.code, 0, output(refused));
  assert.match(refused.stdout, /2 functions failed to deploy:\n/);
  assert.match(refused.stdout, /^Deploying b \(flaky-dev-b\) failed at CreateFunction \[InvalidParameterValue\.ClsTopicId\]: .*no-such-topic.* \(CreateFunction RequestId [0-9a-f-]{36}\)$/m);
  assert.match(
    refused.stdout,
    new RegExp(`^Deploying c \\(flaky-dev-c\\) failed at CreateTrigger cos missing-${APPID}\\.cos\\.ap-guangzhou\\.myqcloud\\.com \\[ResourceNotFound\\.Cos\\]: .* \\(CreateTrigger RequestId [0-9a-f-]{36}\\)$`, 'm'),
  );
  assert.match(refused.stdout, /The other function to change was deployed/);
  assert.match(refused.stderr, /Deployed only in part flaky \(stage dev, region ap-guangzhou\):\n {2}a \(flaky-dev-a\): code updated, configuration updated \(memorySize\)\n/);
  assert.deepEqual(requestsFor('Invoke'), [], 'no smoke check, not even of the function that deployed');
  const a = await client.GetFunction({ FunctionName: 'flaky-dev-a' });
  assert.deepEqual([a.Status, a.MemorySize], ['Active', 512], 'the UpdateFailed function recovered');
  assert.deepEqual(mutations().sort(), ['CreateFunction flaky-dev-b', 'CreateFunction flaky-dev-c', 'CreateTrigger flaky-dev-c', 'UpdateFunctionCode flaky-dev-a', 'UpdateFunctionConfiguration flaky-dev-a']);
  assert.ok(await gone('flaky-dev-b'));
  assert.deepEqual(await triggersOf('flaky-dev-c'), []);
});

test('remove waits for a busy function and for one already being deleted', async () => {
  const leftover = serviceDir(`service: leftover\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  x:\n    handler: index.hello\n  y:\n    handler: index.echo\n`);
  const deployed = await run(leftover, ['deploy', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  // x Updating, y Deleting (a remove interrupted after its DeleteFunction), for as long as the test wants.
  emulator.core.setTransitionMs(600_000);
  await client.UpdateFunctionConfiguration({ FunctionName: 'leftover-dev-x', MemorySize: 256 });
  await client.DeleteFunction({ FunctionName: 'leftover-dev-y' });
  emulator.core.setTransitionMs(TRANSITION_MS);
  emulator.reset();
  const removing = sls(leftover, ['remove'], emulator);
  for (let i = 0; requestsFor('GetFunction', 'leftover-dev-x').length < 2; i++) {
    assert.ok(i < 1200, 'the remove never polled the busy function');
    await new Promise((r) => setTimeout(r, 50));
  }
  emulator.core.settleTransitions();
  const result = await removing;
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, /Removed leftover \(stage dev, region ap-guangzhou\): 2 functions in \d[\d.]* (ms|s)\n {2}leftover-dev-x\n {2}leftover-dev-y/);
  assert.deepEqual(emulator.requests.filter((r) => r.outcome !== 'ok' && !r.outcome.startsWith('ResourceNotFound')), [], 'nothing was refused');
  assert.deepEqual(mutations(), ['DeleteFunction leftover-dev-x'], 'y was being deleted already: it is waited for');
  assert.ok(await gone('leftover-dev-x'));
  assert.ok(await gone('leftover-dev-y'));
});

test('a remove whose read of one function fails removes the others, says which, and fails naming the one left', async () => {
  const partial = serviceDir(`service: partial\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  x:\n    handler: index.hello\n  y:\n    handler: index.echo\n  z:\n    handler: index.hello\n`);
  assert.equal((await run(partial, ['deploy', '--no-smoke'])).code, 0);
  // z's GetFunction fails every time (its reads are retried, then given up): x and y are read and deleted meanwhile.
  Object.assign(emulator.faults, { internalErrorRate: 1, actions: ['GetFunction'], functions: ['partial-dev-z'] });
  let failed: SlsRun;
  try {
    failed = await run(partial, ['remove']);
  } finally {
    Object.assign(emulator.faults, { internalErrorRate: undefined, actions: undefined, functions: undefined });
  }
  assert.notEqual(failed.code, 0, output(failed));
  assert.match(failed.stderr, /Removed only in part partial \(stage dev, region ap-guangzhou\): 2 functions\n {2}partial-dev-x\n {2}partial-dev-y\n/, output(failed));
  assert.match(failed.stdout + failed.stderr, /Removing partial-dev-z failed at GetFunction \(reading its tags\) \[InternalError\]: .*\(GetFunction RequestId [0-9a-f-]{36}\)/);
  assert.deepEqual(mutations().sort(), ['DeleteFunction partial-dev-x', 'DeleteFunction partial-dev-y']);
  assert.ok(await gone('partial-dev-x'));
  assert.equal(await gone('partial-dev-z'), false, 'a function that could not be read is left');

  const again = await run(partial, ['remove']);
  assert.equal(again.code, 0, output(again));
  assert.match(again.stderr, /Removed partial \(stage dev, region ap-guangzhou\): 1 function in [\d.]+ m?s\n {2}partial-dev-z\n/);
});

test('sls package --package DIR, then sls deploy --package DIR deploys those packages', async () => {
  const boxed = serviceDir(`service: boxed\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  a:\n    handler: index.hello\n`);
  fs.mkdirSync(path.join(boxed, 'out'));
  fs.writeFileSync(path.join(boxed, 'out', 'a.zip'), 'a package of an earlier packaging');
  const packaged = await run(boxed, ['package', '--package', 'out']);
  assert.equal(packaged.code, 0, output(packaged));
  assert.deepEqual(fs.readdirSync(path.join(boxed, 'out')), ['boxed.zip'], 'the fresh package, and no stale one');
  assert.deepEqual(emulator.requests, [], 'packaging sends nothing');
  fs.rmSync(path.join(boxed, '.serverless'), { recursive: true, force: true });
  const deployed = await run(boxed, ['deploy', '--package', 'out', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  assert.deepEqual(mutations(), ['CreateFunction boxed-dev-a']);
  assert.match((await client.Invoke({ FunctionName: 'boxed-dev-a', ClientContext: '{}' })).Result.RetMsg, /Hello from boxed-dev-a/);
});

test('an emulator state directory inside the service is left out of every package, saying so once', async () => {
  const svc = serviceDir(`service: stateful\nprovider:\n  name: tencent\n  environment: { DB_PASSWORD: hunter2 }\nplugins:\n  - __PLUGIN__\nfunctions:\n  a:\n    handler: index.hello\n  b:\n    handler: index.echo\n    package:\n      individually: true\n`);
  const credentials = newCredentials();
  const local = Object.assign(await startEmulator({ credentials, behaviour: { transitionMs: 0, stateDir: path.join(svc, '.scf-state') } }), { credentials });
  try {
    // The README's old advice: the emulator keeps its state in the service directory, and the service deploys to it.
    for (let i = 0; i < 2; i++) {
      const deployed = await sls(svc, ['deploy', '--no-smoke'], local);
      assert.equal(deployed.code, 0, output(deployed));
      assert.equal(deployed.stderr.split('Left out of the package: .scf-state').length - 1, 1, output(deployed));
      fs.writeFileSync(path.join(svc, 'index.js'), fs.readFileSync(path.join(svc, 'index.js'), 'utf8') + `\n// change ${i}\n`);
    }
    const packaged = await run(svc, ['package']);
    assert.equal(packaged.code, 0, output(packaged));
    assert.match(packaged.stderr, /Left out of the package: \.scf-state \(an SCF emulator's state: its account and every package deployed to it\)\. Keep --state-dir outside the service directory\./);
    const zip = await JSZip.loadAsync(fs.readFileSync(path.join(svc, '.serverless', 'stateful.zip')));
    const names = Object.keys(zip.files);
    assert.deepEqual(names.filter((name) => name.includes('scf-state') || name.includes('account.json')), [], names.join(', '));
    assert.ok(names.includes('index.js'));
  } finally {
    await local.close();
    fs.rmSync(path.join(svc, '.scf-state'), { recursive: true, force: true });
  }
});

test('a plugin installed as a link into the service (npm link, npm install ../clone) packages and deploys without its checkout', async () => {
  const linked = serviceDir(`service: linked\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  a:\n    handler: index.hello\n`);
  fs.writeFileSync(path.join(linked, 'package.json'), JSON.stringify({ name: 'linked', version: '1.0.0', devDependencies: { [PLUGIN_NAME]: `file:${REPO}` } }));
  // What `npm install ../clone` and `npm link` leave: a link to this whole checkout, which packaging must not walk.
  fs.mkdirSync(path.join(linked, 'node_modules'));
  fs.symlinkSync(REPO, path.join(linked, 'node_modules', PLUGIN_NAME), 'junction');
  const packaged = await run(linked, ['package']);
  assert.equal(packaged.code, 0, output(packaged));
  const names = [...(await zipEntryNames(path.join(linked, '.serverless', 'linked.zip')))];
  assert.ok(names.includes('index.js'), names.join(', '));
  assert.ok(!names.some((n) => n.startsWith('node_modules/')), `nothing of the plugin's checkout: ${names.filter((n) => n.startsWith('node_modules/')).slice(0, 5).join(', ')}`);
  assert.deepEqual(emulator.requests, [], 'packaging sends nothing');
  const deployed = await run(linked, ['deploy', '--no-smoke']);
  assert.equal(deployed.code, 0, output(deployed));
  assert.deepEqual(mutations(), ['CreateFunction linked-dev-a']);
  const fnDeployed = await run(linked, ['deploy', 'function', '-f', 'a', '--no-smoke']);
  assert.equal(fnDeployed.code, 0, output(fnDeployed));
  assert.equal((await run(linked, ['remove'])).code, 0);
});

// ---- packages too large to inline -------------------------------------------------------------------------

test('a package too large to inline: refused before anything is sent without provider.deploymentBucket, through COS with it', async () => {
  const bulkyYml = (bucket: string) =>
    `service: bulky\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\n${bucket}plugins:\n  - __PLUGIN__\nfunctions:\n  big:\n    handler: index.hello\n`;
  const bulky = serviceDir(bulkyYml(''));
  // Random bytes do not compress: the zip is larger than the largest one a request carries inline.
  fs.writeFileSync(path.join(bulky, 'blob.bin'), randomBytes(INLINE_ZIP_BYTES + 64 * 1024));
  const refused = await run(bulky, ['deploy']);
  assert.notEqual(refused.code, 0, output(refused));
  assert.match(refused.stdout, /The package bulky\.zip is 7\.\d MB: too large to send inline \(at most 7\.\d MB fits in a request\)\. Set provider\.deploymentBucket/);
  assert.deepEqual(emulator.requests, [], 'refused before any request');

  fs.writeFileSync(path.join(bulky, 'serverless.yml'), bulkyYml(`  deploymentBucket: deploy-${APPID}\n`).replace(/__PLUGIN__/g, path.resolve(__dirname, '..', '..', '..')));
  const result = await run(bulky, ['deploy', '--no-smoke']);
  assert.equal(result.code, 0, output(result));
  const [create] = requestsFor('CreateFunction', 'bulky-dev-big');
  assert.equal(create.params.Code.ZipFile, undefined);
  assert.equal(create.params.Code.CosBucketName, 'deploy');
  assert.equal(create.params.Code.CosBucketRegion, 'ap-guangzhou');
  assert.match(create.params.Code.CosObjectName, /^\/sls-tencent-scf\/bulky\/dev\/bulky-[0-9a-f]{16}\.zip$/);
  const bucket = emulator.core.cos.buckets.get(`deploy-${APPID}`)!;
  assert.ok(emulator.core.cos.get(bucket, create.params.Code.CosObjectName)!.meta.size > INLINE_ZIP_BYTES);
  const reply = await client.Invoke({ FunctionName: 'bulky-dev-big', ClientContext: '{}' });
  assert.match(reply.Result.RetMsg, /Hello from bulky-dev-big/);
});

// ---- serverless.yml values refused before anything is sent --------------------------------------------------

test('publishing converges: an alias added later is made, a stopped publish is finished, then nothing', async () => {
  const yml = (deploy: string, memory = 128) => `service: pub\nprovider:\n  name: tencent\n  memorySize: ${memory}\nplugins:\n  - ${PLUGIN_NAME}\n${deploy}functions:\n  api:\n    handler: index.hello\n`;
  const alias = 'custom:\n  scf:\n    deploy:\n      alias: live\n';
  const dir = serviceDir(yml(''));
  assert.equal((await run(dir, ['deploy', '--no-smoke'])).code, 0);
  // The alias appears in serverless.yml of a function that did not change: a version is published and the alias made.
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml(alias));
  const added = await run(dir, ['deploy', '--no-smoke', '--verbose']);
  assert.equal(added.code, 0, output(added));
  assert.match(added.stderr, /alias live does not exist yet: publish a version and point alias live at it/);
  assert.deepEqual(mutations(), ['PublishVersion pub-dev-api', 'CreateAlias pub-dev-api']);
  assert.equal((await client.GetAlias({ FunctionName: 'pub-dev-api', Name: 'live' })).FunctionVersion, '1');
  // A deploy that changed $LATEST and stopped before it published: $LATEST holds serverless.yml, the alias does not.
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml(alias, 256));
  await client.UpdateFunctionConfiguration({ FunctionName: 'pub-dev-api', MemorySize: 256 });
  emulator.core.settleTransitions();
  const behind = await run(dir, ['deploy', '--no-smoke', '--verbose']);
  assert.equal(behind.code, 0, output(behind));
  assert.match(behind.stderr, /version 1 \(alias live\) does not hold serverless\.yml's configuration: publish/);
  assert.deepEqual(mutations(), ['PublishVersion pub-dev-api', 'UpdateAlias pub-dev-api']);
  assert.equal((await client.GetAlias({ FunctionName: 'pub-dev-api', Name: 'live' })).FunctionVersion, '2');
  const settled = await run(dir, ['deploy', '--no-smoke']);
  assert.match(settled.stderr, /No changes/, output(settled));
  assert.deepEqual(mutations(), []);
  assert.equal((await run(dir, ['remove'])).code, 0);
});

test('a deploy stopped after PublishVersion and before the alias publishes nothing again: the next points the alias at that version', async () => {
  const yml = (memory: number) => `service: repub\nprovider:\n  name: tencent\n  memorySize: ${memory}\nplugins:\n  - ${PLUGIN_NAME}\ncustom:\n  scf:\n    deploy:\n      publish: true\n      alias: live\nfunctions:\n  api:\n    handler: index.hello\n`;
  const dir = serviceDir(yml(128));
  assert.equal((await run(dir, ['deploy', '--no-smoke'])).code, 0);
  assert.equal((await client.GetAlias({ FunctionName: 'repub-dev-api', Name: 'live' })).FunctionVersion, '1');
  // Three deploys of a change, each stopped after its PublishVersion: UpdateAlias fails (and may have run, so it is not sent again).
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml(256));
  Object.assign(emulator.faults, { internalErrorRate: 1, actions: ['UpdateAlias'] });
  try {
    for (let i = 0; i < 3; i++) {
      const stopped = await run(dir, ['deploy', '--no-smoke', '--verbose']);
      assert.notEqual(stopped.code, 0, output(stopped));
      assert.match(stopped.stdout, /failed at PublishVersion and alias live|failed at alias live to version 2/);
    }
  } finally {
    Object.assign(emulator.faults, { internalErrorRate: undefined, actions: undefined });
  }
  const finished = await run(dir, ['deploy', '--no-smoke', '--verbose']);
  assert.equal(finished.code, 0, output(finished));
  assert.match(finished.stderr, /version 1 \(alias live\) does not hold serverless\.yml's configuration, and version 2 \(published by a deploy that stopped before the alias moved\) does: point alias live at version 2, publishing nothing/);
  assert.deepEqual(mutations(), ['UpdateAlias repub-dev-api']);
  assert.equal((await client.GetAlias({ FunctionName: 'repub-dev-api', Name: 'live' })).FunctionVersion, '2');
  assert.deepEqual((await client.ListVersionByFunction({ FunctionName: 'repub-dev-api' })).Versions.map((v: any) => v.Version), ['$LATEST', '1', '2'], 'one version for the change, not one per attempt');
  const settled = await run(dir, ['deploy', '--no-smoke']);
  assert.match(settled.stderr, /No changes/, output(settled));
  assert.equal((await run(dir, ['remove'])).code, 0);
});

test('bad serverless.yml values are refused, a line each, and nothing is sent', async () => {
  const bad = serviceDir(`service: bad
provider:
  name: tencent
plugins:
  - __PLUGIN__
functions:
  a:
    handler: index.hello
    runtime: Nodejs99
  b:
    handler: index.hello
    memorySize: 100
  c:
    handler: index.hello
    environment:
      SCF_SECRET: x
  d:
    handler: index.hello
    events:
      - timer: '0 61 * * * * *'
`);
  emulator.reset();
  const result = await sls(bad, ['deploy'], emulator);
  assert.notEqual(result.code, 0, output(result));
  const lines = result.stdout.slice(result.stdout.indexOf('serverless.yml has')).trim().split('\n');
  assert.equal(lines[0], 'serverless.yml has 4 problems:');
  assert.match(lines[1], /^functions\.a\.runtime must be one of SCF's runtimes \(.*\), not "Nodejs99"( \(did you mean \S+\?\))?$/);
  assert.match(lines[2], /^functions\.b\.memorySize must be 64 or a multiple of 128 from 128 to 3072, not 100$/);
  assert.match(lines[3], /^functions\.c\.environment\.SCF_SECRET starts with SCF_, which SCF keeps for its own variables/);
  assert.match(lines[4], /^functions\.d\.events\[0\]\.timer is not a cron expression SCF accepts: .*61/);
  assert.equal(lines.length, 5, result.stdout);
  assert.deepEqual(emulator.requests, []);
  assert.ok(!fs.existsSync(path.join(bad, '.serverless', 'bad.zip')), 'not even packaged');
});

test('every parameter the deploys, infos and removes above sent is in its action\'s table, with its type', () => {
  assert.ok(new Set(sentByThePlugin.map((r) => r.action)).size >= 15);
  assert.deepEqual(requestProblems(sentByThePlugin), []);
});

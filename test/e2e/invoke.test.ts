// `sls invoke` end to end: the real serverless v3 CLI in examples/hello, against the emulator over HTTP. `npm test`
// runs this file under osls 4 as well (helpers: SCF_E2E_CLI).
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assertNoSecrets, emulatorFor, EXAMPLE, SCHEMA_ERRORS_STOP, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

let emulator: RunningEmulator & { credentials: TestCredentials };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

before(async () => {
  emulator = await emulatorFor(EXAMPLE, { credentials: { secretId: 'AKIDe2e', secretKey: 'e2eSECRETkey0123456789', token: 'e2eSESSIONtoken987' } });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

async function invoke(args: string[], env: Record<string, string | undefined> = {}, cwd = EXAMPLE, schemaWarning = false, input = ''): Promise<SlsRun> {
  const run = await sls(cwd, ['invoke', ...args], emulator, env, input);
  assertNoSecrets(run, emulator.credentials);
  if (!schemaWarning) assert.doesNotMatch(run.stderr, /validation schema|Warning/i, run.stderr);
  return run;
}

/**
 * The sentence of a failed command. Serverless v3 itself writes "Error:" and the message to stdout
 * (lib/cli/handle-error.js), so on failure stdout holds exactly those two lines and nothing of ours.
 */
function errorLine(run: SlsRun): string {
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'Error:', `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(lines.length, 2, `a one-line error: ${run.stdout}`);
  return lines[1];
}

function assertRefusedBeforeSending(run: SlsRun, pattern: RegExp): void {
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), pattern, run.stderr);
  assert.equal(emulator.requests.length, 0, 'nothing was sent');
}

test('sync invoke prints exactly the return value on stdout, metadata on stderr', async () => {
  const run = await invoke(['-f', 'hello', '-d', '{"name":"e2e"}']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { message: 'Hello from hello-dev-hello', input: { name: 'e2e' } });
  assert.equal(run.stdout, JSON.stringify({ message: 'Hello from hello-dev-hello', input: { name: 'e2e' } }, null, 2) + '\n');
  assert.match(run.stderr, /RequestId: [0-9a-f-]{36} {2}Duration: [\d.]+ ms {2}Billed: \d+ ms {2}Memory: [\d.]+ MB/);
  assert.doesNotMatch(run.stderr, /START RequestId/, 'no log without --log');
  const [request] = emulator.requests;
  assert.equal(request.action, 'Invoke');
  assert.equal(request.region, 'ap-guangzhou');
  assert.deepEqual(request.params, { FunctionName: 'hello-dev-hello', InvocationType: 'RequestResponse', ClientContext: '{"name":"e2e"}', LogType: 'None', Namespace: 'default' });
});

test('--log prints the log tail on stderr, never on stdout', async () => {
  const run = await invoke(['-f', 'chatty', '-d', '{"lines":3}', '--log']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { lines: 3 });
  assert.match(run.stderr, /line 1 of 3\n.*line 2 of 3\n.*line 3 of 3/);
  assert.match(run.stderr, /Report RequestId/);
  assert.equal(emulator.requests[0].params.LogType, 'Tail');
});

test('--log of a long log: its last 4 KB, from a whole line, after a line saying how much was cut', async () => {
  const run = await invoke(['-f', 'chatty', '-d', '{"lines":400}', '--log']);
  assert.equal(run.code, 0, run.stderr);
  const cut = /^\[(\d+) bytes of earlier log lines cut\]\n(.*)\n/m.exec(run.stderr);
  assert.ok(cut, run.stderr);
  assert.ok(Number(cut[1]) > 10_000, cut[1]);
  assert.match(cut[2], /^\S+\t[0-9a-f-]{36}\tline \d+ of 400$/, 'the first line after the marker is whole');
  assert.match(run.stderr, /line 400 of 400\n/);
});

test('a failing function exits non-zero with its error message, and its log with --log', async () => {
  const run = await invoke(['-f', 'fail', '-d', '{"reason":"database down"}', '--log']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), /^Function hello-dev-fail failed: database down \(RequestId [0-9a-f-]{36}\)$/);
  assert.match(run.stderr, /about to fail/);
});

test('an async invoke prints its request id alone', async () => {
  const run = await invoke(['-f', 'echo', '-t', 'Event', '-d', '{"async":true}']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  assert.match(id, UUID);
  assert.equal(emulator.requests[0].params.InvocationType, 'Event');
  await emulator.core.idle();
  assert.equal(emulator.core.store.get(id)?.status, 'FINISHED');
});

test('--wait polls until the async result arrives and prints it as a sync call would', async () => {
  const run = await invoke(['-f', 'slow', '-t', 'Event', '--wait', '-d', '{"ms":1200}', '--log']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { sleptMs: 1200 });
  assert.match(run.stderr, /RequestId: [0-9a-f-]{36} {2}Duration: [\d.]+ ms {2}Memory: \d+\.\d MB {2}Started: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{2}:\d{2}\n/);
  assert.doesNotMatch(run.stderr, /UTC\+8/);
  assert.match(run.stderr, /END RequestId/);
  const polls = emulator.requests.filter((r) => r.action === 'GetRequestStatus');
  assert.ok(polls.length >= 2 && polls.length <= 12, `${polls.length} polls`);
});

test('--wait on a failing function exits non-zero with the reason', async () => {
  const run = await invoke(['-f', 'fail', '-t', 'Event', '--wait']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), /^Function hello-dev-fail failed: something broke \(RequestId [0-9a-f-]{36}\)$/);
});

test('--path reads a YAML or JSON event file relative to the service', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-event-'));
  fs.writeFileSync(path.join(dir, 'event.yml'), 'user:\n  id: 7\n  tags: [a, b]\n');
  fs.writeFileSync(path.join(dir, 'event.json'), '{"json": [1, 2]}');
  const yamlRun = await invoke(['-f', 'echo', '-p', path.join(dir, 'event.yml')]);
  assert.equal(yamlRun.code, 0, yamlRun.stderr);
  assert.deepEqual(JSON.parse(yamlRun.stdout), { user: { id: 7, tags: ['a', 'b'] } });
  const jsonRun = await invoke(['-f', 'echo', '--path', path.join(dir, 'event.json')]);
  assert.deepEqual(JSON.parse(jsonRun.stdout), { json: [1, 2] });
});

test('--raw sends the data as a string', async () => {
  const run = await invoke(['-f', 'echo', '-d', 'not json at all', '--raw']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, '"not json at all"\n');
  assert.equal(emulator.requests[0].params.ClientContext, '"not json at all"');
});

test('the event from stdin when neither --data nor --path is given', async () => {
  const run = await invoke(['-f', 'echo'], {}, EXAMPLE, false, '{"from":"stdin"}\n');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { from: 'stdin' });
  assert.equal(emulator.requests[0].params.ClientContext, '{"from":"stdin"}');
  const given = await invoke(['-f', 'echo', '-d', '{"from":"data"}'], {}, EXAMPLE, false, '{"from":"stdin"}');
  assert.deepEqual(JSON.parse(given.stdout), { from: 'data' });
});

test('bad input: one line, non-zero exit, nothing sent', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-bad-'));
  fs.writeFileSync(path.join(dir, 'bad.yml'), 'a: [unclosed\n');
  fs.writeFileSync(path.join(dir, 'bad.json'), '{"a":');
  fs.writeFileSync(path.join(dir, 'big.json'), JSON.stringify({ blob: 'x'.repeat(130 * 1024) }));
  const cases: Array<[string[], RegExp]> = [
    [['-f', 'hello', '-d', '{oops'], /^--data is not valid JSON .*add --raw/],
    [['-f', 'hello', '-p', path.join(dir, 'missing.json')], /^--path .*missing\.json: the file does not exist\.$/],
    [['-f', 'hello', '-p', path.join(dir, 'bad.yml')], /^--path .*bad\.yml is not valid JSON or YAML/],
    [['-f', 'hello', '-p', path.join(dir, 'bad.json')], /^--path .*bad\.json is not valid JSON/],
    [['-f', 'nope'], /^Function "nope" is not defined in serverless\.yml\. Known functions: hello, echo, fail, slow, chatty, jobs, worker\.$/],
    [['-f', 'hello', '-t', 'Sometimes'], /^--type must be RequestResponse or Event, not "Sometimes"\.$/],
    [['-f', 'hello', '-t', 'Event', '-p', path.join(dir, 'big.json')], /^The event is \d+ bytes: SCF accepts at most 131072 bytes for an async invoke\.$/],
    [['-f', 'hello', '--wait'], /^--wait goes with --type Event/],
  ];
  for (const [args, pattern] of cases) assertRefusedBeforeSending(await invoke(args), pattern);
  // The example takes its region from ${opt:region}: serverless 3's schema check (and osls 3's) warns and we refuse;
  // osls 4's refuses first.
  const mars = await invoke(['-f', 'hello', '-r', 'Mars'], {}, EXAMPLE, true);
  if (SCHEMA_ERRORS_STOP) {
    assert.notEqual(mars.code, 0);
    assert.match(mars.stdout, /^Error:\nConfiguration error at 'provider\.region'/);
    assert.equal(emulator.requests.length, 0, 'nothing was sent');
  } else {
    assert.match(mars.stderr, /provider\.region/);
    assertRefusedBeforeSending(mars, /^Region "Mars" is not a Tencent Cloud region name/);
  }
});

test('an unknown option is refused by serverless before anything is sent', async () => {
  const run = await invoke(['-f', 'hello', '--bogus', 'x'], {}, EXAMPLE, true);
  assert.notEqual(run.code, 0);
  assert.match(run.stdout + run.stderr, /Detected unrecognized CLI options: "--bogus"/);
  assert.equal(emulator.requests.length, 0);
});

test('bad configuration: missing credentials, or plain http to a remote host, sends nothing', async () => {
  const noCredentials = await invoke(['-f', 'hello'], { TENCENTCLOUD_SECRET_ID: undefined, TENCENTCLOUD_SECRET_KEY: undefined, TENCENTCLOUD_SESSION_TOKEN: undefined });
  assertRefusedBeforeSending(noCredentials, /^No Tencent Cloud credentials found\. .*TENCENTCLOUD_SECRET_ID.*~\/\.tencentcloud\/credentials.*provider\.credentials/);
  const insecure = await invoke(['-f', 'hello'], { TENCENTCLOUD_SCF_ENDPOINT: 'http://scf.example.com:9000' });
  assertRefusedBeforeSending(insecure, /plain http to a host that is not loopback/);
});

test('stage, region, namespace and qualifier overrides reach the request', async () => {
  const prod = await invoke(['-f', 'echo', '--stage', 'prod']);
  assert.notEqual(prod.code, 0);
  assert.match(errorLine(prod), /^Function "hello-prod-echo" was not found in namespace "default", region ap-guangzhou\./);
  assert.equal(emulator.requests[0].params.FunctionName, 'hello-prod-echo');

  emulator.reset();
  const shanghai = await invoke(['-f', 'echo', '-r', 'ap-shanghai', '-q', '$LATEST', '-d', '{}']);
  assert.equal(shanghai.code, 0, shanghai.stderr);
  assert.equal(emulator.requests[0].region, 'ap-shanghai');
  assert.equal(emulator.requests[0].params.Qualifier, '$LATEST');

  emulator.reset();
  const noVersion = await invoke(['-f', 'echo', '-q', '2', '-d', '{}']);
  assert.notEqual(noVersion.code, 0);
  assert.match(errorLine(noVersion), /^Version or alias not found for function "hello-dev-echo"/);
  assert.equal(emulator.requests[0].params.Qualifier, '2');

  emulator.reset();
  const batch = await invoke(['-f', 'jobs', '-d', '{"items":[1]}']);
  assert.equal(batch.code, 0, batch.stderr);
  assert.deepEqual(emulator.requests[0].params.Namespace, 'batch');
  assert.deepEqual(JSON.parse(batch.stdout), { job: 'done', count: 1 });

  emulator.reset();
  const overridden = await invoke(['-f', 'echo', '-n', 'other']);
  assert.notEqual(overridden.code, 0);
  assert.match(errorLine(overridden), /^Namespace "other" does not exist/);
  assert.equal(emulator.requests[0].params.Namespace, 'other');
});

test('legacy mode (provider.legacyApi: true) invokes through InvokeFunction', async () => {
  const dir = serviceDir(`service: hello
provider:
  name: tencent
  legacyApi: true
plugins:
  - __PLUGIN__
functions:
  hello:
    handler: index.hello
  fail:
    handler: index.fail
  slow:
    handler: index.slow
`);
  const ok = await invoke(['-f', 'hello', '-d', '{"legacy":1}'], {}, dir);
  assert.equal(ok.code, 0, ok.stderr);
  assert.deepEqual(JSON.parse(ok.stdout).input, { legacy: 1 });
  assert.equal(emulator.requests[0].protocol, 'legacy');
  assert.equal(emulator.requests[0].action, 'InvokeFunction');
  const failed = await invoke(['-f', 'fail'], {}, dir);
  assert.notEqual(failed.code, 0);
  assert.match(errorLine(failed), /^Function hello-dev-fail failed: something broke \(RequestId [0-9a-f-]{36}\)$/);
  const waited = await invoke(['-f', 'slow', '-t', 'Event', '--wait', '-d', '{"ms":300}'], {}, dir);
  assert.equal(waited.code, 0, waited.stderr);
  assert.deepEqual(JSON.parse(waited.stdout), { sleptMs: 300 });
});

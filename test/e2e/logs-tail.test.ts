// `sls logs --tail`, and `sls logs` over every function, end to end: the real serverless v3 CLI against an
// emulator whose CLS indexes records 1.5 s after they are written (as CLS does, a moment late), with the `old*`
// functions left without a log topic (read with GetFunctionLogs).
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import { assertNoSecrets, emulatorFor, serviceDir, SLS, sls, slsEnvironment, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';
import { InvocationLog } from '../../lib/emulator/cls/records';

const INDEX_DELAY_MS = 1500;
const SERVICE = serviceDir(`service: tail
provider:
  name: tencent
  runtime: Nodejs18.15
  region: ap-guangzhou
  stage: dev
  timeout: 10
plugins:
  - __PLUGIN__
functions:
  api:
    handler: index.chatty
  slow:
    handler: index.slow
  old:
    handler: index.chatty
`);

let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  emulator = await emulatorFor(SERVICE, { behaviour: { withoutLogTopic: ['tail-dev-old*'], logIndexDelayMs: INDEX_DELAY_MS } });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function invoke(key: string, event: unknown = {}): Promise<string> {
  const reply = await emulator.core.handle('Invoke', { FunctionName: `tail-dev-${key}`, ClientContext: JSON.stringify(event) });
  return reply.Result.FunctionRequestId;
}

interface Tail {
  /** stdout lines with the time each arrived. */
  lines: Array<{ at: number; text: string }>;
  stderr(): string;
  /** Waits until every id is in stdout (or gives up after `ms`). */
  waitFor(ids: string[], ms?: number): Promise<void>;
  /** Ctrl-C; the exit code. */
  interrupt(): Promise<number | null>;
}

/** `sls logs --tail …` in the service, running until interrupted. */
async function startTail(args: string[]): Promise<Tail> {
  const { home, env } = slsEnvironment(emulator);
  const child = spawn(SLS, ['logs', '--tail', '--interval', '300', ...args], { cwd: SERVICE, env });
  const lines: Tail['lines'] = [];
  let partial = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    const parts = (partial + d).split('\n');
    partial = parts.pop()!;
    for (const text of parts) lines.push({ at: Date.now(), text });
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // Polling has begun once the first search (or GetFunctionLogs) reached the emulator.
  for (let i = 0; i < 150 && !emulator.requests.some((r) => r.action === 'SearchLog' || r.action === 'GetFunctionLogs'); i++) await sleep(100);
  const output = () => lines.map((l) => l.text).join('\n');
  return {
    lines,
    stderr: () => stderr,
    async waitFor(ids, ms = 15_000) {
      for (let waited = 0; waited < ms && ids.some((id) => !output().includes(id)); waited += 100) await sleep(100);
    },
    async interrupt() {
      child.kill('SIGINT');
      const code = await exited;
      fs.rmSync(home, { recursive: true, force: true });
      const run = { code: code ?? 1, stdout: output(), stderr };
      assertNoSecrets(run, emulator.credentials);
      return code;
    },
  };
}

test('the CLS tail: late-indexed records and a long request, each request once when its Report arrives, each record once; Ctrl-C ends it', async () => {
  const tail = await startTail(['-f', 'api', '--json']);
  const fn = { functionName: 'tail-dev-api', namespace: 'default' };
  const topicId = emulator.core.account.getFunction('default', fn.functionName)!.config.clsTopicId!;
  // Before the tail began: not shown.
  const [earlier] = emulator.core.seed(fn.functionName, 'default', [{ startMs: Date.now() - 3600_000 }]);
  // A long request, written as SCF writes it: START and a line now, the rest 3 s later.
  const long = new InvocationLog({ ...fn, qualifier: '$LATEST', alias: '', requestId: 'long-0000-4000-8000-000000000001', retryNum: 0, startMs: Date.now() });
  emulator.core.cls.append(topicId, [long.start(), long.line({ timeMs: Date.now() + 5, text: 'working on it' })]);
  const quick = await Promise.all([1, 2, 3].map((n) => invoke('api', { lines: n })));
  await sleep(3000);
  const endedAt = Date.now();
  emulator.core.cls.append(topicId, long.end({ statusCode: 200, retMsg: '"done"', durationMs: 3000, memUsageBytes: 1 << 20, memorySize: 128 }, endedAt));
  const ids = [...quick, 'long-0000-4000-8000-000000000001'];
  await tail.waitFor(ids);
  await sleep(1200); // a few more polls: nothing may come twice
  const code = await tail.interrupt();
  assert.equal(code, 0, tail.stderr());
  assert.doesNotMatch(tail.stderr(), /at .*\.js:\d+/, 'no stack');
  const printed = tail.lines.map((l) => ({ at: l.at, ...JSON.parse(l.text) }));
  assert.deepEqual(printed.map((p) => p.requestId).sort(), [...ids].sort(), `each once: ${tail.stderr()}`);
  assert.ok(!printed.some((p) => p.requestId === earlier.requestId));
  assert.ok(!printed.some((p) => 'lateLine' in p), 'no record came twice');
  for (const [i, id] of quick.entries()) {
    const request = printed.find((p) => p.requestId === id);
    const lines = request.log.split('\n');
    assert.equal(lines.length, 3 + (i + 1) + 1, 'START, each line, Response, END, Report: once each');
    assert.equal(new Set(lines).size, lines.length);
    assert.deepEqual([request.status, request.source, request.function], ['succeeded', 'cls', 'api']);
  }
  const longOne = printed.find((p) => p.requestId === ids[3]);
  assert.ok(longOne.at >= endedAt + INDEX_DELAY_MS, 'printed once its Report was searchable, not before');
  assert.equal(longOne.log, ['START RequestId:' + ids[3], 'working on it', `Response RequestId:${ids[3]} RetMsg:"done"`, `END RequestId:${ids[3]}`, `Report RequestId:${ids[3]} Duration:3000ms Memory:128MB MemUsage:1MB`].join('\n'));
  assert.deepEqual([longOne.status, longOne.duration, longOne.retMsg], ['succeeded', 3000, '"done"']);
});

test('every function at once: the history interleaved in start order and the tail, each line marked with its function', async () => {
  const first = [await invoke('api', { lines: 2 }), await invoke('slow', { ms: 300 })];
  await sleep(1000); // GetFunctionLogs tells start times to the second
  first.push(await invoke('old', { lines: 2 }));
  await sleep(INDEX_DELAY_MS);
  const history = await sls(SERVICE, ['logs'], emulator);
  assert.equal(history.code, 0, history.stderr);
  const headers = history.stdout.split('\n').filter((line) => first.some((id) => line.includes(`  RequestId: ${id}`)));
  assert.deepEqual(
    headers.map((h) => [h.split(/ +\| /)[0], / {2}RequestId: (\S+)/.exec(h)![1]]),
    [['api', first[0]], ['slow', first[1]], ['old', first[2]]],
  );
  // Keys padded to the longest (slow), a blank line between requests.
  assert.ok(history.stdout.trim().split('\n').every((line) => line === '' || /^(api |slow|old ) \| /.test(line)), history.stdout);
  assert.match(history.stdout, new RegExp(`^old  \\| \\S+\\t${first[2]}\\tline 2 of 2$`, 'm'));
  assert.equal(history.stdout.trim().split('\n\n').length, history.stdout.split('\n').filter((line) => / {2}RequestId: /.test(line)).length, 'one blank line between requests');
  assert.match(history.stderr, /tail-dev-old has no CLS topic: reading its logs with GetFunctionLogs, which the vendor has taken offline\. To read them from CLS, set functions\.old\.cls: /);

  emulator.reset();
  const tail = await startTail([]);
  const later = await Promise.all([invoke('api', { lines: 1 }), invoke('old', { lines: 1 }), invoke('slow', { ms: 1500 })]);
  await tail.waitFor(later);
  await sleep(1000);
  const code = await tail.interrupt();
  assert.equal(code, 0, tail.stderr());
  const out = tail.lines.map((l) => l.text);
  assert.ok(out.length > 0 && out.every((line) => line === '' || /^(api |slow|old ) \| /.test(line)), out.join('\n'));
  const headersSeen = out.filter((line) => / {2}RequestId: /.test(line));
  assert.deepEqual(headersSeen.map((h) => / {2}RequestId: (\S+)/.exec(h)![1]).sort(), [...later].sort(), 'each once, none from before the tail');
  assert.ok(headersSeen.every((h) => /Status: succeeded$/.test(h)));
  assert.equal(tail.stderr().split('tail-dev-old has no CLS topic').length - 1, 1, 'the fallback said once');
  assert.ok(emulator.requests.some((r) => r.action === 'SearchLog') && emulator.requests.some((r) => r.action === 'GetFunctionLogs'));
});

test('invoke --type Event --wait --log prints the request log from CLS (indexed late), or from GetFunctionLogs without a topic', async () => {
  const cls = await sls(SERVICE, ['invoke', '-f', 'api', '-t', 'Event', '--wait', '--log', '-d', '{"lines":2}'], emulator);
  assert.equal(cls.code, 0, cls.stdout + cls.stderr);
  assert.deepEqual(JSON.parse(cls.stdout), { lines: 2 });
  assert.match(cls.stderr, /^START RequestId:(\S+)\n\S+\t\1\tline 1 of 2\n\S+\t\1\tline 2 of 2\nResponse RequestId:\1 RetMsg:\{"lines":2\}\nEND RequestId:\1\nReport RequestId:\1 Duration:\d+ms Memory:128MB MemUsage:[\d.]+MB$/m);
  assert.ok(emulator.requests.some((r) => r.action === 'SearchLog' && r.params.QueryString.includes('SCF_RequestId:')));
  assert.ok(!emulator.requests.some((r) => r.action === 'GetFunctionLogs'));

  emulator.reset();
  const scf = await sls(SERVICE, ['invoke', '-f', 'old', '-t', 'Event', '--wait', '--log', '-d', '{"lines":1}', '--verbose'], emulator);
  assert.equal(scf.code, 0, scf.stdout + scf.stderr);
  assert.match(scf.stderr, /^START RequestId: (\S+)\n\S+\t\1\tline 1 of 1\nEND RequestId: \1\nReport RequestId: \1 /m);
  assert.match(scf.stderr, /tail-dev-old has no CLS topic: reading its logs with GetFunctionLogs, which the vendor has taken offline\. To read them from CLS, set functions\.old\.cls: .* \(GetFunction names no ClsTopicId\)/);
  assert.ok(emulator.requests.some((r) => r.action === 'GetFunctionLogs'));
  assert.ok(!emulator.requests.some((r) => r.action === 'SearchLog'));
});

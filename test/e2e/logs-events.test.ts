// `sls logs` and `sls events` end to end: the real serverless v3 CLI against the emulator.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import { assertNoSecrets, emulatorFor, EXAMPLE, SLS, sls, type SlsRun, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';

let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  emulator = await emulatorFor(EXAMPLE);
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

async function run(args: string[], env: Record<string, string> = {}): Promise<SlsRun> {
  const result = await sls(EXAMPLE, args, emulator, env);
  assertNoSecrets(result, emulator.credentials);
  assert.doesNotMatch(result.stderr, /validation schema/);
  return result;
}

function jsonLines(text: string): any[] {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

test('history over several days and pages, JSON lines, in time order, each once', async () => {
  const now = Date.now();
  const seeded = emulator.core.seed('hello-dev-hello', 'default', Array.from({ length: 1500 }, (_, i) => ({ startMs: now - 2.5 * 86400_000 + i * 140_000 })));
  const result = await run(['logs', '-f', 'hello', '--startTime', '3d', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const lines = jsonLines(result.stdout);
  assert.deepEqual(lines.map((l) => l.requestId), seeded.filter((s) => s.startMs <= now).map((s) => s.requestId));
  const windows = emulator.requests.filter((r) => r.action === 'GetFunctionLogs').map((r) => r.params.StartTime);
  assert.ok(new Set(windows).size >= 3, `${new Set(windows).size} windows`);
  assert.ok(windows.length >= 4, 'several pages');
});

test('times are right whatever the local time zone: --startTime in local time, output in ISO UTC and local', async () => {
  // 2026-11-20 08:00 in Honolulu (UTC-10) is 18:00 UTC, 2026-11-21 02:00 in UTC+8.
  const at = (h: number, m = 0) => Date.UTC(2026, 10, 20, h, m);
  const [before18, after18] = emulator.core.seed('hello-dev-echo', 'default', [{ startMs: at(17, 59) }, { startMs: at(18, 1) }]);
  const env = { TZ: 'Pacific/Honolulu' };
  const json = await run(['logs', '-f', 'echo', '--startTime', '2026-11-20 08:00', '--endTime', '2026-11-20 09:00', '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const lines = jsonLines(json.stdout);
  assert.deepEqual(lines.map((l) => l.requestId), [after18.requestId]);
  assert.equal(lines[0].startTime, '2026-11-20T18:01:00.000Z');
  assert.ok(!json.stdout.includes(before18.requestId));
  assert.equal(emulator.requests[0].params.StartTime, '2026-11-21 02:00:00', 'the API gets UTC+8');
  const human = await run(['logs', '-f', 'echo', '--startTime', '2026-11-20 08:00', '--endTime', '2026-11-20 09:00'], env);
  assert.match(human.stdout, /^2026-11-20 08:01:00 -10:00 {2}RequestId: /);
});

test('filters reach the API and narrow the output; unknown ones are refused with the list', async () => {
  const ok = await run(['invoke', '-f', 'fail']);
  assert.notEqual(ok.code, 0);
  await run(['invoke', '-f', 'echo', '-d', '{}']);
  emulator.reset();
  const errors = await run(['logs', '-f', 'fail', '--filter', 'error', '--json']);
  assert.equal(errors.code, 0, errors.stderr);
  assert.ok(jsonLines(errors.stdout).length >= 1);
  assert.ok(jsonLines(errors.stdout).every((l) => l.retCode !== 0));
  assert.deepEqual(emulator.requests[0].params.Filter, { RetCode: 'not0' });
  const none = await run(['logs', '-f', 'echo', '--filter', 'UserCodeException', '--json']);
  assert.equal(none.stdout, '');
  emulator.reset();
  const bad = await run(['logs', '-f', 'echo', '--filter', 'warnings']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout, /--filter "warnings" is not one of: error, success, not0, is0, TimeLimitExceeded, ResourceLimitExceeded, UserCodeException\./);
  const badTime = await run(['logs', '-f', 'echo', '--startTime', 'last tuesday']);
  assert.notEqual(badTime.code, 0);
  assert.match(badTime.stdout, /--startTime "last tuesday" is not a time/);
  assert.equal(emulator.requests.length, 0, 'nothing sent');
});

test('--requestId shows one request with its header and log', async () => {
  const invoked = await run(['invoke', '-f', 'chatty', '-d', '{"lines":2}']);
  const id = /RequestId: ([0-9a-f-]{36})/.exec(invoked.stderr)![1];
  const result = await run(['logs', '-f', 'chatty', '--requestId', id]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`RequestId: ${id} {2}Duration: [\\d.]+ ms {2}Billed: \\d+ ms {2}Memory: [\\d.]+ MB {2}Status: success\\n`));
  assert.match(result.stdout, /line 1 of 2\n.*line 2 of 2/);
});

test('the tail prints new, late-finishing and overlapping requests exactly once, and Ctrl-C ends it cleanly', async () => {
  const child = spawn(SLS, ['logs', '-f', 'slow', '--tail', '--json', '--interval', '300'], {
    cwd: EXAMPLE,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      TENCENTCLOUD_SECRET_ID: emulator.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: emulator.credentials.secretKey,
      TENCENTCLOUD_SCF_ENDPOINT: emulator.url,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // wait for the tail to start polling
  for (let i = 0; i < 100 && !emulator.requests.some((r) => r.action === 'GetFunctionLogs'); i++) await new Promise((r) => setTimeout(r, 100));
  const fn = { name: 'hello-dev-slow', ns: 'default' };
  const now = Date.now();
  // one from before the tail (not printed), a late arrival, and real runs overlapping in time
  emulator.core.seed(fn.name, fn.ns, [{ startMs: now - 3600_000 }]);
  const [late] = emulator.core.seed(fn.name, fn.ns, [{ startMs: now - 200 }]);
  const ids: string[] = [late.requestId];
  const runs = await Promise.all(
    [1200, 300, 800].map((ms) => run(['invoke', '-f', 'slow', '-t', 'Event', '-d', JSON.stringify({ ms })])),
  );
  ids.push(...runs.map((r) => r.stdout.trim()));
  await emulator.core.idle();
  for (let i = 0; i < 150 && ids.some((id) => !stdout.includes(id)); i++) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 700)); // two more polls: nothing may come twice
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 0, stderr);
  const lines = jsonLines(stdout);
  const missing = ids.filter((id) => !lines.some((l) => l.requestId === id));
  const detail = `missing ${missing.map((id) => (id === late.requestId ? `late ${id}` : id)).join(', ')}; stderr: ${stderr}; polls: ${JSON.stringify(emulator.requests.filter((r) => r.action === 'GetFunctionLogs').slice(0, 3).map((r) => [r.params.StartTime, r.params.EndTime]))}`;
  assert.deepEqual(lines.map((l) => l.requestId).sort(), [...ids].sort(), `each once: ${detail}`);
  assert.ok(lines.every((l) => l.status === 'success'), 'in the final state');
});

test('events: pages past 100, filters by status, JSON and table', async () => {
  const now = Date.now();
  const items = Array.from({ length: 230 }, (_, i) => ({
    startMs: now - 3600_000 + i * 1000,
    invocationType: 'Event' as const,
    status: (i % 3 === 0 ? 'FAILED' : 'FINISHED') as 'FAILED' | 'FINISHED',
    retCode: i % 3 === 0 ? 1 : 0,
  }));
  const seeded = emulator.core.seed('hello-dev-hello', 'default', items);
  const all = await run(['events', '-f', 'hello', '--json']);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(jsonLines(all.stdout).map((e) => e.requestId), seeded.map((s) => s.requestId));
  assert.equal(emulator.requests.filter((r) => r.action === 'ListAsyncEvents').length, 3);
  assert.ok(emulator.requests.every((r) => r.params.Limit === 100));
  emulator.reset();
  const failed = await run(['events', '-f', 'hello', '--json', '--status', 'failed']);
  const failedIds = seeded.filter((s) => s.status === 'FAILED').map((s) => s.requestId);
  assert.deepEqual(jsonLines(failed.stdout).map((e) => e.requestId), failedIds);
  assert.deepEqual(emulator.requests[0].params.Status, ['FAILED']);
  const table = await run(['events', '-f', 'hello', '--status', 'FAILED,ABORTED', '--startTime', '90m']);
  const rows = table.stdout.trim().split('\n');
  assert.match(rows[0], /^REQUEST ID +STATUS +TYPE +QUALIFIER +START +END +DURATION$/);
  assert.equal(rows.length, failedIds.length + 1);
  assert.match(rows[1], /^[0-9a-f-]{36} {2}FAILED {2}CLI {3}\$LATEST/);
  const bad = await run(['events', '-f', 'hello', '--status', 'DONE']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout, /--status takes a comma list of RUNNING, FINISHED, ABORTED, FAILED/);
});

test('events --terminate stops a running async event', async () => {
  const started = await run(['invoke', '-f', 'worker', '-t', 'Event', '-d', '{"ms":30000}']);
  const id = started.stdout.trim();
  const running = await run(['events', '-f', 'worker', '--status', 'RUNNING', '--json']);
  assert.ok(jsonLines(running.stdout).some((e) => e.requestId === id));
  const stopped = await run(['events', '-f', 'worker', '--terminate', id, '--grace']);
  assert.equal(stopped.code, 0, stopped.stdout + stopped.stderr);
  assert.match(stopped.stderr, new RegExp(`stop async event ${id}`));
  await emulator.core.idle();
  const after = await run(['events', '-f', 'worker', '--requestId', id, '--json']);
  assert.equal(jsonLines(after.stdout)[0].status, 'ABORTED');
  const again = await run(['events', '-f', 'worker', '--terminate', id]);
  assert.notEqual(again.code, 0);
  assert.match(again.stdout, /FailedOperation\.AsyncEventStatus/);
});

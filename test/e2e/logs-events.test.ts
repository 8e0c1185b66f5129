// `sls logs` and `sls events` end to end: the real serverless v3 CLI against the emulator. Logs are read from
// CLS (SearchLog) for functions with a log topic and from GetFunctionLogs for the `old*` ones, which have none:
// every behaviour is checked on both paths, most of them in one run over all the service's functions.
import { after, before, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'child_process';
import { assertNoSecrets, emulatorFor, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import type { RunningEmulator } from '../../lib/emulator/http/server';
import { formatCst } from '../../lib/time/cst';

const SERVICE = serviceDir(`service: shop
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
  fail:
    handler: index.fail
  slow:
    handler: index.slow
    timeout: 3
  old:
    handler: index.chatty
  oldFail:
    handler: index.fail
  oldSlow:
    handler: index.slow
    timeout: 3
  worker:
    handler: index.slow
    timeout: 60
`);

let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  emulator = await emulatorFor(SERVICE, { behaviour: { withoutLogTopic: ['shop-dev-old*'] } });
});
after(() => emulator.close());
beforeEach(() => emulator.reset());

async function run(args: string[], env: Record<string, string> = {}): Promise<SlsRun> {
  const result = await sls(SERVICE, args, emulator, env);
  assertNoSecrets(result, emulator.credentials);
  assert.doesNotMatch(result.stderr, /validation schema/);
  return result;
}

function jsonLines(text: string): any[] {
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** Runs `key` in the emulator (sync), as a deployed function runs; its request id. */
async function invoke(key: string, event: unknown = {}): Promise<string> {
  const reply = await emulator.core.handle('Invoke', { FunctionName: `shop-dev-${key}`, ClientContext: JSON.stringify(event) });
  return reply.Result.FunctionRequestId;
}

const searches = () => emulator.requests.filter((r) => r.action === 'SearchLog');

test('CLS history: 18,000 records in 10 s (more than a Context chain reaches), 6,000 of them in two milliseconds: each request once, in start order', async () => {
  const t0 = Math.floor((Date.now() - 1800_000) / 1000) * 1000;
  // 1,200 requests starting at the same millisecond (their records in t0 and t0 + 1), then 2,400 in 10 s.
  const seeded = emulator.core.seed('shop-dev-api', 'default', [
    ...Array.from({ length: 1200 }, () => ({ startMs: t0 })),
    ...Array.from({ length: 2400 }, (_, i) => ({ startMs: t0 + 4 + i * 4 })),
  ]);
  const range = ['--startTime', new Date(t0).toISOString(), '--endTime', new Date(t0 + 10_000).toISOString()];
  const result = await run(['logs', '-f', 'api', ...range, '--json']);
  assert.equal(result.code, 0, result.stderr);
  const lines = jsonLines(result.stdout);
  assert.equal(lines.length, seeded.length);
  assert.deepEqual(lines.map((l) => l.requestId), seeded.map((s) => s.requestId));
  assert.ok(lines.every((l) => l.source === 'cls' && l.status === 'succeeded' && l.function === 'api' && l.log.split('\n').length === 5));
  assert.ok(searches().length >= 18, `${searches().length} searches`);
  for (const ms of [t0, t0 + 1]) {
    assert.ok(searches().some((s) => s.params.Context && s.params.From === ms && s.params.To === ms + 1), `a Context chain through the millisecond ${ms - t0}`);
  }
  assert.ok(searches().some((s) => !s.params.Context && s.params.From > t0 + 1 && s.params.From < t0 + 10_000), 'the rest split into searches');
  assert.ok(emulator.requests.every((r) => r.outcome === 'ok'), 'nothing refused');
});

test('the fallback: a function without a topic is read with GetFunctionLogs at 5 a second, complete, said once (why with --verbose)', async () => {
  const now = Date.now();
  const seeded = emulator.core.seed('shop-dev-old', 'default', Array.from({ length: 6000 }, (_, i) => ({ startMs: now - 2.5 * 86400_000 + i * 36_000 })));
  const result = await run(['logs', '-f', 'old', '--startTime', '3d', '--json', '--verbose']);
  assert.equal(result.code, 0, result.stderr);
  const lines = jsonLines(result.stdout);
  assert.deepEqual(lines.map((l) => l.requestId), seeded.map((s) => s.requestId));
  assert.ok(lines.every((l) => l.source === 'scf' && l.function === 'old'));
  const calls = emulator.requests.filter((r) => r.action === 'GetFunctionLogs');
  assert.ok(calls.length >= 8, `${calls.length} calls`);
  assert.ok(emulator.peakPerSecond('GetFunctionLogs') <= 5, `peak ${emulator.peakPerSecond('GetFunctionLogs')} a second`);
  assert.ok(calls.every((r) => r.outcome === 'ok'));
  assert.equal(searches().length, 0);
  assert.equal(result.stderr.split('shop-dev-old has no CLS topic: reading its logs with GetFunctionLogs, which the vendor has taken offline. To read them from CLS, set functions.old.cls: { logsetId: ..., topicId: ... }').length - 1, 1, result.stderr);
  assert.match(result.stderr, /Why: GetFunction names no ClsTopicId/);

  // A topic CLS refuses to search (gone): the same fallback, saying why.
  const worker = emulator.core.account.getFunction('default', 'shop-dev-worker')!;
  const topic = worker.config.clsTopicId;
  worker.config.clsTopicId = 'c0ffee00-gone-4000-8000-000000000000';
  try {
    const [one] = emulator.core.seed('shop-dev-worker', 'default', [{ startMs: Date.now() - 60_000 }]);
    const refused = await run(['logs', '-f', 'worker', '--json', '--verbose']);
    assert.equal(refused.code, 0, refused.stderr);
    assert.deepEqual(jsonLines(refused.stdout).map((l) => [l.requestId, l.source]), [[one.requestId, 'scf']]);
    assert.match(refused.stderr, /CLS refused to search the logs of shop-dev-worker: reading them with GetFunctionLogs\.\nWhy: SearchLog failed: ResourceNotFound\.TopicNotExist: The log topic `c0ffee00-gone-4000-8000-000000000000` does not exist\./);
  } finally {
    worker.config.clsTopicId = topic;
  }
});

test('--grep: only requests with a matching line, only those lines, finished, on both paths', async () => {
  const matching = [await invoke('api', { lines: 3 }), await invoke('old', { lines: 3 }), await invoke('api', { lines: 4 })];
  const other = [await invoke('api', { lines: 1 }), await invoke('old', { lines: 1 })];
  const result = await run(['logs', '--grep', 'line 2', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const lines = jsonLines(result.stdout).filter((l) => [...matching, ...other].includes(l.requestId));
  assert.deepEqual(lines.map((l) => l.requestId).sort(), [...matching].sort());
  // GetFunctionLogs tells start times to the second: in start order as far as the sources tell it.
  assert.deepEqual(lines.map((l) => l.startTime), lines.map((l) => l.startTime).sort(), 'in start order, across both sources');
  for (const l of lines) {
    assert.match(l.log, new RegExp(`^\\S+\\t${l.requestId}\\tline 2 of [34]$`), 'only the matching line');
    assert.equal(l.status, 'succeeded');
    assert.equal(l.statusCode, 200);
    assert.ok(l.duration > 0);
  }
  assert.deepEqual(lines.map((l) => l.source).sort(), ['cls', 'cls', 'scf']);
  assert.ok(searches().some((s) => s.params.QueryString.includes('SCF_Message:"line 2"')));
});

test('--requestId finds an old request without --startTime, never a look-alike id, on both paths', async () => {
  const twoHoursAgo = Date.now() - 2 * 3600_000;
  const ids = {
    asked: 'a1b2c3d4-1111-4222-8333-444455556666',
    lookAlike: 'a1b2c3d4-1111-4222-8333-999999999999',
    askedOld: 'f1e2d3c4-1111-4222-8333-444455556666',
    lookAlikeOld: 'f1e2d3c4-1111-4222-8333-777777777777',
  };
  emulator.core.seed('shop-dev-api', 'default', [
    { requestId: ids.lookAlike, startMs: twoHoursAgo },
    { requestId: ids.asked, startMs: twoHoursAgo + 1000 },
  ]);
  emulator.core.seed('shop-dev-old', 'default', [
    { requestId: ids.lookAlikeOld, startMs: twoHoursAgo },
    { requestId: ids.askedOld, startMs: twoHoursAgo + 1000 },
  ]);
  const cls = await run(['logs', '-f', 'api', '--requestId', ids.asked]);
  assert.equal(cls.code, 0, cls.stderr);
  // Billed from the Report's duration, as GetFunctionLogs' BillDuration gives it.
  assert.match(cls.stdout, new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d {2}RequestId: ${ids.asked} {2}Duration: 1 ms {2}Billed: 1 ms {2}Memory: 1\\.0 MB {2}Status: succeeded\\nSTART RequestId:${ids.asked}\\nseeded entry\\n`));
  assert.ok(!cls.stdout.includes(ids.lookAlike));
  assert.ok(searches().every((s) => s.params.QueryString.includes(`SCF_RequestId:"${ids.asked}"`)), 'the id is a quoted phrase');
  const scf = await run(['logs', '-f', 'old', '--requestId', ids.askedOld]);
  assert.equal(scf.code, 0, scf.stderr);
  assert.match(scf.stdout, new RegExp(`RequestId: ${ids.askedOld} {2}Duration: 1 ms {2}Billed: 1 ms {2}Memory: 1\\.0 MB {2}Status: succeeded\\n`));
  assert.ok(!scf.stdout.includes(ids.lookAlikeOld));
});

test('--filter on both paths; --json has the same fields whichever source; why a request failed; jq reads it', async () => {
  const [ok, okOld, failed, failedOld, timedOut, timedOutOld] = await Promise.all([
    invoke('api', { lines: 2 }),
    invoke('old', { lines: 2 }),
    invoke('fail', { reason: 'card declined' }),
    invoke('oldFail', { reason: 'card declined' }),
    invoke('slow', { ms: 5000 }),
    invoke('oldSlow', { ms: 5000 }),
  ]);
  const mine = (lines: any[]) => lines.filter((l) => [ok, okOld, failed, failedOld, timedOut, timedOutOld].includes(l.requestId));

  const timeouts = await run(['logs', '--filter', 'timeout', '--json']);
  assert.equal(timeouts.code, 0, timeouts.stderr);
  const slowOnes = mine(jsonLines(timeouts.stdout));
  assert.deepEqual(slowOnes.map((l) => l.requestId).sort(), [timedOut, timedOutOld].sort());
  assert.ok(slowOnes.every((l) => l.status === 'timeout' && l.statusCode === 433 && l.error.type === 'TimeLimitExceeded'));

  const errors = await run(['logs', '--filter', 'error']);
  assert.equal(errors.code, 0, errors.stderr);
  for (const [key, id] of [['fail', failed], ['oldFail', failedOld]]) {
    assert.match(errors.stdout, new RegExp(`^${key} *\\| .* {2}RequestId: ${id} .* {2}Status: failed \\(430\\)\\n${key} *\\| Failed: Error: card declined\\n`, 'm'));
  }
  for (const [key, id] of [['slow', timedOut], ['oldSlow', timedOutOld]]) {
    assert.match(errors.stdout, new RegExp(`^${key} *\\| .* {2}RequestId: ${id} .* {2}Status: timeout \\(433\\)\\n${key} *\\| Failed: TimeLimitExceeded: Invoking task timed out after 3 seconds\\n`, 'm'));
  }
  assert.ok(!errors.stdout.includes(ok) && !errors.stdout.includes(okOld), 'successes are not errors');

  const all = await run(['logs', '--json']);
  assert.equal(all.code, 0, all.stderr);
  const lines = mine(jsonLines(all.stdout));
  assert.equal(lines.length, 6);
  const shape = (l: any) => Object.entries(l).map(([k, v]) => `${k}:${v === null ? 'null' : typeof v}`).sort();
  const byId = new Map(lines.map((l) => [l.requestId, l]));
  for (const [cls, scf] of [[ok, okOld], [failed, failedOld], [timedOut, timedOutOld]]) {
    const a = byId.get(cls);
    const b = byId.get(scf);
    assert.deepEqual([a.source, b.source], ['cls', 'scf']);
    assert.deepEqual(Object.keys(a), Object.keys(b), 'the same fields, in the same order');
    assert.deepEqual(shape(a).filter((s) => !s.startsWith('billDuration')), shape(b).filter((s) => !s.startsWith('billDuration')));
    for (const field of ['status', 'statusCode', 'error', 'retMsg']) assert.deepEqual(a[field], b[field], field);
    assert.match(a.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(b.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  assert.deepEqual(byId.get(ok).retMsg, '{"lines":2}');
  // The README's example, and the kind of query people build on it.
  const jq = (filter: string) => execFileSync('jq', ['-r', filter], { input: lines.map((l) => JSON.stringify(l)).join('\n') }).toString().trim().split('\n');
  assert.deepEqual(jq('.status').sort(), ['failed', 'failed', 'succeeded', 'succeeded', 'timeout', 'timeout']);
  assert.deepEqual(jq('select(.statusCode >= 400) | .function').sort(), ['fail', 'oldFail', 'oldSlow', 'slow']);
  assert.deepEqual(jq('select(.status != "succeeded") | .error.message').sort(), ['Invoking task timed out after 3 seconds', 'Invoking task timed out after 3 seconds', 'card declined', 'card declined']);
  const realJq = execFileSync('sh', ['-c', 'jq .status'], { input: all.stdout }).toString();
  assert.match(realJq, /^"(succeeded|failed|timeout)"$/m);
});

test('times: --startTime in local time whatever TZ, JSON in ISO UTC, the API in UTC+8; a future --startTime said so', async () => {
  // Five days ago (before what other tests seed) at 18:00 UTC, which is 08:00 in Honolulu (UTC-10, no daylight saving).
  const day = new Date(Date.now() - 5 * 86400_000);
  const six = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 18);
  const local = (ms: number) => new Date(ms - 10 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
  const [apiBefore, apiAfter] = emulator.core.seed('shop-dev-api', 'default', [{ startMs: six - 60_000 }, { startMs: six + 60_000 }]);
  const [oldBefore, oldAfter] = emulator.core.seed('shop-dev-old', 'default', [{ startMs: six - 60_000 }, { startMs: six + 61_000 }]);
  const env = { TZ: 'Pacific/Honolulu' };
  const range = ['--startTime', local(six), '--endTime', local(six + 3600_000)];
  const json = await run(['logs', ...range, '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const lines = jsonLines(json.stdout);
  assert.deepEqual(lines.map((l) => [l.requestId, l.startTime]), [
    [apiAfter.requestId, new Date(six + 60_000).toISOString()],
    [oldAfter.requestId, new Date(six + 61_000).toISOString()],
  ]);
  for (const early of [apiBefore, oldBefore]) assert.ok(!json.stdout.includes(early.requestId));
  assert.equal(Math.min(...searches().map((s) => s.params.From)), six, 'CLS gets epoch ms');
  assert.equal(emulator.requests.find((r) => r.action === 'GetFunctionLogs')!.params.StartTime, formatCst(six), 'GetFunctionLogs gets UTC+8');
  const human = await run(['logs', '-f', 'api', ...range], env);
  assert.match(human.stdout, new RegExp(`^${local(six + 60_000)}:00 -10:00 {2}RequestId: ${apiAfter.requestId}`));

  emulator.reset();
  const future = await run(['logs', '-f', 'api', '--startTime', '2099-01-01', '--endTime', '1h']);
  assert.notEqual(future.code, 0);
  assert.match(future.stdout, /--startTime "2099-01-01" is in the future: there are no logs yet\./);
  const badFilter = await run(['logs', '-f', 'api', '--filter', 'warnings']);
  assert.match(badFilter.stdout, /--filter "warnings" is not one of: error, not0, success, succeeded, is0, failed, UserCodeException, timeout/);
  assert.equal(emulator.requests.length, 0, 'nothing sent');
});

test('events: pages past 100, filters by status, JSON and table', async () => {
  const now = Date.now();
  const items = Array.from({ length: 230 }, (_, i) => ({
    startMs: now - 3600_000 + i * 1000,
    invocationType: 'Event' as const,
    status: (i % 3 === 0 ? 'FAILED' : 'FINISHED') as 'FAILED' | 'FINISHED',
    retCode: i % 3 === 0 ? 1 : 0,
  }));
  const seeded = emulator.core.seed('shop-dev-worker', 'default', items);
  const all = await run(['events', '-f', 'worker', '--json']);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(jsonLines(all.stdout).map((e) => e.requestId), seeded.map((s) => s.requestId));
  assert.equal(emulator.requests.filter((r) => r.action === 'ListAsyncEvents').length, 3);
  assert.ok(emulator.requests.filter((r) => r.action === 'ListAsyncEvents').every((r) => r.params.Limit === 100));
  emulator.reset();
  const failed = await run(['events', '-f', 'worker', '--json', '--status', 'failed']);
  const failedIds = seeded.filter((s) => s.status === 'FAILED').map((s) => s.requestId);
  assert.deepEqual(jsonLines(failed.stdout).map((e) => e.requestId), failedIds);
  assert.deepEqual(emulator.requests.find((r) => r.action === 'ListAsyncEvents')!.params.Status, ['FAILED']);
  const table = await run(['events', '-f', 'worker', '--status', 'FAILED,ABORTED', '--startTime', '90m']);
  const rows = table.stdout.trim().split('\n');
  assert.match(rows[0], /^REQUEST ID +STATUS +TYPE +QUALIFIER +START +END +DURATION$/);
  assert.equal(rows.length, failedIds.length + 1);
  assert.match(rows[1], /^[0-9a-f-]{36} {2}FAILED {2}CLI {3}\$LATEST/);
  const bad = await run(['events', '-f', 'worker', '--status', 'DONE']);
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

// The history fetcher and the tail against the emulator over HTTP, with seeded entries.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { clientFor, emulatorFor, type TestCredentials } from '../helpers';
import { fetchLogs } from '../../lib/logs/fetch';
import { LogTail } from '../../lib/logs/tail';
import type { RunningEmulator } from '../../lib/emulator/http/server';
import type { LogEntry } from '../../lib/cloud/types';

let emulator: RunningEmulator & { credentials: TestCredentials };
before(async () => {
  emulator = await emulatorFor();
});
after(() => emulator.close());

test('history reads every entry of several days and pages, in time order, once', async () => {
  const now = Date.now();
  const starts = Array.from({ length: 2500 }, (_, i) => now - 3 * 86400_000 + i * 100_000);
  const seeded = emulator.core.seed('hello-dev-echo', 'default', starts.map((startMs) => ({ startMs })));
  const client = clientFor(emulator);
  const seen: LogEntry[] = [];
  let pages = 0;
  for await (const page of fetchLogs(client, { functionName: 'hello-dev-echo', namespace: 'default' }, now - 4 * 86400_000, now, { pageSize: 500 })) {
    pages++;
    seen.push(...page);
  }
  const ids = seen.map((e) => e.requestId);
  assert.equal(new Set(ids).size, ids.length, 'nothing twice');
  const expected = seeded.filter((s) => s.startMs <= now).map((s) => s.requestId);
  assert.deepEqual(ids.filter((id) => expected.includes(id)), expected, 'all, in time order');
  assert.ok(pages >= 5, `${pages} pages`);
});

test('a window over 10000 entries is halved until every entry is reachable', async () => {
  const base = Math.floor(Date.now() / 1000) * 1000 - 7200_000;
  const seeded = emulator.core.seed('hello-dev-chatty', 'default', Array.from({ length: 12_000 }, (_, i) => ({ startMs: base + Math.floor(i / 4) * 1000 })));
  const client = clientFor(emulator);
  const ids: string[] = [];
  for await (const page of fetchLogs(client, { functionName: 'hello-dev-chatty', namespace: 'default' }, base, base + 3600_000)) ids.push(...page.map((e) => e.requestId));
  assert.equal(ids.length, 12_000);
  assert.equal(new Set(ids).size, 12_000);
  assert.deepEqual(new Set(ids), new Set(seeded.map((s) => s.requestId)));
});

test('the tail prints new, late and late-finishing requests exactly once, and forgets what the window left', async () => {
  const fn = { functionName: 'hello-dev-slow', namespace: 'default' };
  let offset = 0;
  const clock = { now: () => Date.now() + offset, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
  const printed: LogEntry[] = [];
  const from = clock.now() - 10_000;
  const tail = new LogTail(clientFor(emulator), { query: fn, fromMs: from, lookbackMs: 20_000, clock, onEntry: (e) => printed.push(e) });
  const now = clock.now();
  const [old] = emulator.core.seed(fn.functionName, fn.namespace, [{ startMs: from - 60_000 }]);
  const [a, running] = emulator.core.seed(fn.functionName, fn.namespace, [{ startMs: now - 5000 }, { startMs: now - 4000, status: 'RUNNING' }]);
  await tail.poll();
  assert.deepEqual(printed.map((e) => e.requestId), [a.requestId]);
  // the running one finishes; a late one shows up with an older start time; a new one arrives
  Object.assign(running, { status: 'FINISHED', retCode: 0, endMs: now, log: 'finished late' });
  const [late, fresh] = emulator.core.seed(fn.functionName, fn.namespace, [{ startMs: now - 8000 }, { startMs: now - 100 }]);
  await tail.poll();
  await tail.poll();
  assert.deepEqual(printed.map((e) => e.requestId).sort(), [a.requestId, running.requestId, late.requestId, fresh.requestId].sort());
  assert.equal(printed.find((e) => e.requestId === running.requestId)!.log, 'finished late', 'printed in its final state');
  assert.ok(!printed.some((e) => e.requestId === old.requestId), 'nothing from before the tail started');
  assert.equal(tail.stats.remembered, 4);
  // a minute later the window has moved on: nothing is remembered, nothing is printed again
  offset = 60_000;
  await tail.poll();
  assert.equal(printed.length, 4);
  assert.equal(tail.stats.remembered, 0);
});

test('a running request keeps the window open until it finishes', async () => {
  const fn = { functionName: 'hello-dev-fail', namespace: 'default' };
  let offset = 0;
  const clock = { now: () => Date.now() + offset, sleep: async () => undefined };
  const printed: string[] = [];
  const start = clock.now();
  const tail = new LogTail(clientFor(emulator), { query: fn, fromMs: start - 1000, lookbackMs: 5000, clock, onEntry: (e) => printed.push(e.requestId) });
  const [running] = emulator.core.seed(fn.functionName, fn.namespace, [{ startMs: start, status: 'RUNNING' }]);
  await tail.poll();
  offset = 120_000; // two minutes on: far past the lookback
  await tail.poll();
  assert.deepEqual(printed, []);
  Object.assign(running, { status: 'FAILED', retCode: 1, endMs: start + 110_000 });
  await tail.poll();
  assert.deepEqual(printed, [running.requestId]);
});

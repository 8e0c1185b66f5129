// The poll pool: many waits sharing one action's rate, in virtual time (test/virtual-clock.ts), so the figures
// are exact and the tests say nothing about this machine's speed.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { backoffMs, PollPool } from '../../lib/poll/pool';
import { VirtualClock } from '../virtual-clock';

/** A request's round trip, virtual ms. */
const RTT = 30;

interface Job {
  startedAt: number;
  doneAt: number;
  polls: number[];
}

/** `jobs` waited for in one pool at `rate`; returns when the last was seen done, and every poll's send time. */
async function simulate(clock: VirtualClock, rate: number, jobs: Job[], first = 250, max = 1000): Promise<{ endedAt: number; sends: number[] }> {
  const pool = new PollPool(rate, clock);
  const sends: number[] = [];
  const waits = jobs.map(async (job) => {
    const wait = (startAt: number) => clock.sleep(startAt - clock.now());
    await wait(job.startedAt);
    return pool.wait({
      startedAt: job.startedAt,
      firstDelayMs: first,
      maxDelayMs: max,
      deadline: job.startedAt + 600_000,
      onTimeout: () => new Error('timeout'),
      check: async () => {
        const sent = clock.now();
        sends.push(sent);
        job.polls.push(sent);
        await clock.sleep(RTT);
        // The server answers with what it knew when the request arrived.
        return sent + RTT / 2 >= job.doneAt ? true : undefined;
      },
    });
  });
  await clock.run(Promise.all(waits));
  return { endedAt: clock.now(), sends };
}

function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] >= windowMs) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

test('250 smoke results (invoked at 100 a second, each 2 s long) polled at 20 a second: within 5% of the floor, every poll but a few finding a result', async () => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const jobs: Job[] = Array.from({ length: 250 }, (_, i) => ({ startedAt: t0 + i * 10, doneAt: t0 + i * 10 + 2000, polls: [] }));
  const { endedAt, sends } = await simulate(clock, 20, jobs);
  // The floor: the first result exists at 2 s; the 250 polls that find them, one every 50 ms, need 249 × 50 ms
  // after that.
  const floor = 2000 + 249 * 50;
  const took = endedAt - t0;
  assert.ok(took <= floor * 1.05, `took ${took} ms, floor ${floor} ms`);
  assert.ok(maxInAnyWindow(sends, 1000) <= 20, 'within the rate');
  // Polls before any result exists only fill slots nobody needed; after that, each finds its result.
  const wasted = sends.filter((at) => at >= t0 + 2500).length - 250;
  assert.ok(wasted <= 10, `${wasted} polls after the results began found nothing`);
});

test('250 functions created at 100 a second, 300 ms transitions, GetFunction at 100 a second: within 5% of the floor', async () => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const jobs: Job[] = Array.from({ length: 250 }, (_, i) => ({ startedAt: t0 + i * 10, doneAt: t0 + i * 10 + 300, polls: [] }));
  const { endedAt, sends } = await simulate(clock, 100, jobs, 100, 1000);
  // The floor: the last function, created at 2.49 s, is Active 300 ms later.
  const floor = 2490 + 300;
  assert.ok(endedAt - t0 <= floor * 1.05, `took ${endedAt - t0} ms, floor ${floor} ms`);
  assert.ok(sends.length <= 250 * 1.15, `${sends.length} polls`);
  assert.ok(maxInAnyWindow(sends, 1000) <= 100);
});

test('no wait is polled sooner than its first delay or its backoff allows, and a slow one among fast ones is not starved', async () => {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const jobs: Job[] = Array.from({ length: 60 }, (_, i) => ({ startedAt: t0 + i * 5, doneAt: t0 + i * 5 + (i === 0 ? 30_000 : 500), polls: [] }));
  await simulate(clock, 20, jobs, 250, 2000);
  for (const job of jobs) {
    assert.ok(job.polls[0] - job.startedAt >= 250, 'first poll after the first delay');
    for (let k = 1; k < job.polls.length; k++) {
      assert.ok(job.polls[k] - job.polls[k - 1] >= backoffMs(k, 250, 2000), `poll ${k + 1} of a wait came ${job.polls[k] - job.polls[k - 1]} ms after the one before`);
    }
  }
  const slow = jobs[0];
  // The slow one is looked at no less often than its capped backoff, overdue at most that long again, allows.
  for (let k = 1; k < slow.polls.length; k++) assert.ok(slow.polls[k] - slow.polls[k - 1] <= 2 * 2000 + 100, `gap ${slow.polls[k] - slow.polls[k - 1]} ms`);
  assert.ok(slow.polls[slow.polls.length - 1] - slow.doneAt <= 2 * 2000 + 100, 'seen done soon after it was');
});

test('a wait that is never done gets a last poll at its deadline and ends with its own error; an aborted one at once', async () => {
  const clock = new VirtualClock();
  const pool = new PollPool(20, clock);
  const t0 = clock.now();
  const polls: number[] = [];
  const never = pool.wait({ startedAt: t0, firstDelayMs: 100, maxDelayMs: 1000, deadline: t0 + 5000, onTimeout: () => new Error('gave up'), check: async () => void polls.push(clock.now()) });
  const controller = new AbortController();
  const aborted = pool.wait({ startedAt: t0, firstDelayMs: 100, maxDelayMs: 1000, deadline: t0 + 60_000, onTimeout: () => new Error('timeout'), signal: controller.signal, onAbort: () => new Error('stopped'), check: async () => undefined });
  void clock.sleep(700).then(() => controller.abort());
  await assert.rejects(clock.run(aborted), /stopped/);
  await assert.rejects(clock.run(never), /gave up/);
  assert.equal(polls[polls.length - 1], t0 + 5000, 'the last poll at the deadline');
  assert.equal(pool.size, 0);
});

test('a check that throws ends its wait with that error, and the others go on', async () => {
  const clock = new VirtualClock();
  const pool = new PollPool(20, clock);
  const t0 = clock.now();
  const base = { startedAt: t0, firstDelayMs: 100, maxDelayMs: 1000, deadline: t0 + 60_000, onTimeout: () => new Error('timeout') };
  const failing = pool.wait({ ...base, check: async () => Promise.reject(new Error('denied')) });
  const fine = pool.wait({ ...base, check: async () => (clock.now() >= t0 + 1500 ? 'ok' : undefined) });
  await assert.rejects(clock.run(failing), /denied/);
  assert.equal(await clock.run(fine), 'ok');
});

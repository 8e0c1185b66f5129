// Time conversion, the limiter, the poller and variable resolution: pure pieces, with a fake clock where time matters.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatCst, parseCst } from '../../lib/time/cst';
import { apiError } from '../../lib/cloud/errors';
import { type Clock, RateLimiter } from '../../lib/cloud/limiter';
import { waitForRequest } from '../../lib/poll/request-status';
import { resolveString } from '../../lib/emulator/service-file';
import type { GetRequestStatusResult } from '../../lib/cloud/types';

/** A clock that advances only when someone sleeps. */
function fakeClock(start = Date.UTC(2026, 0, 1)): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += Math.max(0, ms);
    },
  };
  return clock;
}

test('CST formatting is UTC+8 whatever the local time zone', () => {
  const epoch = Date.UTC(2026, 10, 23, 17, 30, 5, 123);
  assert.equal(formatCst(epoch), '2026-11-24 01:30:05');
  assert.equal(formatCst(epoch, true), '2026-11-24 01:30:05.123');
  assert.equal(parseCst('2026-11-24 01:30:05'), Date.UTC(2026, 10, 23, 17, 30, 5));
  assert.equal(parseCst('2026-11-24 01:30:05.123'), epoch);
  for (const bad of ['2026-02-30 00:00:00', '2026-11-24T01:30:05', '2026-11-24 24:00:00', 'yesterday']) assert.equal(parseCst(bad), undefined, bad);
  for (let i = 0; i < 1000; i++) {
    const t = Math.floor(Math.random() * 4e12 / 1000) * 1000;
    assert.equal(parseCst(formatCst(t)), t);
  }
});

test('the limiter bounds arrivals in any window, whatever the latency', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(20, 1000, clock);
  const arrivals: number[] = [];
  // 65 requests, each taking a different time to reach the server and to answer.
  await Promise.all(
    Array.from({ length: 65 }, async (_, i) => {
      const release = await limiter.acquire('GetRequestStatus');
      const start = clock.now();
      const delay = (i * 37) % 300;
      arrivals.push(start + delay);
      await clock.sleep(delay + 50);
      release();
    }),
  );
  arrivals.sort((a, b) => a - b);
  for (let i = 20; i < arrivals.length; i++) assert.ok(arrivals[i] - arrivals[i - 20] >= 1000, `arrival ${i}`);
  // actions are limited separately, and a released slot frees after the window
  const before = clock.now();
  (await limiter.acquire('Invoke'))();
  assert.equal(clock.now(), before);
  assert.equal(limiter.held('Invoke'), 1);
  await clock.sleep(1001);
  assert.equal(limiter.held('Invoke'), 0);
});

test('the limiter waits for a reply when every slot is in flight', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(2, 1000, clock);
  const first = await limiter.acquire('a');
  await limiter.acquire('a');
  let third = false;
  const pending = limiter.acquire('a').then(() => (third = true));
  await clock.sleep(5000);
  await new Promise((r) => setImmediate(r));
  assert.equal(third, false, 'nothing was answered: no slot frees');
  first();
  await pending;
  assert.equal(third, true);
  assert.ok(clock.now() >= 5000 + 1000 + Date.UTC(2026, 0, 1), 'it waited a window after the reply');
});

function statusClient(replies: Array<Partial<GetRequestStatusResult['statuses'][0]> | null>) {
  let calls = 0;
  return {
    calls: () => calls,
    async getRequestStatus(): Promise<GetRequestStatusResult> {
      const reply = replies[Math.min(calls++, replies.length - 1)];
      return {
        totalCount: reply ? 1 : 0,
        statuses: reply ? [{ functionName: 'f', requestId: 'r1', startTime: '', retCode: 1, retMsg: '', duration: 0, memUsage: 0, retryNum: 0, ...reply }] : [],
        apiRequestId: 'x',
      };
    },
  };
}

test('the poller keeps going through "not recorded" and "running", and returns the final state', async () => {
  const clock = fakeClock();
  const client = statusClient([null, null, { retCode: 1 }, { retCode: 1 }, { retCode: 0, retMsg: '"ok"' }]);
  const states: string[] = [];
  const outcome = await waitForRequest(client, {
    functionName: 'f',
    namespace: 'default',
    functionRequestId: 'r1',
    invokedAtMs: clock.now(),
    timeoutMs: 60_000,
    clock,
    onState: (s) => states.push(s),
  });
  assert.equal(outcome.status.retCode, 0);
  assert.equal(outcome.status.retMsg, '"ok"');
  assert.equal(outcome.polls, 5);
  assert.deepEqual(states, ['waiting', 'running']);
});

test('the poller reports a failure and gives up at its timeout', async () => {
  const clock = fakeClock();
  const failed = await waitForRequest(statusClient([{ retCode: -1, retMsg: 'boom' }]), {
    functionName: 'f', namespace: 'n', functionRequestId: 'r1', invokedAtMs: clock.now(), timeoutMs: 10_000, clock,
  });
  assert.equal(failed.status.retCode, -1);
  const client = statusClient([{ retCode: 1 }]);
  const start = clock.now();
  await assert.rejects(
    waitForRequest(client, { functionName: 'f', namespace: 'n', functionRequestId: 'r1', invokedAtMs: start, timeoutMs: 10_000, clock }),
    /had not finished after 10 s \(still running\)/,
  );
  assert.ok(clock.now() - start <= 10_000);
  // few polls for a long wait: the delay grows to its cap of a second
  assert.ok(client.calls() <= 14, `${client.calls()} polls`);
});

test('serverless variables resolve where they decide names, and stay otherwise', () => {
  const ctx = { options: { stage: 'prod' }, env: { TEAM: 'core' }, self: { service: 'shop', custom: { ns: '${env:TEAM}-ns', n: 5 } }, stage: 'prod' };
  assert.equal(resolveString("${opt:stage, 'dev'}", ctx), 'prod');
  assert.equal(resolveString("${opt:region, 'ap-guangzhou'}", ctx), 'ap-guangzhou');
  assert.equal(resolveString('${self:service}-${sls:stage}', ctx), 'shop-prod');
  assert.equal(resolveString('${self:custom.ns}', ctx), 'core-ns');
  assert.equal(resolveString('${self:custom.n}', ctx), 5);
  assert.equal(resolveString('${env:MISSING, opt:stage}', ctx), 'prod');
  assert.equal(resolveString('${env:MISSING}', ctx), '${env:MISSING}');
  assert.equal(resolveString('${ssm:/x}', ctx), '${ssm:/x}');
  assert.equal(resolveString('plain', ctx), 'plain');
});

test('an unsupported region names the service that refused it, not always SCF', () => {
  const refused = (service?: string) => apiError('UnsupportedRegion', 'Not here.', { region: 'ap-mars', service, action: 'GetSecretValue' }).message;
  assert.match(refused('ssm'), /^Secrets Manager is not available in region ap-mars\. Not here\./);
  assert.match(refused('cls'), /^CLS is not available in region ap-mars\./);
  assert.match(refused('scf'), /^SCF is not available in region ap-mars\./);
  assert.match(refused(), /^SCF is not available in region ap-mars\./);
});

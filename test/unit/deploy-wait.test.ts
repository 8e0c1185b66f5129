// The status waits of a deploy, against a scripted GetFunction and a clock that only moves when slept on; the
// error of a deploy that failed in part.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isScfError } from '../../lib/cloud/errors';
import type { Clock } from '../../lib/cloud/limiter';
import type { FunctionInfo } from '../../lib/cloud/types';
import { eachLimited } from '../../lib/deploy/apply';
import { failureText } from '../../lib/deploy/summary';
import { statusPollDelayMs, waitUntilActive, waitUntilGone } from '../../lib/deploy/wait';

const TARGET = { functionName: 'shop-dev-api', namespace: 'default' };

function info(status: string, reasons: Array<{ errorCode: string; errorMessage: string }> = []): FunctionInfo {
  return { functionName: TARGET.functionName, namespace: TARGET.namespace, status, statusDesc: '', statusReasons: reasons } as unknown as FunctionInfo;
}

/** GetFunction answering `script` in turn (undefined: gone), then its last answer; a clock moved by sleeps only. */
function harness(script: Array<FunctionInfo | undefined>) {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  let calls = 0;
  const client = { getFunction: async () => script[Math.min(calls++, script.length - 1)] };
  return { clock, sleeps, client, calls: () => calls, now: () => now };
}

test('status polls start at 100 ms twice, grow by half, and stop growing at the maximum', () => {
  assert.deepEqual([0, 1, 2, 3, 4].map((p) => statusPollDelayMs(p)), [100, 100, 150, 225, 337.5]);
  assert.equal(statusPollDelayMs(50), 1000);
  assert.equal(statusPollDelayMs(3, 200, 400), 400);
  // Within the first second a 300 ms transition is seen settled by 350 ms (checks at 0, 100, 200, 350).
  const checks = [0];
  for (let p = 0; checks[checks.length - 1] < 300; p++) checks.push(checks[checks.length - 1] + statusPollDelayMs(p));
  assert.deepEqual(checks, [0, 100, 200, 350]);
});

test('waitUntilActive polls until Active and reports each new status once', async () => {
  const h = harness([info('Creating'), info('Creating'), info('Creating'), info('Active')]);
  const seen: string[] = [];
  const result = await waitUntilActive(h.client, TARGET, 'CreateFunction', { timeoutMs: 60_000, clock: h.clock, onStatus: (s) => seen.push(s) });
  assert.equal(result.status, 'Active');
  assert.deepEqual(seen, ['Creating', 'Active']);
  assert.deepEqual(h.sleeps, [100, 100, 150]);
});

test('waitUntilActive ends on a failed status with SCF reasons, naming the step', async () => {
  const h = harness([info('Updating'), info('UpdateFailed', [{ errorCode: 'InternalError.System', errorMessage: 'disk full' }])]);
  await assert.rejects(waitUntilActive(h.client, TARGET, 'UpdateFunctionConfiguration', { timeoutMs: 60_000, clock: h.clock }), (error) => {
    assert.ok(isScfError(error));
    assert.equal(error.code, 'Plugin.FunctionFailedStatus');
    assert.equal(error.message, 'shop-dev-api is UpdateFailed after UpdateFunctionConfiguration: InternalError.System: disk full.');
    return true;
  });
  const gone = harness([undefined]);
  await assert.rejects(waitUntilActive(gone.client, TARGET, 'CreateFunction', { timeoutMs: 60_000, clock: gone.clock }), /disappeared after CreateFunction/);
});

test('waitUntilActive gives up at the deploy timeout, never sleeping past it', async () => {
  const h = harness([info('Updating')]);
  await assert.rejects(waitUntilActive(h.client, TARGET, 'UpdateFunctionCode', { timeoutMs: 5000, clock: h.clock }), (error) => {
    assert.ok(isScfError(error));
    assert.equal(error.code, 'Plugin.DeployTimeout');
    assert.match(error.message, /still Updating after 5 s .*custom\.scf\.deploy\.timeout/);
    return true;
  });
  assert.equal(h.now(), 5000);
  assert.ok(h.calls() < 15, `${h.calls()} polls in 5 s`);
});

test('waitUntilGone returns once GetFunction no longer finds it; DeleteFailed ends it', async () => {
  const h = harness([info('Deleting'), info('Deleting'), undefined]);
  await waitUntilGone(h.client, TARGET, { timeoutMs: 60_000, clock: h.clock });
  assert.equal(h.calls(), 3);
  const failed = harness([info('Deleting'), info('DeleteFailed', [{ errorCode: 'FailedOperation.DeleteFunction', errorMessage: 'bound to a trigger' }])]);
  await assert.rejects(waitUntilGone(failed.client, TARGET, { timeoutMs: 60_000, clock: failed.clock }), /is DeleteFailed after DeleteFunction: FailedOperation\.DeleteFunction: bound to a trigger\./);
});

test('a deploy that failed in part: every failure, what the others did, the removals left undone', () => {
  assert.equal(failureText(['Deploying a (s-dev-a) failed at CreateFunction [X]: no.'], 0, []), 'Deploying a (s-dev-a) failed at CreateFunction [X]: no.');
  assert.equal(
    failureText(['Deploying a failed.', 'Deploying b failed.'], 3, ['s-dev-old']),
    [
      '2 functions failed to deploy:',
      'Deploying a failed.',
      'Deploying b failed.',
      'The other 3 functions to change were deployed (listed above).',
      'Not removed, as a function failed: s-dev-old (no longer in serverless.yml; the next successful sls deploy removes them).',
    ].join('\n'),
  );
});

test('work over many functions: one failure leaves none of the others undone, and is thrown when all are done', async () => {
  const done: string[] = [];
  const work = eachLimited(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], 3, async (item) => {
    await new Promise((r) => setTimeout(r, item === 'a' ? 1 : 5));
    if (item === 'a') throw new Error('a failed');
    done.push(item);
  });
  await assert.rejects(work, /a failed/);
  assert.deepEqual(done.sort(), ['b', 'c', 'd', 'e', 'f', 'g', 'h']);
});

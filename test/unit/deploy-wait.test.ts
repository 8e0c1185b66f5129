// The status waits of a deploy, against a scripted GetFunction in virtual time (test/virtual-clock.ts); the error
// of a deploy that failed in part.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isScfError } from '../../lib/cloud/errors';
import type { FunctionInfo } from '../../lib/cloud/types';
import { eachLimited } from '../../lib/deploy/apply';
import { failureText } from '../../lib/deploy/summary';
import { waitUntilActive, waitUntilGone } from '../../lib/deploy/wait';
import { VirtualClock } from '../virtual-clock';

const TARGET = { functionName: 'shop-dev-api', namespace: 'default' };

function info(status: string, reasons: Array<{ errorCode: string; errorMessage: string }> = []): FunctionInfo {
  return { functionName: TARGET.functionName, namespace: TARGET.namespace, status, statusDesc: '', statusReasons: reasons } as unknown as FunctionInfo;
}

/** GetFunction answering `script` in turn (undefined: gone), then its last answer, in virtual time from 0. */
function harness(script: Array<FunctionInfo | undefined>) {
  const clock = new VirtualClock(0);
  const times: number[] = [];
  const client = {
    getFunction: async () => {
      times.push(clock.now());
      return script[Math.min(times.length - 1, script.length - 1)];
    },
  };
  return { clock, times, client, calls: () => times.length, now: () => clock.now() };
}

test('waitUntilActive polls until Active and reports each new status once', async () => {
  const h = harness([info('Creating'), info('Creating'), info('Creating'), info('Active')]);
  const seen: string[] = [];
  const result = await h.clock.run(waitUntilActive(h.client, TARGET, 'CreateFunction', { timeoutMs: 60_000, clock: h.clock, onStatus: (s) => seen.push(s) }));
  assert.equal(result.status, 'Active');
  assert.deepEqual(seen, ['Creating', 'Active']);
  // A look at once, then from 100 ms growing by half: a 300 ms transition is seen settled at 350 ms.
  assert.deepEqual(h.times, [0, 100, 200, 350]);
});

test('waitUntilActive ends on a failed status with SCF reasons, naming the step', async () => {
  const h = harness([info('Updating'), info('UpdateFailed', [{ errorCode: 'InternalError.System', errorMessage: 'disk full' }])]);
  await assert.rejects(h.clock.run(waitUntilActive(h.client, TARGET, 'UpdateFunctionConfiguration', { timeoutMs: 60_000, clock: h.clock })), (error) => {
    assert.ok(isScfError(error));
    assert.equal(error.code, 'Plugin.FunctionFailedStatus');
    assert.equal(error.message, 'shop-dev-api is UpdateFailed after UpdateFunctionConfiguration: InternalError.System: disk full.');
    return true;
  });
  const gone = harness([undefined]);
  await assert.rejects(gone.clock.run(waitUntilActive(gone.client, TARGET, 'CreateFunction', { timeoutMs: 60_000, clock: gone.clock })), /disappeared after CreateFunction/);
});

test('waitUntilActive gives up at the deploy timeout, never sleeping past it', async () => {
  const h = harness([info('Updating')]);
  await assert.rejects(h.clock.run(waitUntilActive(h.client, TARGET, 'UpdateFunctionCode', { timeoutMs: 5000, clock: h.clock })), (error) => {
    assert.ok(isScfError(error));
    assert.equal(error.code, 'Plugin.DeployTimeout');
    assert.match(error.message, /still Updating after 5 s .*custom\.scf\.deploy\.timeout/);
    return true;
  });
  assert.equal(h.times[h.times.length - 1], 5000, 'a last look at the deadline');
  assert.ok(h.times.every((t) => t <= 5000), 'none after it');
  assert.ok(h.calls() < 15, `${h.calls()} polls in 5 s`);
});

test('waitUntilGone returns once GetFunction no longer finds it; DeleteFailed ends it', async () => {
  const h = harness([info('Deleting'), info('Deleting'), undefined]);
  await h.clock.run(waitUntilGone(h.client, TARGET, { timeoutMs: 60_000, clock: h.clock }));
  assert.equal(h.calls(), 3);
  const failed = harness([info('Deleting'), info('DeleteFailed', [{ errorCode: 'FailedOperation.DeleteFunction', errorMessage: 'bound to a trigger' }])]);
  await assert.rejects(failed.clock.run(waitUntilGone(failed.client, TARGET, { timeoutMs: 60_000, clock: failed.clock })), /is DeleteFailed after DeleteFunction: FailedOperation\.DeleteFunction: bound to a trigger\./);
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

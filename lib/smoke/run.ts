// Runs smoke checks: each is an async Invoke, then the shared GetRequestStatus poller, then a judgement.
// All checks share the one client, so its limiter keeps the invokes within Invoke's rate, and one poll pool,
// which spends GetRequestStatus's rate on the results most likely there (lib/poll/pool.ts).
import { isScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import { actionRate } from '../cloud/limits';
import { PollPool } from '../poll/pool';
import { waitForRequest } from '../poll/request-status';
import type { SmokeCheck } from './config';
import { judge } from './judge';

export type SmokeState = 'waiting' | 'invoking' | 'running' | 'passed' | 'failed';

export interface SmokeResult {
  key: string;
  functionName: string;
  passed: boolean;
  reason?: string;
  requestId?: string;
  /** The function's own duration, ms, when known. */
  durationMs?: number;
  /** From invoke to verdict, ms. */
  elapsedMs: number;
  /** Interrupted before its result arrived. */
  unfinished?: boolean;
}

export interface RunOptions {
  /** Checks under way at once; unset: every check, as the API's rates allow. */
  concurrency?: number;
  clock: Clock;
  onState?(check: SmokeCheck, state: SmokeState): void;
  /** Told when a check's invoke was accepted, with its request id. */
  onInvoked?(check: SmokeCheck, requestId: string): void;
  /** Told when a check has its verdict. */
  onResult?(check: SmokeCheck, result: SmokeResult): void;
}

async function runOne(client: ScfClient, check: SmokeCheck, options: RunOptions, pool: PollPool): Promise<SmokeResult> {
  const { clock } = options;
  const started = clock.now();
  const base = { key: check.key, functionName: check.target.functionName };
  let requestId: string | undefined;
  try {
    options.onState?.(check, 'invoking');
    const accepted = await client.invoke({ ...check.target, invocationType: 'Event', clientContext: check.event });
    requestId = accepted.functionRequestId;
    options.onInvoked?.(check, requestId);
    const { status } = await waitForRequest(client, {
      ...check.target,
      functionRequestId: requestId,
      invokedAtMs: started,
      timeoutMs: check.timeoutMs,
      clock,
      pool,
      onState: (state) => options.onState?.(check, state === 'running' ? 'running' : 'invoking'),
    });
    const reason = judge(status, check.expect);
    return { ...base, passed: !reason, reason, requestId, durationMs: status.duration, elapsedMs: clock.now() - started };
  } catch (error) {
    if (!isScfError(error)) throw error;
    return { ...base, passed: false, reason: error.message, requestId, elapsedMs: clock.now() - started };
  }
}

/** Runs the checks (`concurrency` at a time, if set); results come back in the checks' order. */
export async function runSmokeChecks(client: ScfClient, checks: SmokeCheck[], options: RunOptions): Promise<SmokeResult[]> {
  const results: SmokeResult[] = new Array(checks.length);
  const pool = new PollPool(actionRate('scf', 'GetRequestStatus'), options.clock);
  let next = 0;
  const worker = async () => {
    while (next < checks.length) {
      const index = next++;
      const result = await runOne(client, checks[index], options, pool);
      options.onState?.(checks[index], result.passed ? 'passed' : 'failed');
      results[index] = result;
      options.onResult?.(checks[index], result);
    }
  };
  for (const check of checks) options.onState?.(check, 'waiting');
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? checks.length, checks.length) }, worker));
  return results;
}

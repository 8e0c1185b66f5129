// The one GetRequestStatus poller: `sls invoke --wait` and the post-deploy smoke checks both wait with it.
// Empty Data means "not recorded yet" and RetCode 1 "running": keep polling, a short first wait, then backoff.
// RetCode 0 is done, -1 failed. Waits that share the rate (the smoke checks) share a PollPool, which picks the
// wait to poll once it has a slot of the rate.
import { isUnreachable, ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import { actionRate } from '../cloud/limits';
import type { ScfClient } from '../cloud/scf';
import type { RequestStatus } from '../cloud/types';
import { formatCst } from '../time/cst';
import { PollPool } from './pool';

export type WaitState = 'waiting' | 'running';

export interface WaitOptions {
  functionName: string;
  namespace: string;
  functionRequestId: string;
  /** When the invoke was sent, epoch ms (bounds the query window). */
  invokedAtMs: number;
  /** Give up after this long, ms. */
  timeoutMs: number;
  clock: Clock;
  /** The pool of waits this one shares GetRequestStatus's rate with (the smoke checks'); else one of its own. */
  pool?: PollPool;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Told each time the state changes. */
  onState?(state: WaitState): void;
  /**
   * How long the endpoint may stay unreachable (connection refused, no route, no connection) before the wait
   * stops with "cannot reach": a dead endpoint is not a slow function. Default 10 s.
   */
  unreachableLimitMs?: number;
  /** Aborting stops the wait (Ctrl-C): it rejects with Plugin.Interrupted. */
  signal?: AbortSignal;
}

export interface WaitOutcome {
  status: RequestStatus;
  polls: number;
}

/** GetRequestStatus polls a second (the API's rate): the pool a wait joins when it is given none. */
const OWN_POOL_RATE = actionRate('scf', 'GetRequestStatus');

export async function waitForRequest(client: Pick<ScfClient, 'getRequestStatus'>, options: WaitOptions): Promise<WaitOutcome> {
  const { clock } = options;
  const pool = options.pool ?? new PollPool(OWN_POOL_RATE, clock);
  // Five minutes either side of now absorbs a local clock that is off from the server's.
  const windowStart = formatCst(options.invokedAtMs - 5 * 60_000);
  let state: WaitState | undefined;
  let unreachableSince: number | undefined;
  let polls = 0;
  const target = { functionName: options.functionName, namespace: options.namespace };
  const check = async (): Promise<RequestStatus | undefined> => {
    polls++;
    let reply;
    try {
      reply = await client.getRequestStatus({
        ...target,
        functionRequestId: options.functionRequestId,
        startTime: windowStart,
        endTime: formatCst(Math.max(clock.now(), options.invokedAtMs) + 5 * 60_000),
      });
    } catch (error) {
      if (isUnreachable(error)) {
        unreachableSince ??= clock.now();
        if (clock.now() - unreachableSince >= (options.unreachableLimitMs ?? 10_000)) {
          const e = error as ScfError;
          throw new ScfError(
            e.code,
            `${e.message.replace(/\.$/, '')} for ${Math.round((clock.now() - unreachableSince) / 1000)} s: stopped waiting for request ${options.functionRequestId}, which may still be running.`,
            e.context,
          );
        }
        return undefined;
      }
      // Throttling or a passing failure that outlasted the client's retries: slow down, do not give up.
      if (error instanceof ScfError && error.retryableRead) return undefined;
      throw error;
    }
    unreachableSince = undefined;
    // Only our own request's status counts: a reply that names another request is not an answer.
    const status = reply.statuses.find((s) => s.requestId === options.functionRequestId);
    if (status && status.retCode !== 1) return status;
    const next: WaitState = status ? 'running' : 'waiting';
    if (next !== state) {
      state = next;
      options.onState?.(state);
    }
    return undefined;
  };
  const status = await pool.wait({
    startedAt: options.invokedAtMs,
    check,
    firstDelayMs: options.firstDelayMs ?? 250,
    maxDelayMs: options.maxDelayMs ?? 1000,
    deadline: options.invokedAtMs + options.timeoutMs,
    onTimeout: () =>
      new ScfError(
        'Plugin.WaitTimeout',
        `Request ${options.functionRequestId} of ${options.functionName} had not finished after ${Math.round(options.timeoutMs / 1000)} s (${state === 'running' ? 'still running' : 'not recorded yet'}).`,
        target,
      ),
    signal: options.signal,
    onAbort: () => new ScfError('Plugin.Interrupted', `Stopped waiting for request ${options.functionRequestId} of ${options.functionName}.`, target),
  });
  return { status, polls };
}

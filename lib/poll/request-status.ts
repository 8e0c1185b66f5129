// The one GetRequestStatus poller: `sls invoke --wait` and the post-deploy smoke checks both wait with it.
// Empty Data means "not recorded yet" and RetCode 1 "running": keep polling, a short first wait, then backoff
// with jitter. RetCode 0 is done, -1 failed. The client's limiter keeps all pollers within the API's rate.
import { isUnreachable, ScfError } from '../cloud/errors';
import { abortableSleep, type Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import type { RequestStatus } from '../cloud/types';
import { formatCst } from '../time/cst';

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
  random?: () => number;
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

/** The delay before poll number `n` (1-based): short at first, then ×1.5 up to the cap, with ±25% jitter. */
export function pollDelay(n: number, firstMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, firstMs * 1.5 ** (n - 1));
  return Math.round(base * (0.75 + 0.5 * random()));
}

export async function waitForRequest(client: Pick<ScfClient, 'getRequestStatus'>, options: WaitOptions): Promise<WaitOutcome> {
  const { clock } = options;
  const random = options.random ?? Math.random;
  const deadline = options.invokedAtMs + options.timeoutMs;
  // Five minutes either side of now absorbs a local clock that is off from the server's.
  const windowStart = formatCst(options.invokedAtMs - 5 * 60_000);
  let state: WaitState | undefined;
  let unreachableSince: number | undefined;
  const interrupted = () =>
    new ScfError('Plugin.Interrupted', `Stopped waiting for request ${options.functionRequestId} of ${options.functionName}.`, { functionName: options.functionName, namespace: options.namespace });
  for (let poll = 1; ; poll++) {
    const delay = pollDelay(poll, options.firstDelayMs ?? 250, options.maxDelayMs ?? 1000, random);
    const remaining = deadline - clock.now();
    if (remaining <= 0) break;
    if (options.signal?.aborted) throw interrupted();
    await abortableSleep(clock, Math.min(delay, remaining), options.signal);
    if (options.signal?.aborted) throw interrupted();
    let reply;
    try {
      reply = await client.getRequestStatus({
        functionName: options.functionName,
        namespace: options.namespace,
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
        continue;
      }
      // Throttling or a passing failure that outlasted the client's retries: slow down, do not give up.
      if (error instanceof ScfError && error.retryableRead) continue;
      throw error;
    }
    unreachableSince = undefined;
    // Only our own request's status counts: a reply that names another request is not an answer.
    const status = reply.statuses.find((s) => s.requestId === options.functionRequestId);
    const next: WaitState = status ? 'running' : 'waiting';
    if (status && status.retCode !== 1) return { status, polls: poll };
    if (next !== state) {
      state = next;
      options.onState?.(state);
    }
  }
  throw new ScfError(
    'Plugin.WaitTimeout',
    `Request ${options.functionRequestId} of ${options.functionName} had not finished after ${Math.round(options.timeoutMs / 1000)} s (${state === 'running' ? 'still running' : 'not recorded yet'}).`,
    { functionName: options.functionName, namespace: options.namespace },
  );
}

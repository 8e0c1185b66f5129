// The one GetRequestStatus poller: `sls invoke --wait` and the post-deploy smoke checks both wait with it.
// Empty Data means "not recorded yet" and RetCode 1 "running": keep polling, a short first wait, then backoff
// with jitter. RetCode 0 is done, -1 failed. The client's limiter keeps all pollers within the API's rate.
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
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
  for (let poll = 1; ; poll++) {
    const delay = pollDelay(poll, options.firstDelayMs ?? 250, options.maxDelayMs ?? 1000, random);
    const remaining = deadline - clock.now();
    if (remaining <= 0) break;
    await clock.sleep(Math.min(delay, remaining));
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
      // Throttling or a passing failure that outlasted the client's retries: slow down, do not give up.
      if (error instanceof ScfError && error.retryableRead) continue;
      throw error;
    }
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

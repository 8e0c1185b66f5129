// The loop every live tail runs: poll, wait out the rest of the interval, again until Ctrl-C. A short outage
// (the endpoint unreachable, or failing past the client's retries) is ridden out, saying so, and the tail catches
// up when it is over; one longer than `outageLimitMs` ends the tail with the error.
import { isUnreachable, ScfError } from '../cloud/errors';
import { abortableSleep, type Clock } from '../cloud/limiter';

export interface PollLoopOptions {
  clock: Clock;
  signal: AbortSignal;
  intervalMs: number;
  outageLimitMs?: number;
  onWarning?(message: string): void;
}

export async function pollUntilAborted(poll: () => Promise<void>, options: PollLoopOptions): Promise<void> {
  const { clock, signal, intervalMs } = options;
  let outageSince: number | undefined;
  while (!signal.aborted) {
    const started = clock.now();
    try {
      await poll();
      if (outageSince !== undefined) options.onWarning?.(`Reached the endpoint again after ${Math.round((clock.now() - outageSince) / 1000)} s: catching up.`);
      outageSince = undefined;
    } catch (error) {
      if (!(isUnreachable(error) || (error instanceof ScfError && error.retryableRead))) throw error;
      if (outageSince === undefined) {
        outageSince = started;
        options.onWarning?.(`${(error as Error).message} Retrying every ${Math.round(intervalMs / 100) / 10} s; Ctrl-C to stop.`);
      } else if (clock.now() - outageSince >= (options.outageLimitMs ?? 120_000)) {
        throw error;
      }
    }
    await abortableSleep(clock, Math.max(0, intervalMs - (clock.now() - started)), signal);
  }
}

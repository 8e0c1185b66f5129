// The live tail: polls a trailing window at an interval and prints each request once, in its final state.
// - The log service is eventually consistent: an entry can show up late with its original StartTime, so each
//   poll re-reads the last `lookbackMs` and skips what was printed.
// - A request seen unfinished is kept pending and the window reaches back to it until it finishes.
// - Memory stays bounded: printed ids are forgotten once the window has moved past their start time.
import { isUnreachable, ScfError } from '../cloud/errors';
import { abortableSleep, type Clock } from '../cloud/limiter';
import type { LogEntry } from '../cloud/types';
import { DAY_MS } from '../time/parse';
import { parseCst } from '../time/cst';
import { fetchLogs, type LogQuery, isFinished } from './fetch';
import type { ScfClient } from '../cloud/scf';

export interface TailOptions {
  query: LogQuery;
  /** Print requests that started at or after this, epoch ms. */
  fromMs: number;
  intervalMs: number;
  lookbackMs?: number;
  clock: Clock;
  signal: AbortSignal;
  onEntry(entry: LogEntry): void;
  onWarning?(message: string): void;
  pageSize?: number;
  /** How long the tail rides out an endpoint it cannot reach (or that keeps failing) before it gives up. */
  outageLimitMs?: number;
}

export interface TailStats {
  polls: number;
  printed: number;
  /** Ids remembered right now (printed within the window, or pending). */
  remembered: number;
}

/** An entry's start, epoch ms; an entry whose StartTime does not parse counts as just started. */
function startMsOf(entry: LogEntry, now: number): number {
  return parseCst(entry.startTime) ?? now;
}

export class LogTail {
  private readonly printed = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  readonly stats: TailStats = { polls: 0, printed: 0, remembered: 0 };
  private windowStart: number;
  private first = true;

  constructor(
    private readonly client: Pick<ScfClient, 'getFunctionLogs'>,
    private readonly options: TailOptions,
  ) {
    this.windowStart = Math.floor(options.fromMs / 1000) * 1000;
  }

  /** One poll: reads the window, prints what is new and final. */
  async poll(): Promise<void> {
    const { clock, query } = this.options;
    const now = clock.now();
    const lookback = this.options.lookbackMs ?? 60_000;
    if (!this.first) {
      let start = now - lookback;
      for (const pendingStart of this.pending.values()) start = Math.min(start, pendingStart);
      // The API reaches back one day at most: a request running longer than that is given up.
      const oldest = now - DAY_MS + 1000;
      if (start < oldest) {
        for (const [id, s] of this.pending) {
          if (s < oldest) {
            this.pending.delete(id);
            this.options.onWarning?.(`Request ${id} has been running for over a day: no longer followed.`);
          }
        }
        start = oldest;
      }
      this.windowStart = Math.max(this.windowStart, Math.floor(start / 1000) * 1000);
    }
    this.first = false;
    for await (const entries of fetchLogs(this.client, query, this.windowStart, now, { pageSize: this.options.pageSize })) {
      for (const entry of entries) {
        if (this.printed.has(entry.requestId)) continue;
        const startMs = startMsOf(entry, now);
        if (startMs < this.options.fromMs - 999) continue;
        if (!isFinished(entry)) {
          this.pending.set(entry.requestId, startMs);
          continue;
        }
        this.pending.delete(entry.requestId);
        this.printed.set(entry.requestId, startMs);
        this.stats.printed++;
        this.options.onEntry(entry);
      }
    }
    for (const [id, startMs] of this.printed) if (startMs < this.windowStart) this.printed.delete(id);
    this.stats.polls++;
    this.stats.remembered = this.printed.size + this.pending.size;
  }

  /**
   * Polls every interval until the signal aborts (Ctrl-C). A short outage (the endpoint unreachable, or failing
   * past the client's retries) is ridden out, saying so, and the tail catches up when it is over; one longer than
   * `outageLimitMs` ends the tail with the error.
   */
  async run(): Promise<void> {
    const { clock, signal, intervalMs } = this.options;
    let outageSince: number | undefined;
    while (!signal.aborted) {
      const started = clock.now();
      try {
        await this.poll();
        if (outageSince !== undefined) this.options.onWarning?.(`Reached the endpoint again after ${Math.round((clock.now() - outageSince) / 1000)} s: catching up.`);
        outageSince = undefined;
      } catch (error) {
        if (!(isUnreachable(error) || (error instanceof ScfError && error.retryableRead))) throw error;
        if (outageSince === undefined) {
          outageSince = started;
          this.options.onWarning?.(`${(error as Error).message} Retrying every ${Math.round(intervalMs / 100) / 10} s; Ctrl-C to stop.`);
        } else if (clock.now() - outageSince >= (this.options.outageLimitMs ?? 120_000)) {
          throw error;
        }
      }
      const wait = Math.max(0, intervalMs - (clock.now() - started));
      await abortableSleep(clock, wait, signal);
    }
  }
}

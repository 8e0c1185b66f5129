// The live tail: polls a trailing window at an interval and prints each request once, in its final state.
// - The log service is eventually consistent: an entry can show up late with its original StartTime, so each
//   poll re-reads the last `lookbackMs` and skips what was printed.
// - A request seen unfinished is kept pending and the window reaches back to it until it finishes.
// - Memory stays bounded: printed ids are forgotten once the window has moved past their start time.
import type { Clock } from '../cloud/limiter';
import type { LogEntry } from '../cloud/types';
import { DAY_MS } from '../time/parse';
import { parseCst } from '../time/cst';
import { fetchLogs, type LogQuery, isFinished } from './fetch';
import type { ScfClient } from '../cloud/scf';

export interface TailOptions {
  query: LogQuery;
  /** Print requests that started at or after this, epoch ms. */
  fromMs: number;
  lookbackMs?: number;
  clock: Clock;
  onEntry(entry: LogEntry): void;
  onWarning?(message: string): void;
  pageSize?: number;
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

}

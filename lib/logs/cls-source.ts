// Reading SCF's records from CLS with SearchLog: every record of a query and time range, oldest first, as pages
// arrive. A range is cut into windows read a few at a time (within the topic's limit of searches in flight),
// each with a bounded read-ahead so memory stays flat; a window whose cursor reaches SearchLog's 10,000-record
// limit goes on with a new search from the last record it saw. Then the history (requests in start order) and
// the live tail (requests as their Report arrives, each record once).
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import type { ClsClient } from '../cloud/cls';
import type { ClsRecord } from '../cloud/types';
import { type AssembledEvent, RequestAssembler, recordKey, StartOrder } from './assemble';
import { recordQuery, type RecordQuery, reportQuery } from './cls-query';
import type { RequestLog, RequestOutcome } from './model';

type Search = Pick<ClsClient, 'searchLog'>;

/** A cursor chain reaches at most this many records (SearchLog's Context limit). */
export const CURSOR_RECORD_LIMIT = 10_000;
const PAGE_SIZE = 1000;

export interface RecordReadOptions {
  /** Windows read at once (each holds one search in flight); within CLS's 15 per topic. */
  concurrency?: number;
  /** Windows the range is cut into, at most. */
  maxWindows?: number;
  pageSize?: number;
  /** Told when more than the cursor limit of records share one millisecond (some cannot be read). */
  onTruncated?(atMs: number): void;
}

/** Reads one window [from, to) with cursor chains; a new chain starts where a capped one stopped. */
async function* readWindow(cls: Search, topicId: string, query: string, from: number, to: number, options: RecordReadOptions): AsyncGenerator<ClsRecord[]> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  let chainFrom = from;
  /** Keys of the records at exactly `chainFrom` already handed out by the previous chain. */
  let seenAtStart = new Set<string>();
  for (;;) {
    let context = '';
    let chained = 0;
    let lastTime = chainFrom;
    let atLast = new Set<string>();
    let restart = false;
    for (;;) {
      let page;
      try {
        page = await cls.searchLog({ topicId, from: chainFrom, to, query, limit: pageSize, sort: 'asc', context: context || undefined });
      } catch (error) {
        // An expired or exhausted cursor: go on from the last record seen.
        if (context && error instanceof ScfError && error.code === 'FailedOperation.InvalidContext') {
          restart = true;
          break;
        }
        throw error;
      }
      const fresh = page.records.filter((r) => !(r.time === chainFrom && seenAtStart.has(recordKey(r))));
      for (const r of page.records) {
        if (r.time !== lastTime) {
          lastTime = r.time;
          atLast = new Set();
        }
        atLast.add(recordKey(r));
      }
      chained += page.records.length;
      if (fresh.length) yield fresh;
      if (page.listOver || !page.records.length || !page.context) return;
      if (chained + pageSize > CURSOR_RECORD_LIMIT) {
        restart = true;
        break;
      }
      context = page.context;
    }
    if (!restart) return;
    if (lastTime === chainFrom && chained >= CURSOR_RECORD_LIMIT - pageSize) {
      // A whole chain within one millisecond: what is left of it cannot be reached.
      options.onTruncated?.(lastTime);
      chainFrom = lastTime + 1;
      seenAtStart = new Set();
    } else {
      seenAtStart = lastTime === chainFrom ? new Set([...seenAtStart, ...atLast]) : atLast;
      chainFrom = lastTime;
    }
    if (chainFrom >= to) return;
  }
}

/** Reads a window into a bounded queue ahead of its consumer. */
class WindowReader {
  private readonly pages: ClsRecord[][] = [];
  private done = false;
  private failure: unknown;
  private wake?: () => void;
  private space?: () => void;

  constructor(
    source: AsyncGenerator<ClsRecord[]>,
    private readonly maxAhead = 2,
  ) {
    void this.pump(source);
  }

  private async pump(source: AsyncGenerator<ClsRecord[]>): Promise<void> {
    try {
      for await (const page of source) {
        this.pages.push(page);
        this.wake?.();
        while (this.pages.length >= this.maxAhead) await new Promise<void>((r) => (this.space = r));
      }
    } catch (error) {
      this.failure = error;
    }
    this.done = true;
    this.wake?.();
  }

  async *drain(): AsyncGenerator<ClsRecord[]> {
    for (;;) {
      if (this.pages.length) {
        yield this.pages.shift()!;
        this.space?.();
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.done) return;
      await new Promise<void>((r) => (this.wake = r));
    }
  }
}

/** Every record of `query` in [from, to), oldest first, a page at a time. */
export async function* readRecords(cls: Search, topicId: string, query: string, from: number, to: number, options: RecordReadOptions = {}): AsyncGenerator<ClsRecord[]> {
  if (to <= from) return;
  const windows = Math.max(1, Math.min(options.maxWindows ?? 16, Math.ceil((to - from) / 60_000)));
  const span = Math.ceil((to - from) / windows);
  const bounds = Array.from({ length: windows }, (_, i) => [from + i * span, Math.min(to, from + (i + 1) * span)] as const).filter(([a, b]) => b > a);
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, 15));
  const readers: WindowReader[] = [];
  const startNext = () => {
    const index = readers.length;
    if (index < bounds.length) readers.push(new WindowReader(readWindow(cls, topicId, query, bounds[index][0], bounds[index][1], options)));
  };
  for (let i = 0; i < concurrency; i++) startNext();
  for (let i = 0; i < bounds.length; i++) {
    yield* readers[i].drain();
    startNext();
  }
}

export interface ClsTarget {
  topicId: string;
  namespace: string;
  functionNames: string[];
  /** serverless.yml key of a function name, when several are read. */
  functionKeyOf?(functionName: string, namespace: string): string | undefined;
}

export interface HistoryOptions extends RecordReadOptions {
  qualifier?: string;
  requestId?: string;
  grep?: string;
  outcomes?: Array<Exclude<RequestOutcome, 'running'>>;
  /** Requests that started in [fromMs, toMs) … */
  fromMs: number;
  toMs: number;
  /** … are read until this much after toMs (their end), capped at now. */
  finishWithinMs: number;
  nowMs: number;
}

/** Request ids per search when the records of known requests are fetched. */
const IDS_PER_QUERY = 40;

/** Requests that started in the range, in start order, each with its records. */
export async function* clsHistory(cls: Search, target: ClsTarget, options: HistoryOptions): AsyncGenerator<RequestLog[]> {
  const base: RecordQuery = {
    namespace: target.namespace,
    functionNames: target.functionNames,
    qualifier: options.qualifier,
    requestIds: options.requestId ? [options.requestId] : undefined,
    startedFrom: options.fromMs,
    startedBefore: options.toMs,
  };
  const readTo = Math.min(options.nowMs, options.toMs + options.finishWithinMs);
  const assembler = new RequestAssembler({ functionKeyOf: target.functionKeyOf });
  const order = new StartOrder();
  const read = async function* (query: string): AsyncGenerator<RequestLog[]> {
    for await (const records of readRecords(cls, target.topicId, query, options.fromMs, readTo, options)) {
      const out: RequestLog[] = [];
      for (const record of records) {
        const event = assembler.add(record);
        out.push(...order.push(event?.kind === 'complete' ? event.request : undefined, assembler.oldestOpenStart(), record.time));
      }
      if (out.length) yield out;
    }
  };

  if (options.outcomes) {
    // Two steps: the Report records of the requests that ended so, then those requests' records.
    const reports = readRecords(cls, target.topicId, reportQuery(base, options.outcomes), options.fromMs, readTo, options);
    let batch: string[] = [];
    const flushBatch = async function* (): AsyncGenerator<RequestLog[]> {
      if (!batch.length) return;
      const ids = batch;
      batch = [];
      yield* read(recordQuery({ ...base, requestIds: ids, grep: options.grep }));
    };
    for await (const records of reports) {
      for (const r of records) {
        if (r.fields.SCF_RequestId && !batch.includes(r.fields.SCF_RequestId)) batch.push(r.fields.SCF_RequestId);
        if (batch.length >= IDS_PER_QUERY) yield* flushBatch();
      }
    }
    yield* flushBatch();
  } else {
    yield* read(recordQuery({ ...base, grep: options.grep }));
  }
  const rest = [...order.drain(), ...assembler.flush()];
  // With a grep, only requests that finished are shown whole; without one, running requests too.
  const shown = options.outcomes ? rest.filter((r) => r.outcome !== 'running') : rest;
  if (shown.length) yield shown;
}

export interface TailOptions {
  qualifier?: string;
  grep?: string;
  outcomes?: Array<Exclude<RequestOutcome, 'running'>>;
  /** Requests that started at or after this, epoch ms. */
  fromMs: number;
  /** How far back each poll reads again, for records indexed late. */
  overlapMs?: number;
  clock: Clock;
  onRequest(request: RequestLog): void;
  /** A line of a request already shown, indexed after it was. */
  onLateLine?(request: RequestLog, line: string): void;
}

export interface TailStats {
  polls: number;
  printed: number;
  /** Record keys remembered now (to skip what the overlap reads again). */
  remembered: number;
}

/**
 * The live tail over CLS: each poll reads from a little before the last record it saw (records can be indexed
 * late), skips records it has seen, and hands out each request when its Report arrives. Memory is bounded by the
 * overlap window, and by the requests still running.
 */
export class ClsTail {
  readonly stats: TailStats = { polls: 0, printed: 0, remembered: 0 };
  private readonly seen = new Map<string, number>();
  private readonly assembler: RequestAssembler;
  private readonly fetchedIds = new Set<string>();
  private position: number;

  constructor(
    private readonly cls: Search,
    private readonly target: ClsTarget,
    private readonly options: TailOptions,
  ) {
    this.position = options.fromMs;
    this.assembler = new RequestAssembler({ functionKeyOf: target.functionKeyOf });
  }

  private handle(event: AssembledEvent | undefined): void {
    if (!event) return;
    if (event.kind === 'complete') {
      if (this.options.outcomes && !this.options.outcomes.includes(event.request.outcome as Exclude<RequestOutcome, 'running'>)) return;
      this.stats.printed++;
      this.options.onRequest(event.request);
    } else this.options.onLateLine?.(event.request, event.line);
  }

  /** Feeds fresh records (each once) to the assembler; returns the newest record time seen. */
  private take(records: ClsRecord[]): void {
    for (const record of records) {
      const key = recordKey(record);
      if (this.seen.has(key)) continue;
      this.seen.set(key, record.time);
      this.handle(this.assembler.add(record));
    }
  }

  async poll(): Promise<void> {
    const { clock, options } = { clock: this.options.clock, options: this.options };
    const now = clock.now();
    const overlap = options.overlapMs ?? 10_000;
    const from = Math.max(options.fromMs, this.position - overlap);
    const base: RecordQuery = { namespace: this.target.namespace, functionNames: this.target.functionNames, qualifier: options.qualifier, startedFrom: options.fromMs };
    let newest = this.position;
    if (options.outcomes) {
      // Requests that ended so: their Reports first, then each one's records once.
      const ids: string[] = [];
      for await (const reports of readRecords(this.cls, this.target.topicId, reportQuery(base, options.outcomes), from, now + 1, { maxWindows: 1 })) {
        for (const r of reports) {
          newest = Math.max(newest, r.time);
          const id = `${r.fields.SCF_RequestId}/${r.fields.SCF_RetryNum}`;
          if (!this.fetchedIds.has(id)) {
            this.fetchedIds.add(id);
            ids.push(r.fields.SCF_RequestId);
          }
        }
      }
      for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
        const query = recordQuery({ ...base, requestIds: ids.slice(i, i + IDS_PER_QUERY), grep: options.grep });
        for await (const records of readRecords(this.cls, this.target.topicId, query, options.fromMs, now + 1, { maxWindows: 1 })) this.take(records);
      }
      if (this.fetchedIds.size > 50_000) this.fetchedIds.clear();
    } else {
      for await (const records of readRecords(this.cls, this.target.topicId, recordQuery({ ...base, grep: options.grep }), from, now + 1, { maxWindows: 1 })) {
        for (const r of records) newest = Math.max(newest, r.time);
        this.take(records);
      }
    }
    this.position = Math.max(this.position, Math.min(newest, now));
    // What the next poll cannot read again is forgotten.
    const horizon = Math.max(options.fromMs, this.position - overlap) - 1;
    for (const [key, time] of this.seen) if (time < horizon) this.seen.delete(key);
    this.stats.polls++;
    this.stats.remembered = this.seen.size;
  }

}

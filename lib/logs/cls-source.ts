// Reading SCF's records from CLS with SearchLog: every record of a query and time range, oldest first, as pages
// arrive. A range is cut into windows read a few at a time (within the topic's limit of searches in flight),
// each with a bounded read-ahead so memory stays flat; a window whose cursor reaches SearchLog's 10,000-record
// limit goes on with a new search from the last record it saw. Then the history (requests in start order) and
// the live tail (requests as their Report arrives, each record once).
import { containsPhrase } from '../cloud/cls-tokens';
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import type { ClsClient } from '../cloud/cls';
import type { ClsRecord } from '../cloud/types';
import { type AssembledEvent, RequestAssembler, recordKey, StartOrder } from './assemble';
import { recordQuery, type RecordQuery, reportQuery } from './cls-query';
import { applyFilters, type FinalOutcome, type RequestFilters, type RequestLog } from './model';

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

export interface HistoryOptions extends RecordReadOptions, RequestFilters {
  /** Requests that started in [fromMs, toMs) … */
  fromMs: number;
  toMs: number;
  /** … are read until this much after toMs (their end), capped at now. */
  finishWithinMs: number;
  nowMs: number;
}

/** Request ids per search when the records of known requests are fetched. */
const IDS_PER_QUERY = 40;

/** Requests that started in the range, in start order, each with its records; running ones last. */
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
  if (options.grep !== undefined || options.outcomes) {
    yield* filteredHistory(cls, target, options, base, readTo);
    return;
  }
  const assembler = new RequestAssembler({ functionKeyOf: target.functionKeyOf });
  const order = new StartOrder();
  for await (const records of readRecords(cls, target.topicId, recordQuery(base), options.fromMs, readTo, options)) {
    const out: RequestLog[] = [];
    for (const record of records) {
      const event = assembler.add(record);
      out.push(...order.push(event?.kind === 'complete' ? event.request : undefined, assembler.oldestOpenStart(), record.time));
    }
    if (out.length) yield out;
  }
  const rest = [...order.drain(), ...assembler.flush()];
  if (rest.length) yield rest;
}

/**
 * A filtered history, in two steps: a search finds the requests (the records holding the text, or the Reports
 * of requests that ended as asked), then each batch of them is read whole (with `--grep`: its matching lines
 * and its Platform records, for the header). The finder reads in time order, so a request it finds later
 * started at most `finishWithinMs` before where it is: what started earlier goes out in start order.
 */
async function* filteredHistory(cls: Search, target: ClsTarget, options: HistoryOptions, base: RecordQuery, readTo: number): AsyncGenerator<RequestLog[]> {
  const grep = options.grep;
  const filters = { grep, outcomes: options.outcomes };
  const finder = grep !== undefined ? recordQuery({ ...base, grep }) : reportQuery(base, options.outcomes!);
  const order = new StartOrder();
  const running: RequestLog[] = [];
  /** Requests read already, with the time of their last record: once the finder is past it, forgotten. */
  const fetched = new Map<string, number>();
  let batch = new Map<string, string>();
  let batchFrom = Infinity;
  let batchLast = -Infinity;
  let position = options.fromMs;

  const readBatch = async (): Promise<RequestLog[]> => {
    const ids = [...new Set(batch.values())];
    const keys = [...batch.keys()];
    const query = recordQuery({ ...base, requestIds: ids, grep, grepOrPlatform: grep !== undefined });
    // A Report is its request's last record; a line holding the text is followed by the Report within a timeout.
    const to = Math.min(readTo, grep !== undefined ? batchLast + options.finishWithinMs : batchLast + 1);
    const from = batchFrom;
    batch = new Map();
    batchFrom = Infinity;
    batchLast = -Infinity;
    const assembler = new RequestAssembler({ functionKeyOf: target.functionKeyOf });
    const complete: RequestLog[] = [];
    for await (const records of readRecords(cls, target.topicId, query, from, Math.max(to, from + 1), { ...options, maxWindows: 1 })) {
      for (const record of records) {
        const event = assembler.add(record);
        if (event?.kind !== 'complete') continue;
        fetched.set(requestKeyOf(record.fields), record.time);
        complete.push(event.request);
      }
    }
    for (const request of assembler.flush()) {
      fetched.set(`${request.requestId}/${request.retryNum}`, Infinity);
      const shown = applyFilters(request, filters);
      if (shown) running.push(shown);
    }
    for (const key of keys) if (!fetched.has(key)) fetched.set(key, Infinity);
    for (const [key, last] of fetched) if (last < position) fetched.delete(key);
    const watermark = position - options.finishWithinMs;
    // The whole batch is in before anything goes out: it may hold requests that started before ones held.
    const out: RequestLog[] = [];
    for (const request of complete) {
      const shown = applyFilters(request, filters);
      if (shown) out.push(...order.push(shown, undefined, -Infinity));
    }
    out.push(...order.push(undefined, undefined, watermark));
    return out;
  };

  for await (const records of readRecords(cls, target.topicId, finder, options.fromMs, readTo, options)) {
    for (const record of records) {
      const f = record.fields;
      position = Math.max(position, record.time);
      if (!f.SCF_RequestId) continue;
      const key = requestKeyOf(f);
      if (fetched.has(key) || batch.has(key)) continue;
      batch.set(key, f.SCF_RequestId);
      batchFrom = Math.min(batchFrom, Number(f.SCF_StartTime) || record.time);
      batchLast = Math.max(batchLast, record.time);
      if (batch.size >= IDS_PER_QUERY) {
        const out = await readBatch();
        if (out.length) yield out;
      }
    }
  }
  if (batch.size) {
    const out = await readBatch();
    if (out.length) yield out;
  }
  const rest = [...order.drain(), ...running.sort((a, b) => a.startMs - b.startMs)];
  if (rest.length) yield rest;
}

function requestKeyOf(fields: Record<string, string>): string {
  return `${fields.SCF_RequestId}/${Number(fields.SCF_RetryNum) || 0}`;
}

export interface TailOptions {
  qualifier?: string;
  grep?: string;
  outcomes?: FinalOutcome[];
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
 * overlap window, and by the requests still running. With `--grep` it reads the lines holding the text and the
 * Platform records (the header); with an outcome filter, the Reports first, then the records of those requests.
 */
export class ClsTail {
  readonly stats: TailStats = { polls: 0, printed: 0, remembered: 0 };
  private readonly seen = new Map<string, number>();
  private readonly assembler: RequestAssembler;
  /** Requests whose records were fetched (outcome filter), with their Report's time. */
  private readonly fetched = new Map<string, number>();
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
    const { grep, outcomes } = this.options;
    if (event.kind === 'complete') {
      const shown = applyFilters(event.request, { grep, outcomes });
      if (!shown) return;
      this.stats.printed++;
      this.options.onRequest(shown);
    } else if (grep === undefined || containsPhrase(event.line, grep)) {
      this.options.onLateLine?.(event.request, event.line);
    }
  }

  /** Feeds fresh records (each once) to the assembler. */
  private take(records: ClsRecord[]): void {
    for (const record of records) {
      const key = recordKey(record);
      if (this.seen.has(key)) continue;
      this.seen.set(key, record.time);
      this.handle(this.assembler.add(record));
    }
  }

  async poll(): Promise<void> {
    const options = this.options;
    const now = options.clock.now();
    const overlap = options.overlapMs ?? 10_000;
    const from = Math.max(options.fromMs, this.position - overlap);
    const base: RecordQuery = { namespace: this.target.namespace, functionNames: this.target.functionNames, qualifier: options.qualifier, startedFrom: options.fromMs };
    const grep = options.grep;
    let newest = this.position;
    if (options.outcomes) {
      // Requests that ended so: their Reports first, then each one's records once.
      const ids: string[] = [];
      let idsFrom = Infinity;
      for await (const reports of readRecords(this.cls, this.target.topicId, reportQuery(base, options.outcomes), from, now + 1, { maxWindows: 1 })) {
        for (const r of reports) {
          newest = Math.max(newest, r.time);
          const key = `${r.fields.SCF_RequestId}/${Number(r.fields.SCF_RetryNum) || 0}`;
          if (this.fetched.has(key)) continue;
          this.fetched.set(key, r.time);
          ids.push(r.fields.SCF_RequestId);
          idsFrom = Math.min(idsFrom, Number(r.fields.SCF_StartTime) || r.time);
        }
      }
      for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
        const query = recordQuery({ ...base, requestIds: ids.slice(i, i + IDS_PER_QUERY), grep, grepOrPlatform: grep !== undefined });
        for await (const records of readRecords(this.cls, this.target.topicId, query, Math.max(options.fromMs, idsFrom), now + 1, { maxWindows: 1 })) this.take(records);
      }
    } else {
      const query = recordQuery({ ...base, grep, grepOrPlatform: grep !== undefined });
      for await (const records of readRecords(this.cls, this.target.topicId, query, from, now + 1, { maxWindows: 1 })) {
        for (const r of records) newest = Math.max(newest, r.time);
        this.take(records);
      }
    }
    this.position = Math.max(this.position, Math.min(newest, now));
    // What the next poll cannot read again is forgotten.
    const horizon = Math.max(options.fromMs, this.position - overlap) - 1;
    for (const [key, time] of this.seen) if (time < horizon) this.seen.delete(key);
    for (const [key, time] of this.fetched) if (time < horizon) this.fetched.delete(key);
    this.stats.polls++;
    this.stats.remembered = this.seen.size + this.fetched.size;
  }
}

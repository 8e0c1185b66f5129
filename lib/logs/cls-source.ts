// Reading SCF's records from CLS with SearchLog: every record of a query and time range, oldest first, as pages
// arrive. A Context chain is read one page after another, so a range is cut into segments searched side by side
// (within the topic's limit of searches in flight) and handed out in order. Where the reader can, a long range is
// cut where a histogram of it (DescribeLogHistogram) says its pages fall; else, and within a segment holding more
// than it was cut for, a segment whose first page does not hold all of it is split again, its rest into as many
// parts as its count (or its first page's density) says, so that dense ranges are read
// many pages at once while what waits to be handed out stays a few pages. A millisecond holding more than a page is
// read with its Context chain, which reaches at most SearchLog's 10,000 records (past that, the rest of that
// millisecond cannot be read, and the caller is told). Then the history (requests in start order) and the live tail (requests
// as their Report arrives, each record once).
import { containsPhrase } from '../cloud/cls-tokens';
import { type Clock, ConcurrencyLimiter } from '../cloud/limiter';
import type { ClsClient } from '../cloud/cls';
import type { ClsRecord } from '../cloud/types';
import { type AssembledEvent, RequestAssembler, recordKey, StartOrder } from './assemble';
import { functionId, type FunctionScope, isTargetRecord, QUERY_CHARS, recordQuery, type RecordQuery, reportQuery } from './cls-query';
import { applyFilters, type FinalOutcome, type RequestFilters, type RequestLog } from './model';

/** SearchLog, and DescribeLogHistogram where the reader has it (a long read is then cut where its pages fall). */
export type ClsSearch = Pick<ClsClient, 'searchLog'> & Partial<Pick<ClsClient, 'logHistogram'>>;

/** Searches of one topic `sls logs` keeps in flight unless told otherwise: CLS allows 15 (see searchesPerTopic). */
export const DEFAULT_SEARCHES = 4;

/**
 * At most `perTopic` searches of any one topic in flight, over every reader sharing the returned search (the
 * histories and tails of several targets on one topic, a filtered read's finder and its batches). CLS refuses
 * the 16th of a topic, and SCF's default topic serves every function of the region and every other reader (the
 * console, colleagues, pipelines): a share of it, not all.
 */
export function searchesPerTopic(cls: ClsSearch, perTopic: number): ClsSearch {
  const gate = new ConcurrencyLimiter(perTopic);
  const gated = async <T>(topicId: string, run: () => Promise<T>): Promise<T> => {
    const release = await gate.acquire(topicId);
    try {
      return await run();
    } finally {
      release();
    }
  };
  const { logHistogram } = cls;
  return {
    searchLog: (req) => gated(req.topicId, () => cls.searchLog(req)),
    ...(logHistogram ? { logHistogram: (req: Parameters<typeof logHistogram>[0]) => gated(req.topicId, () => logHistogram.call(cls, req)) } : {}),
  };
}

/** A cursor chain reaches at most this many records (SearchLog's Context limit). */
export const CURSOR_RECORD_LIMIT = 10_000;
const PAGE_SIZE = 1000;

export interface RecordReadOptions {
  /** Searches in flight at once; within CLS's 15 per topic (shared with every other reader of the topic). */
  concurrency?: number;
  /** Segments the range is first cut into, at most (dense ones are split further). */
  maxWindows?: number;
  pageSize?: number;
  /** Told when more than the cursor limit of records share one millisecond (some cannot be read). */
  onTruncated?(atMs: number): void;
}

/** Every record of one dense millisecond, with its Context chain: at most the cursor limit (the caller is told past it). */
async function* readMillisecond(cls: ClsSearch, topicId: string, query: string, atMs: number, options: RecordReadOptions, seen: Set<string>): AsyncGenerator<ClsRecord[]> {
  const pageSize = options.pageSize ?? PAGE_SIZE;
  let context: string | undefined;
  let chained = 0;
  for (;;) {
    const page = await cls.searchLog({ topicId, from: atMs, to: atMs + 1, query, limit: pageSize, sort: 'asc', context });
    chained += page.records.length;
    const fresh = page.records.filter((r) => !seen.has(recordKey(r)));
    if (fresh.length) yield fresh;
    if (page.listOver || !page.records.length || !page.context) return;
    if (chained >= CURSOR_RECORD_LIMIT) {
      options.onTruncated?.(atMs);
      return;
    }
    context = page.context;
  }
}

/** A part of the range: searched once (then done, or split), or read with its chain when it is one dense millisecond. */
interface Segment {
  from: number;
  to: number;
  /** Keys of the records at exactly `from` already handed out. */
  seenAtStart: Set<string>;
  pages: ClsRecord[][];
  state: 'waiting' | 'reading' | 'done';
  /** The records it holds, when a histogram said so (else its first page's density is the guess). */
  expected?: number;
  /** Wakes a chain waiting for its pages to be taken. */
  space?: () => void;
}

/** Cuts [from, to) into `parts` consecutive segments (fewer when it has fewer milliseconds). */
function segmentsOf(from: number, to: number, parts: number, seenAtStart = new Set<string>()): Segment[] {
  const bounds = [from];
  for (let i = 1; i < parts; i++) {
    const b = from + Math.round(((to - from) * i) / parts);
    if (b > bounds[bounds.length - 1] && b < to) bounds.push(b);
  }
  bounds.push(to);
  return bounds.slice(0, -1).map((a, i) => ({ from: a, to: bounds[i + 1], seenAtStart: i === 0 ? seenAtStart : new Set<string>(), pages: [], state: 'waiting' }));
}

/**
 * [from, to) cut where a histogram says its pages fall: consecutive segments of at most a page of records each (an
 * interval holding more is one segment, split as it is read), each knowing how many it holds. Undefined when
 * there is no histogram to ask, or it was refused (a CAM policy that allows SearchLog alone, an endpoint without
 * the action): the range is then cut blind.
 */
async function plannedSegments(cls: ClsSearch, topicId: string, query: string, from: number, to: number, pageSize: number): Promise<Segment[] | undefined> {
  if (!cls.logHistogram) return undefined;
  let histogram;
  try {
    histogram = await cls.logHistogram({ topicId, from, to, query, interval: Math.max(1, Math.ceil((to - from) / HISTOGRAM_INTERVALS)) });
  } catch {
    return undefined;
  }
  const { interval } = histogram;
  if (!(interval > 0)) return undefined;
  const segments: Segment[] = [];
  let current: Segment = { from, to, seenAtStart: new Set(), pages: [], state: 'waiting', expected: 0 };
  for (const bucket of [...histogram.buckets].sort((a, b) => a.from - b.from)) {
    const start = Math.max(from, bucket.from);
    if (bucket.from + interval <= from || start >= to) continue;
    if (current.expected! > 0 && current.expected! + bucket.count > pageSize && start > current.from) {
      segments.push({ ...current, to: start });
      current = { from: start, to, seenAtStart: new Set(), pages: [], state: 'waiting', expected: 0 };
    }
    current.expected! += bucket.count;
  }
  segments.push(current);
  return segments;
}

/** CLS takes at most 200 intervals in a histogram's range. */
const HISTOGRAM_INTERVALS = 200;

/** Every record of `query` in [from, to), oldest first, a page at a time. */
export async function* readRecords(cls: ClsSearch, topicId: string, query: string, from: number, to: number, options: RecordReadOptions = {}): AsyncGenerator<ClsRecord[]> {
  if (to <= from) return;
  const pageSize = options.pageSize ?? PAGE_SIZE;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? DEFAULT_SEARCHES, 15));
  /** Pages read ahead of the one being handed out, at most (the segment being handed out always proceeds). */
  const maxAhead = 2 * concurrency;
  const windows = Math.max(1, Math.min(options.maxWindows ?? 16, Math.ceil((to - from) / 60_000)));
  const blind = segmentsOf(from, to, windows);
  // A range worth more than one window: its first window is read at once, and the rest is looked at whole meanwhile
  // (one DescribeLogHistogram) and cut where its pages fall, so that each search reads about a page instead of
  // guessing from a first page where the rest lies. Refused, the rest is cut blind.
  const planning = windows > 1 && cls.logHistogram;
  // While planning, the first window is a minute (the least a blind window spans): read blind, it should cost little.
  const segments = planning ? segmentsOf(from, Math.min(blind[0].to, from + 60_000), 1) : blind;
  let planned = !planning;
  let head = 0;
  let inFlight = 0;
  let buffered = 0;
  let stopped = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const push = (segment: Segment, records: ClsRecord[]) => {
    segment.pages.push(records);
    buffered++;
    notify();
  };

  const readSegment = async (segment: Segment): Promise<void> => {
    const page = await cls.searchLog({ topicId, from: segment.from, to: segment.to, query, limit: pageSize, sort: 'asc' });
    const last = page.records.length ? page.records[page.records.length - 1].time : segment.from;
    if (!page.listOver && page.records.length && last === segment.from) {
      // A page all within its first millisecond: that millisecond is read with its chain, the rest as usual.
      if (segment.from + 1 < segment.to) segments.splice(segments.indexOf(segment) + 1, 0, ...segmentsOf(segment.from + 1, segment.to, 1));
      for await (const records of readMillisecond(cls, topicId, query, segment.from, options, segment.seenAtStart)) {
        push(segment, records);
        while (segment.pages.length >= 2 && !stopped) await new Promise<void>((resolve) => (segment.space = resolve));
        if (stopped) return;
      }
      return;
    }
    const fresh = page.records.filter((r) => !(r.time === segment.from && segment.seenAtStart.has(recordKey(r))));
    if (fresh.length) push(segment, fresh);
    if (page.listOver || !page.records.length) return;
    // The rest [last, to), in as many parts as it holds pages (a few at most): as the histogram counted, or else as
    // the density of this page says.
    const left = segment.expected !== undefined ? segment.expected - page.records.length : 0;
    const perMs = page.records.length / Math.max(1, last - segment.from);
    const pagesLeft = left > 0 ? left / pageSize : (perMs * (segment.to - last)) / pageSize;
    const parts = Math.max(1, Math.min(2 * concurrency, Math.ceil(pagesLeft)));
    const atLast = new Set(page.records.filter((r) => r.time === last).map(recordKey));
    segments.splice(segments.indexOf(segment) + 1, 0, ...segmentsOf(last, segment.to, parts, atLast));
  };

  const schedule = () => {
    if (stopped || failure) return;
    for (let i = head; i < segments.length && inFlight < concurrency; i++) {
      const segment = segments[i];
      if (segment.state !== 'waiting') continue;
      if (i !== head && buffered + inFlight >= maxAhead) break;
      segment.state = 'reading';
      inFlight++;
      readSegment(segment)
        .catch((error) => {
          failure ??= error;
        })
        .finally(() => {
          segment.state = 'done';
          segment.seenAtStart = new Set();
          inFlight--;
          schedule();
          notify();
        });
    }
  };

  if (planning) {
    const restFrom = segments[0].to;
    void plannedSegments(cls, topicId, query, restFrom, to, pageSize).then((cut) => {
      segments.push(...(cut ?? segmentsOf(restFrom, to, windows - 1)));
      planned = true;
      schedule();
      notify();
    });
  }

  try {
    schedule();
    while (head < segments.length || !planned) {
      if (failure) throw failure;
      const segment = segments[head];
      if (!segment) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (segment.pages.length) {
        const records = segment.pages.shift()!;
        buffered--;
        segment.space?.();
        schedule();
        yield records;
        continue;
      }
      if (segment.state === 'done') {
        segments[head++] = undefined as unknown as Segment; // handed out: its memory goes
        schedule();
        continue;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (failure) throw failure;
  } finally {
    // A consumer that stops early: nothing more is searched, and chains waiting for room end.
    stopped = true;
    for (const segment of segments) segment?.space?.();
  }
}

export interface ClsTarget {
  topicId: string;
  /** The functions read with one search, by namespace (several namespaces when they share the topic). */
  functions: FunctionScope[];
  /** The serverless.yml key of a function name (what `--json` calls `function`). */
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

const REPORT_MESSAGE = /^Report RequestId:/;

/** The records of the target's functions only: the search's phrases also find look-alike names on a shared topic. */
function ofTarget(target: ClsTarget): (record: ClsRecord) => boolean {
  const ids = new Set(target.functions.flatMap((f) => f.functionNames.map((name) => functionId(f.namespace, name))));
  return (record) => isTargetRecord(record.fields, ids);
}

/** Request ids per search when the records of known requests are fetched, at most … */
const IDS_PER_QUERY = 40;
/** … and as many as the query has room for (a quoted UUID, its field and ` OR `). */
const ID_QUERY_CHARS = 60;

/** Request ids one search can name beside `query` (the query without ids), within CLS's query length. */
export function idsPerQuery(query: string): number {
  return Math.max(1, Math.min(IDS_PER_QUERY, Math.floor((QUERY_CHARS - query.length - 20) / ID_QUERY_CHARS)));
}

/** Requests that started in the range, in start order, each with its records; running ones last. */
export async function* clsHistory(cls: ClsSearch, target: ClsTarget, options: HistoryOptions): AsyncGenerator<RequestLog[]> {
  const base: RecordQuery = {
    functions: target.functions,
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
  // Read in time order, a record after its request's Report is at most a few milliseconds behind it.
  const assembler = new RequestAssembler({ functionKeyOf: target.functionKeyOf, rememberCompleted: 1000 });
  const order = new StartOrder();
  const mine = ofTarget(target);
  for await (const records of readRecords(cls, target.topicId, recordQuery(base), options.fromMs, readTo, options)) {
    const out: RequestLog[] = [];
    for (const record of records) {
      if (!mine(record)) continue;
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
async function* filteredHistory(cls: ClsSearch, target: ClsTarget, options: HistoryOptions, base: RecordQuery, readTo: number): AsyncGenerator<RequestLog[]> {
  const grep = options.grep;
  const filters = { grep, outcomes: options.outcomes };
  const finder = grep !== undefined ? recordQuery({ ...base, grep }) : reportQuery(base, options.outcomes!);
  const perBatch = idsPerQuery(recordQuery({ ...base, grep, grepOrPlatform: grep !== undefined }));
  const mine = ofTarget(target);
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
        if (!mine(record)) continue;
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
      if (!f.SCF_RequestId || !mine(record)) continue;
      const key = requestKeyOf(f);
      if (fetched.has(key) || batch.has(key)) continue;
      batch.set(key, f.SCF_RequestId);
      batchFrom = Math.min(batchFrom, Number(f.SCF_StartTime) || record.time);
      batchLast = Math.max(batchLast, record.time);
      if (batch.size >= perBatch) {
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
  /** Searches of the topic in flight at once, at most (each poll's windows). */
  searches?: number;
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
  /** Record keys and requests remembered now (to skip what the overlap reads again, to know late lines). */
  remembered: number;
  /** Requests begun and not complete, held now. */
  open: number;
}

/**
 * The live tail over CLS: each poll reads from a little before the last record it saw (records can be indexed
 * late), skips records it has seen, and hands out each request when its Report arrives. Memory is bounded by the
 * overlap window, and by the requests still running. With `--grep` it reads the lines holding the text and the
 * Platform records (the header); with an outcome filter, the Reports first, then the records of those requests.
 */
export class ClsTail {
  readonly stats: TailStats = { polls: 0, printed: 0, remembered: 0, open: 0 };
  private readonly seen = new Map<string, number>();
  private readonly assembler: RequestAssembler;
  private readonly mine: (record: ClsRecord) => boolean;
  /** Requests whose records were fetched (outcome filter), with their Report's time. */
  private readonly fetched = new Map<string, number>();
  /** Reports found by the last poll, handed on after this one (see poll). */
  private heldReports: ClsRecord[] = [];
  private position: number;

  constructor(
    private readonly cls: ClsSearch,
    private readonly target: ClsTarget,
    private readonly options: TailOptions,
  ) {
    this.position = options.fromMs;
    this.assembler = new RequestAssembler({ functionKeyOf: target.functionKeyOf });
    this.mine = ofTarget(target);
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

  /** Feeds fresh records (each once) to the assembler; Reports go to `held` instead, when given. */
  private take(records: ClsRecord[], held?: ClsRecord[]): void {
    for (const record of records) {
      const key = recordKey(record);
      if (this.seen.has(key) || !this.mine(record)) continue;
      this.seen.set(key, record.time);
      if (held && record.fields.SCF_Type === 'Platform' && REPORT_MESSAGE.test(record.fields.SCF_Message ?? '')) held.push(record);
      else this.handle(this.assembler.add(record));
    }
  }

  /** How far the tail has read, epoch ms. */
  get readUpTo(): number {
    return this.position;
  }

  async poll(): Promise<void> {
    const options = this.options;
    const now = options.clock.now();
    const overlap = options.overlapMs ?? 10_000;
    const from = Math.max(options.fromMs, this.position - overlap);
    const base: RecordQuery = { functions: this.target.functions, qualifier: options.qualifier, startedFrom: options.fromMs };
    const grep = options.grep;
    let newest = this.position;
    // A poll reads everything first and only then marks what it saw: a poll that fails half way (an outage)
    // leaves no record marked seen that was not handed on, and the next poll reads it again.
    if (options.outcomes) {
      // Requests that ended so: their Reports first, then each one's records once.
      const fresh = new Map<string, ClsRecord>();
      for (const r of await collect(readRecords(this.cls, this.target.topicId, reportQuery(base, options.outcomes), from, now + 1, { maxWindows: 1, concurrency: options.searches }))) {
        newest = Math.max(newest, r.time);
        if (!this.mine(r)) continue;
        const key = `${r.fields.SCF_RequestId}/${Number(r.fields.SCF_RetryNum) || 0}`;
        if (!this.fetched.has(key)) fresh.set(key, r);
      }
      const ids = [...new Set([...fresh.values()].map((r) => r.fields.SCF_RequestId))];
      const idsFrom = Math.min(...[...fresh.values()].map((r) => Number(r.fields.SCF_StartTime) || r.time));
      const records: ClsRecord[] = [];
      const perBatch = idsPerQuery(recordQuery({ ...base, grep, grepOrPlatform: grep !== undefined }));
      for (let i = 0; i < ids.length; i += perBatch) {
        const query = recordQuery({ ...base, requestIds: ids.slice(i, i + perBatch), grep, grepOrPlatform: grep !== undefined });
        records.push(...(await collect(readRecords(this.cls, this.target.topicId, query, Math.max(options.fromMs, idsFrom), now + 1, { maxWindows: 1, concurrency: options.searches }))));
      }
      for (const [key, r] of fresh) this.fetched.set(key, r.time);
      this.take(records);
    } else {
      // A poll of several searches is no snapshot: a record that became searchable between two of them may sit
      // in a part searched before it did, while its request's Report (written later) was found in a part searched
      // after. So a Report found so is held until the next poll has read that part again; a poll of one search
      // hands out at once.
      const query = recordQuery({ ...base, grep, grepOrPlatform: grep !== undefined });
      let searches = 0;
      const counting: ClsSearch = { searchLog: (req) => (searches++, this.cls.searchLog(req)) };
      const held: ClsRecord[] = [];
      const records = await collect(readRecords(counting, this.target.topicId, query, from, now + 1, { maxWindows: 1, concurrency: options.searches }));
      for (const r of records) newest = Math.max(newest, r.time);
      this.take(records, held);
      const due = searches > 1 ? this.heldReports : [...this.heldReports, ...held];
      this.heldReports = searches > 1 ? held : [];
      for (const report of due.sort((a, b) => a.time - b.time)) this.handle(this.assembler.add(report));
    }
    this.position = Math.max(this.position, Math.min(newest, now));
    // What the next poll cannot read again is forgotten.
    const horizon = Math.max(options.fromMs, this.position - overlap) - 1;
    for (const [key, time] of this.seen) if (time < horizon) this.seen.delete(key);
    for (const [key, time] of this.fetched) if (time < horizon) this.fetched.delete(key);
    // A Report before the horizon had all its records before it: none can come late any more. Lines of requests
    // never seen started (simplified log format, started before the tail) will never complete.
    this.assembler.forgetCompletedBefore(horizon);
    this.assembler.forgetUnstartedBefore(horizon);
    this.stats.polls++;
    this.stats.remembered = this.seen.size + this.fetched.size + this.assembler.rememberedCount;
    this.stats.open = this.assembler.openCount;
  }
}

async function collect(pages: AsyncGenerator<ClsRecord[]>): Promise<ClsRecord[]> {
  const all: ClsRecord[] = [];
  for await (const page of pages) all.push(...page);
  return all;
}

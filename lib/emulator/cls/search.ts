// CLS SearchLog (API 3.0, cls 2020-10-16) over the emulator's topics, as strict as the cloud: the same fields,
// defaults, limits and error codes, so that what the cloud would refuse the emulator refuses too. One topic per
// search (the emulator has no multi-topic search) and search conditions only (no SQL after `|`).
import { createHash } from 'node:crypto';
import { ApiFault } from '../api-fault';
import { matchesQuery, parseQuery, QuerySyntaxError, type QuerySyntax } from './query';
import type { RecordKey, StoredRecord, ClsStore } from './topics';

export type Params = Record<string, any>;

export interface SearchLimits {
  /** Records per page: default and most. */
  defaultLimit: number;
  maxLimit: number;
  /** Records one Context chain can reach. */
  contextRecords: number;
  /** How long a Context is good for after it was issued. */
  contextTtlMs: number;
  /** A page whose results are bigger than this is LimitExceeded.SearchResultTooLarge. */
  maxResultBytes: number;
  /** The query statement's length, in characters. */
  maxQueryChars: number;
  /** Searches in flight on one topic (see TopicSearchGate). */
  topicConcurrency: number;
  /**
   * Answer as CLS did before SDK 4.1.204: only the `Query` + `SyntaxRule` pair, `Query` required; `QueryString`
   * and `QuerySyntax` are unknown parameters.
   */
  legacyQueryOnly?: boolean;
}

export const SEARCH_LIMITS: SearchLimits = {
  defaultLimit: 100,
  maxLimit: 1000,
  contextRecords: 10_000,
  contextTtlMs: 3600_000,
  maxResultBytes: 20 * 1024 * 1024,
  maxQueryChars: 12_000,
  topicConcurrency: 15,
};

/** LogInfo, as the reply carries each record. */
export interface LogInfo {
  Time: number;
  TopicId: string;
  TopicName: string;
  Source: string;
  FileName: string;
  HostName: string;
  PkgId: string;
  PkgLogId: string;
  HighLights: Array<{ Key: string; Values: string[] }>;
  /** The record's fields as a JSON object of strings. */
  LogJson: string;
  RawLog: string;
  IndexStatus: string;
}

const EMPTY_LOG_INFO: LogInfo = { Time: 0, TopicId: '', TopicName: '', Source: '', FileName: '', HostName: '', PkgId: '', PkgLogId: '', HighLights: [], LogJson: '', RawLog: '', IndexStatus: '' };

/** The `Response` body of SearchLog, without `RequestId` (the HTTP layer adds it). */
export interface SearchLogReply {
  Context: string;
  ListOver: boolean;
  Analysis: false;
  Results: LogInfo[];
  ColNames: string[];
  AnalysisResults: unknown[];
  AnalysisRecords: null;
  Columns: null;
  SamplingRate: number;
  Topics: null;
}

const SEARCH_LOG_PARAMS = new Set([
  'From',
  'To',
  'QueryString',
  'QuerySyntax',
  'Query',
  'SyntaxRule',
  'TopicId',
  'Topics',
  'Sort',
  'Limit',
  'Offset',
  'Context',
  'SamplingRate',
  'UseNewAnalysis',
  'HighLight',
]);
/** API 3.0's common parameters: they may reach us in a GET or form request alongside the action's own. */
const COMMON_PARAMS = new Set(['Action', 'Version', 'Region', 'Timestamp', 'Nonce', 'SecretId', 'Signature', 'SignatureMethod', 'Token', 'Language', 'RequestClient']);

const given = (params: Params, name: string) => params[name] !== undefined && params[name] !== null;

function invalid(message: string): never {
  throw new ApiFault('InvalidParameter', message);
}

function string(params: Params, name: string): string | undefined {
  if (!given(params, name)) return undefined;
  if (typeof params[name] !== 'string') invalid(`The parameter \`${name}\` must be a string.`);
  return params[name];
}

/** An integer, from JSON (a number) or a query string or form (its digits). */
function integer(params: Params, name: string, min: number): number | undefined {
  if (!given(params, name)) return undefined;
  const raw = params[name];
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) invalid(`The parameter \`${name}\` must be an integer.`);
  if (n < min) invalid(`The parameter \`${name}\` must be at least ${min}.`);
  return n;
}

function boolean(params: Params, name: string): boolean | undefined {
  if (!given(params, name)) return undefined;
  const raw = params[name];
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  invalid(`The parameter \`${name}\` must be true or false.`);
}

function syntaxOf(params: Params, name: string, fallback: QuerySyntax): QuerySyntax {
  const value = integer(params, name, 0);
  if (value === undefined) return fallback;
  if (value > 1) invalid(`\`${name}\` must be 0 (Lucene) or 1 (CQL).`);
  return value === 0 ? 'lucene' : 'cql';
}

interface SearchRequest {
  topicId: string;
  from: number;
  to: number;
  query: string;
  syntax: QuerySyntax;
  limit: number;
  sort: 'asc' | 'desc';
  offset?: number;
  context?: string;
  samplingRate: number;
  useNewAnalysis: boolean;
  highLight: boolean;
}

function readRequest(params: Params, limits: SearchLimits): SearchRequest {
  for (const name of Object.keys(params)) {
    if (!SEARCH_LOG_PARAMS.has(name) && !COMMON_PARAMS.has(name)) {
      throw new ApiFault('UnknownParameter', `The parameter \`${name.slice(0, 100)}\` is not recognized.`);
    }
  }
  if (given(params, 'Topics')) {
    if (given(params, 'TopicId')) invalid('`TopicId` and `Topics` cannot be used together.');
    invalid('`Topics` (a search over several topics) is not supported by the emulator: search one `TopicId` at a time.');
  }
  const topicId = string(params, 'TopicId');
  if (!topicId) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `TopicId`.');
  for (const name of ['From', 'To']) if (!given(params, name)) throw new ApiFault('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  const from = integer(params, 'From', 0)!;
  const to = integer(params, 'To', 0)!;
  if (from >= to) invalid('`From` must be before `To` (milliseconds; the range is [From, To)).');

  // Two generations of the same pair: Query + SyntaxRule (Lucene unless told), QueryString + QuerySyntax (CQL).
  const legacy = given(params, 'Query') || given(params, 'SyntaxRule');
  const current = given(params, 'QueryString') || given(params, 'QuerySyntax');
  if (limits.legacyQueryOnly) {
    for (const name of ['QueryString', 'QuerySyntax']) if (given(params, name)) throw new ApiFault('UnknownParameter', `The parameter \`${name}\` is not recognized.`);
    if (!given(params, 'Query')) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `Query`.');
  }
  if (legacy && current) invalid('Use either `Query` and `SyntaxRule` or `QueryString` and `QuerySyntax`, not both.');
  const query = (legacy ? string(params, 'Query') : string(params, 'QueryString')) ?? '';
  const syntax = legacy ? syntaxOf(params, 'SyntaxRule', 'lucene') : syntaxOf(params, 'QuerySyntax', 'cql');
  if (query.length > limits.maxQueryChars) invalid(`The query is longer than ${limits.maxQueryChars} characters.`);

  const limit = integer(params, 'Limit', 1) ?? limits.defaultLimit;
  if (limit > limits.maxLimit) invalid(`\`Limit\` must be at most ${limits.maxLimit}.`);
  const sort = string(params, 'Sort') ?? 'desc';
  if (sort !== 'asc' && sort !== 'desc') invalid('`Sort` must be asc or desc.');
  const offset = integer(params, 'Offset', 0);
  const context = string(params, 'Context') || undefined;
  if (offset !== undefined && context !== undefined) invalid('`Offset` and `Context` cannot be used together.');
  let samplingRate = 1;
  if (given(params, 'SamplingRate')) {
    const raw = params.SamplingRate;
    samplingRate = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!(samplingRate >= 0 && samplingRate <= 1)) invalid('`SamplingRate` must be between 0 and 1.');
  }
  return {
    topicId,
    from,
    to,
    query,
    syntax,
    limit,
    sort,
    offset,
    context,
    samplingRate,
    useNewAnalysis: boolean(params, 'UseNewAnalysis') ?? false,
    highLight: boolean(params, 'HighLight') ?? false,
  };
}

/** Everything a Context is tied to: every parameter but the Context itself (and Offset, which excludes it). */
function fingerprint(req: SearchRequest): string {
  const { topicId, from, to, query, syntax, limit, sort, samplingRate, useNewAnalysis, highLight } = req;
  return createHash('sha256')
    .update(JSON.stringify([topicId, from, to, query, syntax, limit, sort, samplingRate, useNewAnalysis, highLight]))
    .digest('hex');
}

/**
 * SearchLog: `params` are the request's PascalCase parameters (after signature checks), `now` the epoch ms the
 * search runs at. Returns the `Response` body without RequestId, or throws ApiFault with CLS's codes.
 *
 * Paging: `Context` continues after the last record of the page that returned it; it is refused
 * (FailedOperation.InvalidContext) once any other parameter changed, an hour after it was issued, and once its
 * chain has served `contextRecords` records (the page reaching that many says ListOver: false when more match,
 * and its Context is then refused). `Offset` skips matching records, with no cap.
 */
export function searchLog(params: Params, store: ClsStore, now: number, overrides: Partial<SearchLimits> = {}): SearchLogReply {
  const limits = { ...SEARCH_LIMITS, ...overrides };
  const req = readRequest(params, limits);
  const topic = store.topic(req.topicId);
  if (!topic) throw new ApiFault('ResourceNotFound.TopicNotExist', `The log topic \`${req.topicId}\` does not exist.`);
  let query;
  try {
    query = parseQuery(req.query, req.syntax, topic.info.fieldTypes);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw new ApiFault('FailedOperation.SyntaxError', `The query could not be parsed: ${err.message}`);
    throw err;
  }

  const print = fingerprint(req);
  let after: RecordKey | undefined;
  let served = 0;
  if (req.context !== undefined) {
    const found = store.cursors.lookup(req.context, now, limits.contextTtlMs);
    if ('problem' in found) {
      throw new ApiFault('FailedOperation.InvalidContext', found.problem === 'expired' ? 'The Context has expired (a Context is good for one hour).' : 'The Context does not exist.');
    }
    if (found.cursor.fingerprint !== print) {
      throw new ApiFault('FailedOperation.InvalidContext', 'The Context belongs to another search: pass it with the same parameters as the search that returned it.');
    }
    ({ after, served } = found.cursor);
    if (served >= limits.contextRecords) {
      throw new ApiFault(
        'FailedOperation.InvalidContext',
        `A Context reaches at most ${limits.contextRecords} logs: start a new search (a narrower time range) to read on.`,
      );
    }
  }

  const pageLimit = Math.min(req.limit, limits.contextRecords - served);
  const page: StoredRecord[] = [];
  let skipped = 0;
  let more = false;
  for (const stored of topic.scan(req.from, req.to, req.sort, after)) {
    if (stored.searchableAt > now || !matchesQuery(query, stored.doc())) continue;
    if (req.offset !== undefined && skipped < req.offset) {
      skipped++;
      continue;
    }
    if (page.length === pageLimit) {
      more = true;
      break;
    }
    page.push(stored);
  }

  let bytes = 0;
  // The reply's size, as JSON: LogJson escaped inside it, plus the rest of a LogInfo (fields of known size).
  const fixedBytes = Buffer.byteLength(JSON.stringify({ ...EMPTY_LOG_INFO, TopicId: topic.info.topicId, TopicName: topic.info.topicName }));
  const results = page.map((stored): LogInfo => {
    const info: LogInfo = {
      Time: stored.record.time,
      TopicId: topic.info.topicId,
      TopicName: topic.info.topicName,
      Source: '',
      FileName: '',
      HostName: '',
      PkgId: stored.record.pkgId,
      PkgLogId: stored.record.pkgLogId,
      HighLights: [],
      LogJson: JSON.stringify(stored.record.fields),
      RawLog: '',
      IndexStatus: '',
    };
    bytes += fixedBytes + Buffer.byteLength(JSON.stringify(info.LogJson)) + Buffer.byteLength(info.PkgId) + Buffer.byteLength(info.PkgLogId) + String(info.Time).length + 1;
    if (bytes > limits.maxResultBytes) {
      throw new ApiFault(
        'LimitExceeded.SearchResultTooLarge',
        `The logs found exceed the ${Math.round(limits.maxResultBytes / 1048576)} MB a search may return: lower Limit or narrow the query.`,
      );
    }
    return info;
  });

  const last = page[page.length - 1];
  const context = store.cursors.issue(
    { fingerprint: print, after: last ? { time: last.time, seq: last.seq } : after, served: served + page.length, issuedAt: now },
    limits.contextTtlMs,
  );
  return {
    Context: context,
    ListOver: !more,
    Analysis: false,
    Results: results,
    ColNames: [],
    AnalysisResults: [],
    AnalysisRecords: null,
    Columns: null,
    SamplingRate: 0,
    Topics: null,
  };
}

/** DescribeLogHistogram's parameters (its page: From, To, Query required; TopicId, Interval, SyntaxRule). */
const HISTOGRAM_PARAMS = new Set(['TopicId', 'From', 'To', 'Query', 'Interval', 'SyntaxRule']);
/** At most this many intervals in the range: (To - From) / Interval <= 200. */
const HISTOGRAM_INTERVALS = 200;

export interface LogHistogramReply {
  Interval: number;
  TotalCount: number;
  HistogramInfos: Array<{ Count: number; BTime: number }>;
}

/**
 * DescribeLogHistogram: how many records matching `Query` (Lucene unless SyntaxRule says CQL) lie in each
 * `Interval` of [From, To), each interval's BTime its start rounded down to the interval, empty ones included (the
 * page's example lists them). Without Interval, the shortest one that keeps to 200 intervals.
 */
export function logHistogram(params: Params, store: ClsStore, now: number, overrides: Partial<SearchLimits> = {}): LogHistogramReply {
  const limits = { ...SEARCH_LIMITS, ...overrides };
  for (const name of Object.keys(params)) {
    if (!HISTOGRAM_PARAMS.has(name) && !COMMON_PARAMS.has(name)) throw new ApiFault('UnknownParameter', `The parameter \`${name.slice(0, 100)}\` is not recognized.`);
  }
  for (const name of ['From', 'To', 'Query']) if (!given(params, name)) throw new ApiFault('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
  const topicId = string(params, 'TopicId');
  if (!topicId) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `TopicId`.');
  const from = integer(params, 'From', 0)!;
  const to = integer(params, 'To', 0)!;
  if (from >= to) invalid('`From` must be before `To` (milliseconds; the range is [From, To)).');
  const query = string(params, 'Query')!;
  if (query.length > limits.maxQueryChars) invalid(`The query is longer than ${limits.maxQueryChars} characters.`);
  const interval = integer(params, 'Interval', 1) ?? Math.ceil((to - from) / HISTOGRAM_INTERVALS);
  if ((to - from) / interval > HISTOGRAM_INTERVALS) invalid(`\`Interval\` must be at least (To - From) / ${HISTOGRAM_INTERVALS}: ${Math.ceil((to - from) / HISTOGRAM_INTERVALS)} ms for this range.`);
  const topic = store.topic(topicId);
  if (!topic) throw new ApiFault('ResourceNotFound.TopicNotExist', `The log topic \`${topicId}\` does not exist.`);
  let condition;
  try {
    condition = parseQuery(query, syntaxOf(params, 'SyntaxRule', 'lucene'), topic.info.fieldTypes);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw new ApiFault('FailedOperation.SyntaxError', `The query could not be parsed: ${err.message}`);
    throw err;
  }
  const first = Math.floor(from / interval) * interval;
  const counts = new Array<number>(Math.ceil((to - first) / interval)).fill(0);
  let total = 0;
  for (const stored of topic.scan(from, to, 'asc', undefined)) {
    if (stored.searchableAt > now || !matchesQuery(condition, stored.doc())) continue;
    counts[Math.floor((stored.time - first) / interval)]++;
    total++;
  }
  return { Interval: interval, TotalCount: total, HistogramInfos: counts.map((count, i) => ({ Count: count, BTime: first + i * interval })) };
}

/**
 * CLS runs at most 15 searches at once on one topic; one more is LimitExceeded.LogSearch. The HTTP layer holds
 * a slot around each SearchLog: `const release = gate.acquire(topicId); try { … } finally { release(); }`.
 */
export class TopicSearchGate {
  private readonly inFlight = new Map<string, number>();
  /** The most searches each topic had in flight at once since the last `resetPeaks`. */
  private readonly peaks = new Map<string, number>();

  constructor(private readonly limit = SEARCH_LIMITS.topicConcurrency) {}

  acquire(topicId: string): () => void {
    const held = this.inFlight.get(topicId) ?? 0;
    if (held >= this.limit) {
      throw new ApiFault('LimitExceeded.LogSearch', `More than ${this.limit} searches at once on topic \`${topicId}\`.`);
    }
    this.inFlight.set(topicId, held + 1);
    this.peaks.set(topicId, Math.max(this.peaks.get(topicId) ?? 0, held + 1));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(topicId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(topicId, left);
      else this.inFlight.delete(topicId);
    };
  }

  inFlightOn(topicId: string): number {
    return this.inFlight.get(topicId) ?? 0;
  }

  peakOn(topicId: string): number {
    return this.peaks.get(topicId) ?? 0;
  }

  resetPeaks(): void {
    this.peaks.clear();
  }
}

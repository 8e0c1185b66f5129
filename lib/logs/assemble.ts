// CLS records → requests. SCF writes several records per invocation (START, one per log line, ERROR on failure,
// Response, END, and a Report that carries the outcome); they are gathered per request and handed out as one
// request when its Report arrives. Pure: no I/O, no clock.
import type { ClsRecord } from '../cloud/types';
import { outcomeOfStatusCode, parseFunctionError, type RequestLog } from './model';

interface Line {
  logTimeNs: bigint;
  text: string;
}

interface Partial {
  functionName: string;
  namespace: string;
  requestId: string;
  retryNum: number;
  startMs: number;
  /**
   * A record carrying SCF_StartTime was seen. In SCF's simplified log format user lines carry none: lines of a
   * request whose START and Report were not read (it started outside the range) never make it started, and are
   * not a request of the range.
   */
  started: boolean;
  /** The time of its newest record, ms. */
  lastMs: number;
  lines: Line[];
  bytes: number;
  /** Lines dropped to keep the request within the cap, and their bytes. */
  droppedLines: number;
  droppedBytes: number;
}

/**
 * What a record told: a request now complete, a line of one already handed out (late: the request is told by who
 * it was, without its lines), or nothing yet.
 */
export type AssembledEvent = { kind: 'complete'; request: RequestLog } | { kind: 'late'; request: RequestLog; line: string };

/** A record's identity: the same record read twice (overlapping reads) has the same key. */
export function recordKey(record: ClsRecord): string {
  const f = record.fields;
  return `${f.SCF_RequestId}/${f.SCF_RetryNum}/${f.SCF_LogTime}/${record.pkgId}/${record.pkgLogId}`;
}

function requestKey(fields: Record<string, string>): string {
  return `${fields.SCF_RequestId}/${fields.SCF_RetryNum ?? '0'}`;
}

/** Log time in ns; records without one sort by their time in ms. */
function logTimeOf(record: ClsRecord): bigint {
  const ns = record.fields.SCF_LogTime;
  if (ns && /^\d+$/.test(ns)) return BigInt(ns);
  return BigInt(Math.floor(record.time)) * 1_000_000n;
}

const ERROR_LINE = /^ERROR RequestId:\s*\S+\s+Result:\s?([\s\S]*)$/;
const RESPONSE_LINE = /^Response RequestId:\s*\S+\s+RetMsg:\s?([\s\S]*)$/;
const REPORT_LINE = /^Report RequestId:/;

export interface AssemblerOptions {
  /** The serverless.yml key of a deployed function name. */
  functionKeyOf?(functionName: string, namespace: string): string | undefined;
  /** Requests handed out are remembered this many at most, to recognise their late lines. */
  rememberCompleted?: number;
  /** Lines kept per open request: a request logging more keeps its last ones (SCF caps its log too). */
  maxLineBytes?: number;
}

export class RequestAssembler {
  private readonly open = new Map<string, Partial>();
  /** Recently completed requests (insertion order = completion order) and their Report's time, for late lines. */
  private readonly completed = new Map<string, { request: RequestLog; at: number }>();

  constructor(private readonly options: AssemblerOptions = {}) {}

  /** Requests begun and not yet complete. */
  get openCount(): number {
    return this.open.size;
  }

  /** Completed requests remembered (to recognise their late lines). */
  get rememberedCount(): number {
    return this.completed.size;
  }

  /** The oldest start among open requests (started ones: see Partial.started), or undefined. */
  oldestOpenStart(): number | undefined {
    let oldest: number | undefined;
    for (const p of this.open.values()) if (p.started && (oldest === undefined || p.startMs < oldest)) oldest = p.startMs;
    return oldest;
  }

  /** Forgets lines of requests never seen started whose newest line is older than `timeMs` (a tail's horizon). */
  forgetUnstartedBefore(timeMs: number): void {
    for (const [key, p] of this.open) if (!p.started && p.lastMs < timeMs) this.open.delete(key);
  }

  add(record: ClsRecord): AssembledEvent | undefined {
    const f = record.fields;
    if (!f.SCF_RequestId) return undefined;
    const key = requestKey(f);
    const message = f.SCF_Message ?? '';
    const done = this.completed.get(key);
    if (done) return { kind: 'late', request: done.request, line: message };
    const startMs = Number(f.SCF_StartTime) || undefined;
    let partial = this.open.get(key);
    if (!partial) {
      partial = {
        functionName: f.SCF_FunctionName ?? '',
        namespace: f.SCF_Namespace ?? '',
        requestId: f.SCF_RequestId,
        retryNum: Number(f.SCF_RetryNum) || 0,
        startMs: startMs ?? record.time,
        started: startMs !== undefined,
        lastMs: record.time,
        lines: [],
        bytes: 0,
        droppedLines: 0,
        droppedBytes: 0,
      };
      this.open.set(key, partial);
    } else if (!partial.started && startMs !== undefined) {
      partial.startMs = startMs;
      partial.started = true;
    }
    partial.lastMs = Math.max(partial.lastMs, record.time);
    partial.lines.push({ logTimeNs: logTimeOf(record), text: message });
    partial.bytes += message.length;
    const cap = this.options.maxLineBytes ?? 2 * 1024 * 1024;
    while (partial.bytes > cap && partial.lines.length > 1) {
      const dropped = partial.lines.shift()!.text.length;
      partial.bytes -= dropped;
      partial.droppedLines++;
      partial.droppedBytes += dropped;
    }
    if (f.SCF_Type === 'Platform' && REPORT_LINE.test(message)) {
      this.open.delete(key);
      const request = this.build(partial, f, message, 'complete');
      this.remember(key, request, record.time);
      return { kind: 'complete', request };
    }
    return undefined;
  }

  /** Every open request seen started, as running (the read reached its end before their Report). */
  flush(): RequestLog[] {
    const requests = [...this.open.values()].filter((p) => p.started).map((p) => this.build(p, undefined, undefined, 'running'));
    this.open.clear();
    return requests.sort((a, b) => a.startMs - b.startMs);
  }

  /** Forgets the completed requests whose Report is older than `timeMs`: no record of theirs can come any more. */
  forgetCompletedBefore(timeMs: number): void {
    for (const [key, done] of this.completed) if (done.at < timeMs) this.completed.delete(key);
  }

  private remember(key: string, request: RequestLog, at: number): void {
    // Who it was is all a late line needs: its lines and outcome are not kept.
    const { lines: _lines, error: _error, retMsg: _retMsg, omitted: _omitted, ...who } = request;
    this.completed.set(key, { request: { ...who, lines: [] }, at });
    const max = this.options.rememberCompleted ?? 10_000;
    if (this.completed.size > max) this.completed.delete(this.completed.keys().next().value!);
  }

  private build(p: Partial, report: Record<string, string> | undefined, reportMessage: string | undefined, state: 'complete' | 'running'): RequestLog {
    const lines = [...p.lines].sort((a, b) => (a.logTimeNs < b.logTimeNs ? -1 : a.logTimeNs > b.logTimeNs ? 1 : 0)).map((l) => l.text);
    let error: RequestLog['error'];
    let retMsg: string | undefined;
    for (const line of lines) {
      const e = ERROR_LINE.exec(line);
      if (e) error = parseFunctionError(e[1]);
      const r = RESPONSE_LINE.exec(line);
      if (r) retMsg = r[1];
    }
    const request: RequestLog = {
      functionName: p.functionName,
      namespace: p.namespace,
      functionKey: this.options.functionKeyOf?.(p.functionName, p.namespace),
      requestId: p.requestId,
      retryNum: p.retryNum,
      startMs: p.startMs,
      outcome: 'running',
      lines,
      source: 'cls',
    };
    if (p.droppedLines) request.omitted = { lines: p.droppedLines, bytes: p.droppedBytes };
    if (state === 'running' || !report) {
      request.statusCode = 202;
      return request;
    }
    const statusCode = Number(report.SCF_StatusCode);
    request.statusCode = Number.isFinite(statusCode) ? statusCode : undefined;
    request.outcome = outcomeOfStatusCode(request.statusCode ?? 500);
    const duration = /Duration:\s*([\d.]+)\s*ms/.exec(reportMessage ?? '')?.[1] ?? report.SCF_Duration;
    if (duration !== undefined && Number.isFinite(Number(duration))) request.durationMs = Number(duration);
    // The Report names no billed duration: SCF bills the duration in whole milliseconds, at least one (as
    // GetFunctionLogs' BillDuration shows). A Report that does name it is believed.
    const billed = /Billed\s*(?:Duration)?:\s*([\d.]+)\s*ms/i.exec(reportMessage ?? '')?.[1];
    if (billed !== undefined && Number.isFinite(Number(billed))) request.billDurationMs = Number(billed);
    else if (request.durationMs !== undefined) request.billDurationMs = Math.max(1, Math.ceil(request.durationMs));
    const memMb = /MemUsage:\s*([\d.]+)\s*MB/.exec(reportMessage ?? '')?.[1];
    if (memMb !== undefined) request.memUsageBytes = Math.round(Number(memMb) * 1048576);
    if (request.outcome !== 'succeeded') request.error = error ?? (retMsg ? parseFunctionError(retMsg) : undefined);
    else request.retMsg = retMsg;
    return request;
  }
}

/**
 * Hands requests out in the order they started although they complete in another: a completed request waits
 * until no open request started before it. `maxHeld` bounds what waits behind a long-running request; past it
 * the oldest waiting is let out (out of order rather than unbounded memory).
 */
export class StartOrder {
  private held: RequestLog[] = [];

  constructor(private readonly maxHeld = 5000) {}

  /** Adds a completed request; returns what may go out now, given the oldest open start and the reading position. */
  push(request: RequestLog | undefined, oldestOpenStart: number | undefined, positionMs: number): RequestLog[] {
    if (request) insertSorted(this.held, request);
    const watermark = Math.min(oldestOpenStart ?? Infinity, positionMs);
    let out = 0;
    while (out < this.held.length && (this.held[out].startMs < watermark || this.held.length - out > this.maxHeld)) out++;
    return this.held.splice(0, out);
  }

  /** Everything still held, in start order. */
  drain(): RequestLog[] {
    const all = this.held;
    this.held = [];
    return all;
  }
}

function insertSorted(list: RequestLog[], item: RequestLog): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].startMs <= item.startMs) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, item);
}

// The records SCF writes to CLS for one invocation, in the order it writes them:
//   START RequestId:<id>                                            Platform, SCF_StatusCode 202
//   one record per log line                                         Custom, 202
//   ERROR RequestId:<id> Result:<error>          (failures only)    Platform, 202
//   Response RequestId:<id> RetMsg:<value>                          Platform, 202
//   END RequestId:<id>                                              Platform, 202
//   Report RequestId:<id> Duration:<d>ms Memory:<m>MB MemUsage:<u>MB Platform, the final status, duration, memory
// Every field is a string. SCF_LogTime (ns) strictly increases within an invocation, so sorting by it keeps
// the order written; a record's `time` (ms) is its SCF_LogTime's millisecond. SCF_MemUsage is in bytes with two
// decimals ("0.00" until the Report): the unit is not documented, bytes is what Tencent's own dashboards divide.
import { randomBytes } from 'node:crypto';
import type { ClsRecord } from '../../cloud/types';

/** SCF cuts every record's message at 8 KB ("超出将截取前8KB"). */
export const MESSAGE_MAX_BYTES = 8 * 1024;
/** Ends a message that was cut, within the 8 KB. */
export const TRUNCATION_MARKER = ' [truncated by SCF: over 8 KB]';

export interface InvocationLogInfo {
  functionName: string;
  namespace: string;
  /** `$LATEST`, a version number, or what an alias resolved to. */
  qualifier: string;
  /** The alias invoked, or '' (the usual value). */
  alias: string;
  requestId: string;
  retryNum: number;
  /** Epoch ms. */
  startMs: number;
  /** SCF's simplified log format: fewer fields on every record but the Report. */
  simplified?: boolean;
}

export interface LogLine {
  /** Epoch ms when the line was written. */
  timeMs: number;
  text: string;
}

export interface InvocationOutcome {
  /** 200 success; 430/443 user code error, 433 timeout, 434 memory, 499 cancelled, 500 internal... */
  statusCode: number;
  /** The return value (or the error reply) as SCF reports it. */
  retMsg: string;
  /** Set on failure: the ERROR record's `Result:`. */
  errorMessage?: string;
  durationMs: number;
  memUsageBytes: number;
  /** The function's configured memory, MB. */
  memorySize: number;
}

const RUNNING = '202';
const NS_PER_MS = 1_000_000n;

/** Cuts `text` to at most `maxBytes` of UTF-8, marker included, never inside a character. */
export function capMessage(text: string, maxBytes = MESSAGE_MAX_BYTES): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(TRUNCATION_MARKER);
  const bytes = Buffer.from(text).subarray(0, room);
  // A character cut in two decodes as U+FFFD at the end: drop it.
  return bytes.toString('utf8').replace(/\uFFFD+$/, '') + TRUNCATION_MARKER;
}

/** MB with up to six decimals, no trailing zeros: 31178752 bytes → "29.734375". */
export function megabytes(bytes: number): string {
  return (bytes / 1048576).toFixed(6).replace(/\.?0+$/, '');
}

/**
 * Writes one invocation's records as it runs: `start()` when it starts, `line()` for each log line as it
 * arrives, `end()` once with the outcome. Each returns the records to append to the function's topic.
 */
export class InvocationLog {
  private lastLogTimeNs = -1n;
  private readonly pkgId = `${randomBytes(8).toString('hex').toUpperCase()}-${(Math.floor(Math.random() * 0xfff) + 1).toString(16).toUpperCase()}`;
  private pkgLogIndex = 0;
  private ended = false;

  constructor(private readonly info: InvocationLogInfo) {}

  start(): ClsRecord {
    return this.record(this.info.startMs, `START RequestId:${this.info.requestId}`, 'Platform');
  }

  line(line: LogLine): ClsRecord {
    return this.record(line.timeMs, capMessage(line.text), 'Custom');
  }

  /** ERROR (on failure), Response, END and Report; `endMs` defaults to start + duration. */
  end(outcome: InvocationOutcome, endMs = this.info.startMs + outcome.durationMs): ClsRecord[] {
    if (this.ended) throw new Error(`The log of ${this.info.requestId} has already ended.`);
    this.ended = true;
    const id = this.info.requestId;
    const records: ClsRecord[] = [];
    if (outcome.errorMessage !== undefined) records.push(this.record(endMs, capMessage(`ERROR RequestId:${id} Result:${outcome.errorMessage}`), 'Platform'));
    records.push(this.record(endMs, capMessage(`Response RequestId:${id} RetMsg:${outcome.retMsg}`), 'Platform'));
    records.push(this.record(endMs, `END RequestId:${id}`, 'Platform'));
    const report = `Report RequestId:${id} Duration:${Math.round(outcome.durationMs)}ms Memory:${outcome.memorySize}MB MemUsage:${megabytes(outcome.memUsageBytes)}MB`;
    records.push(
      this.record(endMs, report, 'Platform', {
        statusCode: String(outcome.statusCode),
        duration: String(Math.round(outcome.durationMs)),
        memUsage: outcome.memUsageBytes.toFixed(2),
      }),
    );
    return records;
  }

  private record(timeMs: number, message: string, type: 'Platform' | 'Custom', final?: { statusCode: string; duration: string; memUsage: string }): ClsRecord {
    let logTimeNs = BigInt(Math.floor(timeMs)) * NS_PER_MS;
    if (logTimeNs <= this.lastLogTimeNs) logTimeNs = this.lastLogTimeNs + 1n;
    this.lastLogTimeNs = logTimeNs;
    const info = this.info;
    // Alphabetical, as SCF's own records serialize; no prototype, though every key here is ours.
    const fields: Record<string, string> = Object.assign(Object.create(null), {
      SCF_Alias: info.alias,
      SCF_Duration: final?.duration ?? '0',
      SCF_FunctionName: info.functionName,
      SCF_Level: 'INFO',
      SCF_LogTime: logTimeNs.toString(),
      SCF_MemUsage: final?.memUsage ?? '0.00',
      SCF_Message: message,
      SCF_Namespace: info.namespace,
      SCF_Qualifier: info.qualifier,
      SCF_RequestId: info.requestId,
      SCF_RetryNum: String(info.retryNum),
      SCF_StartTime: String(Math.floor(info.startMs)),
      SCF_StatusCode: final?.statusCode ?? RUNNING,
      SCF_Type: type,
    });
    if (info.simplified && !final) {
      // The simplified format (log-format page 583/60336): every record but the Report goes without these; user
      // lines without their request's start time too.
      for (const key of ['SCF_Duration', 'SCF_MemUsage', 'SCF_Level', 'SCF_StatusCode']) delete fields[key];
      if (type === 'Custom') delete fields.SCF_StartTime;
    }
    return { time: Number(logTimeNs / NS_PER_MS), fields, pkgId: this.pkgId, pkgLogId: String(65536 + this.pkgLogIndex++) };
  }
}

// One request as `sls logs` shows it, whichever source served it (CLS SearchLog, or GetFunctionLogs as the
// fallback): when it started, how it ended, and its log lines in order. Pure.
import { containsPhrase } from '../cloud/cls-tokens';
import type { LogEntry } from '../cloud/types';
import { parseCst } from '../time/cst';

/** What became of a request: machine values, for `--json` and filters. */
export type RequestOutcome = 'succeeded' | 'failed' | 'timeout' | 'memory-limit' | 'interrupted' | 'running';

export interface RequestLog {
  functionName: string;
  namespace: string;
  /** The function's key in serverless.yml, when the command knows it. */
  functionKey?: string;
  requestId: string;
  retryNum: number;
  /** Epoch ms. */
  startMs: number;
  outcome: RequestOutcome;
  /** SCF's status code (200 success, 433 timeout, 434 memory, ...), when the source tells it. */
  statusCode?: number;
  durationMs?: number;
  billDurationMs?: number;
  memUsageBytes?: number;
  /** Why it failed: the error's message and type, when it failed. */
  error?: { message: string; type?: string };
  /** The return value as the function gave it (JSON text), when known. */
  retMsg?: string;
  /** Every log line of the request, platform lines included, in order. */
  lines: string[];
  /** Earlier lines left out (a request that logged more than is kept, its last lines kept), when any were. */
  omitted?: { lines: number; bytes: number };
  source: 'cls' | 'scf';
}

/**
 * SCF status code → outcome (CLS-LOGS.md §2.3). Only 499 (RequestCanceled: terminated, or the gateway gave up)
 * is an interruption; 439 (the user's process exited) is the function failing.
 */
export function outcomeOfStatusCode(code: number): RequestOutcome {
  if (code === 200) return 'succeeded';
  if (code === 202) return 'running';
  if (code === 433) return 'timeout';
  if (code === 434) return 'memory-limit';
  if (code === 499) return 'interrupted';
  return 'failed';
}

/** GetFunctionLogs' RetCode (0 ok, 2 running, 3 interrupted, other failed; 433/434 as SCF codes). */
export function outcomeOfRetCode(entry: Pick<LogEntry, 'retCode' | 'invokeFinished'>): RequestOutcome {
  if (entry.invokeFinished !== 1 || entry.retCode === 2) return 'running';
  if (entry.retCode === 0) return 'succeeded';
  if (entry.retCode === 3) return 'interrupted';
  if (entry.retCode === 433) return 'timeout';
  if (entry.retCode === 434) return 'memory-limit';
  return 'failed';
}

/** The `statusCode` SCF puts in a failure's error JSON (`{"errorCode":-1,...,"statusCode":430}`), if any. */
export function statusCodeOfError(text: string): number | undefined {
  try {
    const parsed = JSON.parse(text.trim());
    const code = parsed && typeof parsed === 'object' ? Number(parsed.statusCode) : NaN;
    return Number.isInteger(code) && code >= 100 ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The status code of a GetFunctionLogs entry, as CLS's Report would carry it: 202 running, 200 success, the
 * error JSON's own code, an SCF code given as RetCode (433, 434), 499 for RetCode 3 (interrupted).
 */
function statusCodeOfEntry(entry: LogEntry, outcome: RequestOutcome): number | undefined {
  if (outcome === 'running') return 202;
  if (outcome === 'succeeded') return 200;
  const fromError = statusCodeOfError(entry.retMsg);
  if (fromError !== undefined) return fromError;
  if (entry.retCode >= 400) return entry.retCode;
  if (outcome === 'interrupted') return 499;
  return undefined;
}
/** The message and type of an SCF error text (`{"errorMessage":...,"errorType":...}`), or the text itself. */
export function parseFunctionError(text: string): { message: string; type?: string } | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const parsed = JSON.parse(trimmed);
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') {
      return { message: parsed.errorMessage, type: typeof parsed.errorType === 'string' ? parsed.errorType : undefined };
    }
  } catch {
    // not JSON: the text is the message
  }
  return { message: trimmed };
}

/** A GetFunctionLogs entry as a request. */
export function requestFromEntry(entry: LogEntry, namespace: string): RequestLog {
  let outcome = outcomeOfRetCode(entry);
  const statusCode = statusCodeOfEntry(entry, outcome);
  // RetCode 1 says only "failed": the error's own status code tells a timeout or memory limit apart.
  if (outcome === 'failed' && statusCode !== undefined) outcome = outcomeOfStatusCode(statusCode);
  const failed = outcome !== 'succeeded' && outcome !== 'running';
  return {
    functionName: entry.functionName,
    namespace,
    requestId: entry.requestId,
    retryNum: entry.retryNum,
    startMs: parseCst(entry.startTime) ?? 0,
    outcome,
    statusCode,
    durationMs: entry.duration,
    billDurationMs: entry.billDuration,
    memUsageBytes: entry.memUsage,
    error: failed ? parseFunctionError(entry.retMsg) : undefined,
    retMsg: failed ? undefined : entry.retMsg,
    lines: entry.log.replace(/\n+$/, '').split('\n').filter((line, i, all) => line !== '' || i < all.length - 1),
    source: 'scf',
  };
}

export type FinalOutcome = Exclude<RequestOutcome, 'running'>;

/** What `sls logs` narrows a read to, whichever source serves it. */
export interface RequestFilters {
  qualifier?: string;
  requestId?: string;
  /** Only requests with a line holding this phrase, and only those lines. */
  grep?: string;
  /** Only requests that ended so. */
  outcomes?: FinalOutcome[];
}

/**
 * A request as the filters leave it (its lines narrowed to those holding `--grep`, matched as CLS matches a
 * phrase), or undefined when it is not shown: it did not end as asked, or no line holds the text.
 */
export function applyFilters(request: RequestLog, filters: Pick<RequestFilters, 'grep' | 'outcomes'>): RequestLog | undefined {
  if (filters.outcomes && !filters.outcomes.includes(request.outcome as FinalOutcome)) return undefined;
  if (filters.grep !== undefined) {
    const lines = request.lines.filter((line) => containsPhrase(line, filters.grep!));
    if (!lines.length) return undefined;
    return { ...request, lines };
  }
  return request;
}

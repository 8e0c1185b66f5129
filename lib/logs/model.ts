// One request as `sls logs` shows it, whichever source served it (CLS SearchLog, or GetFunctionLogs as the
// fallback): when it started, how it ended, and its log lines in order. Pure.
import type { LogEntry } from '../cloud/types';
import { parseCst } from '../time/cst';

/** What became of a request: machine values, for `--json` and filters. */
export type RequestOutcome = 'succeeded' | 'failed' | 'timeout' | 'memory-limit' | 'interrupted' | 'running';

export interface RequestLog {
  functionName: string;
  namespace: string;
  /** The function's key in serverless.yml, when the command knows it (several functions at once). */
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
  source: 'cls' | 'scf';
}

/** SCF status code → outcome (CLS-LOGS.md §2.3). */
export function outcomeOfStatusCode(code: number): RequestOutcome {
  if (code === 200) return 'succeeded';
  if (code === 202) return 'running';
  if (code === 433) return 'timeout';
  if (code === 434) return 'memory-limit';
  if (code === 499 || code === 439) return 'interrupted';
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
  const outcome = outcomeOfRetCode(entry);
  const failed = outcome !== 'succeeded' && outcome !== 'running';
  return {
    functionName: entry.functionName,
    namespace,
    requestId: entry.requestId,
    retryNum: entry.retryNum,
    startMs: parseCst(entry.startTime) ?? 0,
    outcome,
    statusCode: outcome === 'running' ? 202 : entry.retCode === 0 ? 200 : entry.retCode >= 400 ? entry.retCode : undefined,
    durationMs: entry.duration,
    billDurationMs: entry.billDuration,
    memUsageBytes: entry.memUsage,
    error: failed ? parseFunctionError(entry.retMsg) : undefined,
    retMsg: failed ? undefined : entry.retMsg,
    lines: entry.log.replace(/\n+$/, '').split('\n').filter((line, i, all) => line !== '' || i < all.length - 1),
    source: 'scf',
  };
}

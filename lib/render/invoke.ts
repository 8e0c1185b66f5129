// Rendering of invoke results: pure functions from the model to text.
import { plainText } from '../cloud/errors';
import type { InvokeResult, RequestStatus } from '../cloud/types';
import { parseCst } from '../time/cst';
import { formatLocal } from '../time/parse';

/**
 * The function's return value: pretty JSON when it is JSON (control characters stay escaped in it), else the
 * text without terminal control sequences.
 */
export function formatResult(retMsg: string): string {
  try {
    return JSON.stringify(JSON.parse(retMsg), null, 2);
  } catch {
    return plainText(retMsg);
  }
}

/** SCF reports a function error as JSON with an errorMessage: the message itself, or the text as it is. */
export function functionErrorMessage(errMsg: string): string {
  try {
    const parsed = JSON.parse(errMsg);
    if (parsed && typeof parsed === 'object' && typeof parsed.errorMessage === 'string') return plainText(parsed.errorMessage);
  } catch {
    // not JSON: as it is
  }
  return plainText(errMsg);
}

/** Memory as every command shows it: megabytes with one decimal (`40.2 MB`). */
export function megabytes(mb: number): string {
  return `${mb.toFixed(1)} MB`;
}

export function invokeSummary(result: InvokeResult): string {
  return `RequestId: ${plainText(result.functionRequestId)}  Duration: ${result.duration} ms  Billed: ${result.billDuration} ms  Memory: ${megabytes(result.memUsage / 1048576)}`;
}

/** GetRequestStatus gives memory in MB and the start in UTC+8: shown as every command shows them (local time, offset). */
export function statusSummary(status: RequestStatus): string {
  const startMs = parseCst(status.startTime);
  const started = startMs === undefined ? `${plainText(status.startTime)} +08:00` : formatLocal(startMs);
  return `RequestId: ${plainText(status.requestId)}  Duration: ${status.duration} ms  Memory: ${megabytes(status.memUsage)}  Started: ${started}`;
}

/** The one sentence of a failed invocation, whichever way it ran (sync, --wait, legacy, local). */
export function functionFailed(functionName: string, message: string, requestId: string): string {
  return `Function ${functionName} failed: ${message} (RequestId ${plainText(requestId)})`;
}

// Rendering of invoke results: pure functions from the model to text.
import { plainText } from '../cloud/errors';
import type { InvokeResult, RequestStatus } from '../cloud/types';

/** The function's return value: pretty JSON when it is JSON, as it is otherwise. */
export function formatResult(retMsg: string): string {
  try {
    return JSON.stringify(JSON.parse(retMsg), null, 2);
  } catch {
    return retMsg;
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

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export function invokeSummary(result: InvokeResult): string {
  return `RequestId: ${result.functionRequestId}  Duration: ${result.duration} ms  Billed: ${result.billDuration} ms  Memory: ${megabytes(result.memUsage)}`;
}

export function statusSummary(status: RequestStatus): string {
  return `RequestId: ${status.requestId}  Duration: ${status.duration} ms  Memory: ${status.memUsage} MB  Started: ${status.startTime} (UTC+8)`;
}

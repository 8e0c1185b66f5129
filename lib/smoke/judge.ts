// Judges a finished request against a check's expectations. Pure.
import { isDeepStrictEqual } from 'util';
import type { RequestStatus } from '../cloud/types';
import type { SmokeExpect } from './config';
import { functionErrorMessage } from '../render/invoke';

/** The reason a result fails its expectations, or undefined when it passes. */
export function judge(status: RequestStatus, expect: SmokeExpect): string | undefined {
  const succeeded = status.retCode === 0;
  if (expect.success && !succeeded) return `the function failed: ${errorMessage(status.retMsg)}`;
  if (!expect.success && succeeded) return 'the function succeeded, but the check expects it to fail';
  let value: unknown = status.retMsg;
  try {
    value = JSON.parse(status.retMsg);
  } catch {
    // not JSON: the text itself
  }
  if (expect.contains !== undefined) {
    const text = typeof value === 'string' ? value : status.retMsg;
    if (!text.includes(expect.contains)) return `the result does not contain "${expect.contains}": ${clip(status.retMsg)}`;
  }
  if (expect.hasEquals && !isDeepStrictEqual(value, expect.equals)) {
    return `the result ${clip(status.retMsg)} does not equal ${clip(JSON.stringify(expect.equals))}`;
  }
  if (expect.maxDuration !== undefined && status.duration > expect.maxDuration) {
    return `it took ${status.duration} ms, more than the ${expect.maxDuration} ms allowed`;
  }
  return undefined;
}

function errorMessage(retMsg: string): string {
  return clip(functionErrorMessage(retMsg)) || 'no error message';
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

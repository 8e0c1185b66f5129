// Everything wrong with serverless.yml, gathered before anything is sent: one line per problem, each naming the
// key (`functions.api.memorySize must be ...`), so a user fixes them all in one pass instead of one per deploy.
import { inputError } from '../cloud/errors';

export class Problems {
  readonly lines: string[] = [];

  /** `where` is the key path (`functions.api.timeout`); `sentence` follows it (`must be ...`). */
  add(where: string, sentence: string): void {
    this.lines.push(`${where} ${sentence}`);
  }

  get empty(): boolean {
    return this.lines.length === 0;
  }

  /** One inputError holding every line; nothing when there is no problem. */
  throwIfAny(): void {
    if (this.lines.length === 1) throw inputError(this.lines[0]);
    if (this.lines.length > 1) throw inputError(`serverless.yml has ${this.lines.length} problems:\n${this.lines.join('\n')}`);
  }
}

/** A value as a message shows it: JSON, cut short. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(object: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key) && object[key] !== undefined && object[key] !== null;
}

/** A whole number from a number or a string of digits (serverless variables resolve to strings). */
export function wholeNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value.trim());
  return undefined;
}

/** A boolean from a boolean or the strings true/false (as `${env:...}` resolves). */
export function booleanValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

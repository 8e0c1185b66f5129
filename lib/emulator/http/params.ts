// Request data → parameters, without ever letting it reach a prototype: every object built here has none, and
// keys that name one (`__proto__`, `constructor`, `prototype`) are refused outright.
import { ApiFault } from '../api-fault';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type FlatParams = Record<string, string>;

function refuse(key: string): never {
  throw new ApiFault('InvalidParameter', `The parameter name \`${key.slice(0, 100)}\` is not allowed.`);
}

/** Query or form text → a flat map with no prototype (later values of a repeated name win). */
export function flatParams(...sources: URLSearchParams[]): FlatParams {
  const out: FlatParams = Object.create(null);
  for (const source of sources) for (const [key, value] of source) out[key] = value;
  return out;
}

/** `Filter.RetCode=x`, `Status.0=y` → nested objects and arrays, none with a prototype to reach. */
export function unflatten(flat: FlatParams): Record<string, any> {
  const out: Record<string, any> = Object.create(null);
  for (const key of Object.keys(flat)) {
    const parts = key.split('.');
    if (parts.some((part) => FORBIDDEN_KEYS.has(part))) refuse(key);
    let node = out;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) {
        node[part] = flat[key];
        return;
      }
      const existing = node[part];
      if (existing !== undefined && (typeof existing !== 'object' || existing === null)) refuse(key);
      node = node[part] ??= /^\d+$/.test(parts[index + 1]) ? [] : Object.create(null);
    });
  }
  return out;
}

/** A JSON body → its object. Not an object (`null`, a list, a number) is InvalidParameter, as are forbidden keys anywhere. */
export function jsonParams(body: Buffer): Record<string, any> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.length ? body.toString('utf8') : '{}');
  } catch {
    throw new ApiFault('InvalidParameter', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ApiFault('InvalidParameter', 'The request body must be a JSON object.');
  }
  checkKeys(parsed);
  return parsed as Record<string, any>;
}

function checkKeys(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) checkKeys(item);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) refuse(key);
    checkKeys((value as Record<string, unknown>)[key]);
  }
}

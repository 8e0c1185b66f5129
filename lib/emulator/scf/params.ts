// Reading API parameters as the real API does: typed, with the API's own error codes for what is missing or
// malformed. Request data is only ever read from here, never used as keys of an object with a prototype.
import { ApiFault } from '../api-fault';
import { parseCst } from '../../time/cst';

export type Params = Record<string, any>;

export function str(params: Params, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') {
    if (required) throw new ApiFault('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new ApiFault('InvalidParameter', `The parameter \`${name}\` must be a string.`);
  return value;
}

export function int(params: Params, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (!Number.isInteger(n) || n < 0) throw new ApiFault('InvalidParameterValue', `The parameter \`${name}\` must be a non-negative integer.`);
  return n;
}

export function strList(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ApiFault('InvalidParameter', `The parameter \`${name}\` must be an array of strings.`);
  }
  return value;
}

export function timeParam(params: Params, name: string, code = 'InvalidParameterValue.DateTime'): number | undefined {
  const text = str(params, name);
  if (text === undefined) return undefined;
  const ms = parseCst(text);
  if (ms === undefined) throw new ApiFault(code, `\`${name}\` "${text}" is not a time of the form YYYY-MM-DD HH:mm:ss.`);
  return ms;
}

export const seconds = (ms: number) => Math.floor(ms / 1000);

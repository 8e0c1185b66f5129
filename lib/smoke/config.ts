// Reads the smoke-check configuration (custom.scf.smoke and each function's `smoke`) into checks. Pure apart
// from reading event files; every mistake is a one-line error before anything is sent.
import * as fs from 'fs';
import * as path from 'path';
import { inputError } from '../cloud/errors';
import type { FunctionTarget } from '../cloud/types';

export interface SmokeExpect {
  success: boolean;
  contains?: string;
  equals?: unknown;
  hasEquals: boolean;
  maxDuration?: number;
}

export interface SmokeCheck {
  key: string;
  target: FunctionTarget;
  /** ClientContext: JSON text. */
  event: string;
  timeoutMs: number;
  expect: SmokeExpect;
}

export interface SmokeSettings {
  concurrency: number;
  failDeploy: boolean;
  junit?: string;
  /** custom.scf.smoke.timeout: seconds any check may take, unless its own `timeout` says otherwise. */
  timeoutSeconds?: number;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readSmokeSettings(custom: unknown): SmokeSettings {
  const smoke = isObject(custom) && isObject(custom.scf) ? custom.scf.smoke : undefined;
  if (smoke === undefined) return { concurrency: 5, failDeploy: true };
  if (!isObject(smoke)) throw inputError('custom.scf.smoke must be a mapping (concurrency, timeout, failDeploy, junit).');
  const concurrency = smoke.concurrency ?? 5;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 50) throw inputError(`custom.scf.smoke.concurrency must be a whole number from 1 to 50, not ${JSON.stringify(concurrency)}.`);
  if (smoke.failDeploy !== undefined && typeof smoke.failDeploy !== 'boolean') throw inputError('custom.scf.smoke.failDeploy must be true or false.');
  if (smoke.junit !== undefined && (typeof smoke.junit !== 'string' || !smoke.junit.trim())) throw inputError('custom.scf.smoke.junit must be a file path.');
  if (smoke.timeout !== undefined && !(typeof smoke.timeout === 'number' && smoke.timeout > 0)) throw inputError('custom.scf.smoke.timeout must be a positive number of seconds.');
  const settings: SmokeSettings = { concurrency, failDeploy: smoke.failDeploy ?? true, junit: smoke.junit };
  if (smoke.timeout !== undefined) settings.timeoutSeconds = smoke.timeout;
  return settings;
}

export interface FunctionSmokeInput {
  key: string;
  target: FunctionTarget;
  smoke: unknown;
  /** The function's own timeout, seconds. */
  functionTimeout: number;
}

/** One function's check, or undefined when it has none. */
export function readSmokeCheck(input: FunctionSmokeInput, settings: Pick<SmokeSettings, 'timeoutSeconds'>, serviceDir: string): SmokeCheck | undefined {
  const { key, smoke } = input;
  const where = `functions.${key}.smoke`;
  if (smoke === undefined || smoke === null || smoke === false) return undefined;
  const defaultTimeoutMs = (settings.timeoutSeconds ?? input.functionTimeout + 30) * 1000;
  if (smoke === true) {
    return { key, target: input.target, event: '{}', timeoutMs: defaultTimeoutMs, expect: { success: true, hasEquals: false } };
  }
  if (!isObject(smoke)) throw inputError(`${where} must be true or a mapping (event, eventPath, qualifier, timeout, expect).`);
  const known = new Set(['event', 'eventPath', 'qualifier', 'timeout', 'expect']);
  const unknown = Object.keys(smoke).filter((k) => !known.has(k));
  if (unknown.length) throw inputError(`${where} has unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.join(', ')}: use event, eventPath, qualifier, timeout, expect.`);
  if (smoke.event !== undefined && smoke.eventPath !== undefined) throw inputError(`${where}: give event or eventPath, not both.`);
  let event = '{}';
  if (smoke.event !== undefined) event = JSON.stringify(smoke.event);
  if (smoke.eventPath !== undefined) {
    if (typeof smoke.eventPath !== 'string') throw inputError(`${where}.eventPath must be a file path.`);
    const file = path.resolve(serviceDir, smoke.eventPath);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw inputError(`${where}.eventPath ${smoke.eventPath} does not exist.`);
    }
    try {
      event = JSON.stringify(/\.ya?ml$/i.test(file) ? (require('js-yaml') as typeof import('js-yaml')).load(text) : JSON.parse(text));
    } catch (error) {
      throw inputError(`${where}.eventPath ${smoke.eventPath} does not parse: ${String((error as Error).message).split('\n')[0]}.`);
    }
  }
  if (smoke.qualifier !== undefined && typeof smoke.qualifier !== 'string') throw inputError(`${where}.qualifier must be a string.`);
  if (smoke.timeout !== undefined && !(typeof smoke.timeout === 'number' && smoke.timeout > 0)) throw inputError(`${where}.timeout must be a positive number of seconds.`);
  const expect = smoke.expect ?? {};
  if (!isObject(expect)) throw inputError(`${where}.expect must be a mapping (success, contains, equals, maxDuration).`);
  const unknownExpect = Object.keys(expect).filter((k) => !['success', 'contains', 'equals', 'maxDuration'].includes(k));
  if (unknownExpect.length) throw inputError(`${where}.expect has unknown ${unknownExpect.length === 1 ? 'key' : 'keys'} ${unknownExpect.join(', ')}: use success, contains, equals, maxDuration.`);
  if (expect.success !== undefined && typeof expect.success !== 'boolean') throw inputError(`${where}.expect.success must be true or false.`);
  if (expect.contains !== undefined && typeof expect.contains !== 'string') throw inputError(`${where}.expect.contains must be text.`);
  if (expect.maxDuration !== undefined && !(typeof expect.maxDuration === 'number' && expect.maxDuration > 0)) throw inputError(`${where}.expect.maxDuration must be a positive number of milliseconds.`);
  return {
    key,
    target: { ...input.target, qualifier: smoke.qualifier },
    event,
    timeoutMs: typeof smoke.timeout === 'number' ? smoke.timeout * 1000 : defaultTimeoutMs,
    expect: { success: expect.success ?? true, contains: expect.contains, equals: expect.equals, hasEquals: 'equals' in expect, maxDuration: expect.maxDuration },
  };
}

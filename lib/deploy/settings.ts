// Concurrency and async settings of a function, each reconciled like any other setting (removed from
// serverless.yml → cleared in the cloud): reservedConcurrency (SCF counts it in MB of memory: a count of instances
// is converted with the function's memory, `1280MB` is taken as it is), provisionedConcurrency on a published
// version (the one the deploy publishes, or the one it keeps current), asyncRetries and asyncMessageTtl. Parsing
// and planning are pure; apply runs the steps (waiting for provisioned instances to be Done).
import { inputError } from '../cloud/errors';
import type { AsyncInvokeConfig, ProvisionedConcurrency } from '../cloud/types';
import { booleanValue, has, isPlainObject, Problems, show, wholeNumber } from './problems';

/** SCF's async defaults (what a function has when nothing is set): 2 retries, messages kept 6 hours. */
export const ASYNC_DEFAULTS: AsyncInvokeConfig = { retries: 2, msgTtl: 21_600 };
export const ASYNC_LIMITS = { retries: [0, 2], msgTtl: [60, 21_600] } as const;
export const PROVISIONED_MAX = 1000;

export interface FunctionSettings {
  /** MB; undefined: none (cleared when set in the cloud). */
  reservedMem?: number;
  /** Instances on a published version: `qualifier` a version number, else the version the deploy publishes. */
  provisioned?: { count: number; qualifier?: string };
  /** Undefined: SCF's defaults. */
  async?: AsyncInvokeConfig;
}

/** What a deploy reads of a function's settings. */
export interface SettingsRead {
  reservedMem?: number;
  provisioned: ProvisionedConcurrency[];
  async?: AsyncInvokeConfig;
}

/** The function's concurrency and async keys → its settings; `memorySize` converts a count of instances. */
export function functionSettings(fn: Record<string, unknown>, where: string, memorySize: number, problems: Problems): FunctionSettings {
  const settings: FunctionSettings = {};
  if (has(fn, 'reservedConcurrency')) {
    const value = fn.reservedConcurrency;
    const mb = typeof value === 'string' && /^\s*\d+\s*MB\s*$/i.test(value) ? Number(value.replace(/\D/g, '')) : undefined;
    const count = wholeNumber(value);
    if (mb !== undefined) settings.reservedMem = mb;
    else if (count !== undefined && count >= 0) settings.reservedMem = count * memorySize;
    else problems.add(`${where}.reservedConcurrency`, `must be a number of instances (converted to MB with the function's ${memorySize} MB: SCF reserves memory, not instances) or MB like "1280MB", not ${show(value)}`);
  }
  if (has(fn, 'provisionedConcurrency')) {
    const value = fn.provisionedConcurrency;
    const count = wholeNumber(isPlainObject(value) ? value.count : value);
    const qualifier = isPlainObject(value) ? value.qualifier : undefined;
    if (isPlainObject(value)) for (const key of Object.keys(value)) if (key !== 'count' && key !== 'qualifier') problems.add(`${where}.provisionedConcurrency.${key}`, 'is not a setting: use count and qualifier');
    if (count === undefined || count < 1 || count > PROVISIONED_MAX) problems.add(`${where}.provisionedConcurrency`, `must be a number of instances from 1 to ${PROVISIONED_MAX} (or { count, qualifier }), not ${show(value)}`);
    else if (qualifier !== undefined && (typeof qualifier !== 'string' && typeof qualifier !== 'number' ? true : !/^\d+$/.test(String(qualifier)))) {
      problems.add(`${where}.provisionedConcurrency.qualifier`, `must be a published version number (SCF provisions versions, never $LATEST; leave it out for the version the deploy publishes), not ${show(qualifier)}`);
    } else settings.provisioned = qualifier === undefined ? { count } : { count, qualifier: String(qualifier) };
  }
  const retries = has(fn, 'asyncRetries') ? wholeNumber(fn.asyncRetries) : undefined;
  const ttl = has(fn, 'asyncMessageTtl') ? wholeNumber(fn.asyncMessageTtl) : undefined;
  if (has(fn, 'asyncRetries') && (retries === undefined || retries < ASYNC_LIMITS.retries[0] || retries > ASYNC_LIMITS.retries[1])) {
    problems.add(`${where}.asyncRetries`, `must be a whole number from ${ASYNC_LIMITS.retries[0]} to ${ASYNC_LIMITS.retries[1]} (how often SCF runs a failed async event again), not ${show(fn.asyncRetries)}`);
  }
  if (has(fn, 'asyncMessageTtl') && (ttl === undefined || ttl < ASYNC_LIMITS.msgTtl[0] || ttl > ASYNC_LIMITS.msgTtl[1])) {
    problems.add(`${where}.asyncMessageTtl`, `must be a whole number of seconds from ${ASYNC_LIMITS.msgTtl[0]} to ${ASYNC_LIMITS.msgTtl[1]} (how long SCF keeps an async event), not ${show(fn.asyncMessageTtl)}`);
  }
  if (has(fn, 'asyncRetries') || has(fn, 'asyncMessageTtl')) settings.async = { retries: retries ?? ASYNC_DEFAULTS.retries, msgTtl: ttl ?? ASYNC_DEFAULTS.msgTtl };
  return settings;
}

export type SettingsStep =
  | { action: 'putReserved'; mb: number; reason: string }
  | { action: 'deleteReserved'; reason: string }
  | { action: 'updateAsync'; config: AsyncInvokeConfig; reason: string }
  /** Provisions `qualifier`, or the version the deploy publishes when it has none; waits until Done. */
  | { action: 'provision'; count: number; qualifier?: string; reason: string }
  | { action: 'unprovision'; qualifier: string; reason: string };

/**
 * The steps that bring a function's settings to serverless.yml. `published` is the version publishing keeps current
 * when the deploy publishes nothing new; `publishes` whether it publishes one now (then provisioning follows it).
 */
export function planSettings(want: FunctionSettings, read: SettingsRead, { publishes, published, key }: { publishes: boolean; published?: string; key: string }): SettingsStep[] {
  const steps: SettingsStep[] = [];
  if (want.reservedMem !== undefined && want.reservedMem !== read.reservedMem) {
    steps.push({ action: 'putReserved', mb: want.reservedMem, reason: `reserved concurrency ${read.reservedMem ?? 'none'} → ${want.reservedMem} MB` });
  } else if (want.reservedMem === undefined && read.reservedMem !== undefined) {
    steps.push({ action: 'deleteReserved', reason: `reserved concurrency (${read.reservedMem} MB) is no longer in serverless.yml` });
  }
  // A function not read yet (new) has SCF's defaults.
  const async = want.async ?? ASYNC_DEFAULTS;
  const haveAsync = read.async ?? ASYNC_DEFAULTS;
  if (haveAsync.retries !== async.retries || haveAsync.msgTtl !== async.msgTtl) {
    const back = want.async ? '' : ' (SCF\'s defaults: no longer in serverless.yml)';
    steps.push({ action: 'updateAsync', config: async, reason: `async retries ${haveAsync.retries} → ${async.retries}, message TTL ${haveAsync.msgTtl} → ${async.msgTtl} s${back}` });
  }
  const provisioned = want.provisioned;
  let target: string | undefined;
  if (provisioned) {
    if (provisioned.qualifier !== undefined) target = provisioned.qualifier;
    else if (!publishes) target = published;
    if (provisioned.qualifier === undefined && !publishes && published === undefined) {
      throw inputError(`functions.${key}.provisionedConcurrency provisions a published version, and this function publishes none: set custom.scf.deploy.publish (or an alias or strategy), or give provisionedConcurrency.qualifier a version number.`);
    }
    const have = target === undefined ? undefined : read.provisioned.find((p) => p.qualifier === target);
    if (target === undefined || !have || have.allocated !== provisioned.count || have.status === 'Failed') {
      steps.push({ action: 'provision', count: provisioned.count, ...(target === undefined ? {} : { qualifier: target }), reason: `provisioned concurrency ${provisioned.count} on ${target === undefined ? 'the version this deploy publishes' : `version ${target}`}${have ? ` (was ${have.allocated}, ${have.status})` : ''}` });
    }
  }
  for (const p of read.provisioned) {
    if (p.qualifier === target) continue;
    steps.push({ action: 'unprovision', qualifier: p.qualifier, reason: provisioned ? `version ${p.qualifier} is no longer the one provisioned` : `provisioned concurrency (${p.allocated} on version ${p.qualifier}) is no longer in serverless.yml` });
  }
  return steps;
}

/** Whether a `webSocket` key is on, and its idle timeout. */
export function webSocketOf(value: unknown, where: string, problems: Problems): number | undefined {
  if (value === undefined || value === null) return undefined;
  const flag = booleanValue(value);
  if (flag === false) return undefined;
  if (flag === true) return 15;
  const seconds = isPlainObject(value) ? wholeNumber(value.idleTimeout) : undefined;
  if (seconds === undefined || seconds < 1 || seconds > 1800) {
    problems.add(where, `must be true or { idleTimeout } with 1 to 1800 seconds, not ${show(value)}`);
    return undefined;
  }
  return seconds;
}

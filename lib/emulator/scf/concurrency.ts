// Concurrency and async settings of a function: reserved concurrency (MB of memory, not instances), provisioned
// concurrency per published version (InProgress, then Done, or Failed with a reason), and the async retry
// settings; and what they do to invocations: a sync run past the reserved MB is refused as SCF refuses it (status
// 432, ResourceLimitReached), an async one waits for room, and a failed async event is run again as set.
import { ApiFault } from '../api-fault';
import type { FunctionRecord, ProvisionedRecord } from '../store/account';
import { findFunction, type ScfContext } from './context';
import { type Params, str } from './params';
import { globMatch, wholeNumber } from './validate';

/** The account's concurrency in MB (SCF-RELEASES.md: 128,000 MB in the big regions); reserved totals stop 12,800 short. */
export const ACCOUNT_CONCURRENCY_MB = 128_000;
const UNRESERVABLE_MB = 12_800;
/** Provisioned instances a function may hold in all, as GetProvisionedConcurrencyConfig counts what is left. */
const PROVISIONED_INSTANCES = 1000;
/** SCF's async defaults (the vendor toolkit's): 2 retries, messages kept 6 hours. */
export const ASYNC_DEFAULTS = { retries: 2, msgTtl: 21_600 } as const;
export const ASYNC_LIMITS = { retries: [0, 2], msgTtl: [60, 21_600] } as const;

export function putReservedConcurrencyConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const mem = wholeNumber(params.ReservedConcurrencyMem, 'ReservedConcurrencyMem');
  if (mem === undefined) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `ReservedConcurrencyMem`.');
  if (mem < 0) throw new ApiFault('InvalidParameterValue.ReservedConcurrencyMem', 'ReservedConcurrencyMem is MB of memory, 0 or more.');
  const others = [...ctx.account.functions.values()].filter((f) => f !== fn).reduce((sum, f) => sum + (f.reservedMem ?? 0), 0);
  const room = ACCOUNT_CONCURRENCY_MB - UNRESERVABLE_MB - others;
  if (mem > room) {
    throw new ApiFault('InvalidParameterValue.ReservedConcurrencyMem', `ReservedConcurrencyMem ${mem} MB exceeds what the account can still reserve (${room} MB: its ${ACCOUNT_CONCURRENCY_MB} MB less ${UNRESERVABLE_MB} MB and what other functions reserve).`);
  }
  fn.reservedMem = mem;
  ctx.commit();
  return {};
}

export function getReservedConcurrencyConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  return { ReservedMem: fn.reservedMem ?? null };
}

export function deleteReservedConcurrencyConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  delete fn.reservedMem;
  ctx.commit();
  return {};
}

function versionQualifier(fn: FunctionRecord, params: Params): string {
  const qualifier = str(params, 'Qualifier', true)!;
  if (!/^\d+$/.test(qualifier)) throw new ApiFault('InvalidParameterValue.Qualifier', `Provisioned concurrency is set on a published version (a number), not \`${qualifier.slice(0, 60)}\`.`);
  if (!fn.versions.has(qualifier)) throw new ApiFault('ResourceNotFound.Version', `Version ${qualifier} of \`${fn.functionName}\` does not exist.`);
  return qualifier;
}

function provisionedStatus(p: ProvisionedRecord, now: number): { status: string; reason: string; available: number } {
  if (now < p.readyAtMs) return { status: 'InProgress', reason: '', available: 0 };
  if (p.failure) return { status: 'Failed', reason: p.failure, available: 0 };
  return { status: 'Done', reason: '', available: p.count };
}

export function putProvisionedConcurrencyConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = versionQualifier(fn, params);
  const count = wholeNumber(params.VersionProvisionedConcurrencyNum, 'VersionProvisionedConcurrencyNum');
  if (count === undefined) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `VersionProvisionedConcurrencyNum`.');
  if (count < 1) throw new ApiFault('InvalidParameterValue.VersionProvisionedConcurrencyNum', 'VersionProvisionedConcurrencyNum is 1 or more.');
  const others = (fn.provisioned ?? []).filter((p) => p.qualifier !== qualifier).reduce((sum, p) => sum + p.count, 0);
  if (others + count > PROVISIONED_INSTANCES) {
    throw new ApiFault('LimitExceeded.FunctionTotalProvisionedConcurrencyNum', `The function's versions would hold ${others + count} provisioned instances: at most ${PROVISIONED_INSTANCES}.`);
  }
  const failing = ctx.behaviour.provisionedFailures?.some((glob) => globMatch(glob, fn.functionName));
  const record: ProvisionedRecord = { qualifier, count, readyAtMs: ctx.now() + (ctx.lifecycle.delayMs > 0 ? ctx.lifecycle.delayMs : 0) };
  if (failing) record.failure = `Insufficient resources: ${count} instance(s) of ${fn.config.memorySize} MB could not be prepared (injected by the emulator).`;
  fn.provisioned = [...(fn.provisioned ?? []).filter((p) => p.qualifier !== qualifier), record];
  ctx.commit();
  return {};
}

export function getProvisionedConcurrencyConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = str(params, 'Qualifier');
  const now = ctx.now();
  const all = fn.provisioned ?? [];
  return {
    UnallocatedConcurrencyNum: Math.max(0, PROVISIONED_INSTANCES - all.reduce((sum, p) => sum + p.count, 0)),
    Allocated: all
      .filter((p) => qualifier === undefined || p.qualifier === qualifier)
      .map((p) => {
        const { status, reason, available } = provisionedStatus(p, now);
        return { AllocatedProvisionedConcurrencyNum: p.count, AvailableProvisionedConcurrencyNum: available, Status: status, StatusReason: reason, Qualifier: p.qualifier, TriggerActions: [] };
      }),
  };
}

export function deleteProvisionedConcurrencyConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const qualifier = str(params, 'Qualifier', true)!;
  fn.provisioned = (fn.provisioned ?? []).filter((p) => p.qualifier !== qualifier);
  ctx.commit();
  return {};
}

export function updateFunctionEventInvokeConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const config = params.AsyncTriggerConfig;
  if (!config || typeof config !== 'object' || Array.isArray(config)) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `AsyncTriggerConfig`.');
  const retryConfig = config.RetryConfig;
  if (!Array.isArray(retryConfig) || !retryConfig.length) throw new ApiFault('InvalidParameterValue.RetryConfig', 'AsyncTriggerConfig.RetryConfig lists {RetryNum}.');
  const retries = wholeNumber(retryConfig[0]?.RetryNum, 'RetryNum');
  const msgTtl = wholeNumber(config.MsgTTL, 'MsgTTL');
  if (retries === undefined || retries < ASYNC_LIMITS.retries[0] || retries > ASYNC_LIMITS.retries[1]) {
    throw new ApiFault('InvalidParameterValue.RetryNum', `RetryNum is ${ASYNC_LIMITS.retries[0]} to ${ASYNC_LIMITS.retries[1]}.`);
  }
  if (msgTtl === undefined || msgTtl < ASYNC_LIMITS.msgTtl[0] || msgTtl > ASYNC_LIMITS.msgTtl[1]) {
    throw new ApiFault('InvalidParameterValue.MsgTTL', `MsgTTL is ${ASYNC_LIMITS.msgTtl[0]} to ${ASYNC_LIMITS.msgTtl[1]} seconds.`);
  }
  fn.asyncConfig = { retries, msgTtl };
  ctx.commit();
  return {};
}

export function getFunctionEventInvokeConfig(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const { retries, msgTtl } = fn.asyncConfig ?? ASYNC_DEFAULTS;
  return { AsyncTriggerConfig: { RetryConfig: [{ RetryNum: retries }], MsgTTL: msgTtl } };
}

/**
 * How many runs of `fn` may go at once under its reserved concurrency (MB / memory), or undefined when none is set.
 */
export function reservedInstances(fn: FunctionRecord, memorySize: number): number | undefined {
  if (fn.reservedMem === undefined) return undefined;
  return Math.floor(fn.reservedMem / Math.max(1, memorySize));
}

/** Runs in progress per function, against its reserved concurrency. */
export class FunctionSlots {
  private readonly running = new Map<FunctionRecord, number>();

  /** A slot now, or undefined when `limit` are running (a sync call is then refused, an async one waits). */
  tryAcquire(fn: FunctionRecord, limit: number | undefined): (() => void) | undefined {
    const held = this.running.get(fn) ?? 0;
    if (limit !== undefined && held >= limit) return undefined;
    this.running.set(fn, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.running.get(fn) ?? 1) - 1;
      if (left) this.running.set(fn, left);
      else this.running.delete(fn);
    };
  }
}

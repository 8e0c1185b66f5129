// Every mutating SCF call is asynchronous: the function is Creating, Updating, Publishing or Deleting for a
// while, and only an Active function takes the next change. This waits, polling GetFunction, until it is Active
// (or gone), and ends the deploy with the status and SCF's reasons when it lands in a failed state.
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import { actionRate } from '../cloud/limits';
import { PollPool } from '../poll/pool';
import type { StatusBoard } from '../poll/status-board';
import type { ScfClient } from '../cloud/scf';
import { FAILED_STATUSES, type FunctionInfo, type FunctionStatus, type FunctionSummary, TRANSIENT_STATUSES } from '../cloud/types';

export interface WaitOptions {
  timeoutMs: number;
  clock: Clock;
  /** Told each new status. */
  onStatus?(status: string): void;
  /** The qualifier whose status counts (a version being published). */
  qualifier?: string;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** Shared with the other waits of a deploy, which it spends GetFunction's rate with (lib/poll/pool.ts). */
  pool?: PollPool;
  /** Where a deploy's creations and a remove's deletions are seen, a namespace listing at a time (lib/poll/status-board.ts). */
  board?: StatusBoard;
}

type Target = { functionName: string; namespace: string };

function reasons(info: FunctionInfo): string {
  const list = info.statusReasons.map((r) => `${r.errorCode}: ${r.errorMessage}`).filter((r) => r !== ': ');
  return list.length ? list.join('; ') : info.statusDesc || 'SCF gives no reason';
}

/** A function found in a failed state: the sentence that ends the deploy. */
export function failedStatusError(info: FunctionInfo, step: string): ScfError {
  return new ScfError('Plugin.FunctionFailedStatus', `${info.functionName} is ${info.status} after ${step}: ${reasons(info)}.`, {
    functionName: info.functionName,
    namespace: info.namespace,
  });
}

/** The end of a wait that ran out of custom.scf.deploy.timeout, naming the status it was last seen in. */
function timeoutError(target: Target, last: string | undefined, options: WaitOptions, what: string): ScfError {
  return new ScfError('Plugin.DeployTimeout', `${target.functionName} was still ${last ?? 'unknown'} after ${Math.round(options.timeoutMs / 1000)} s waiting for it to be ${what} (custom.scf.deploy.timeout).`, target);
}

/** GetFunction polls a second (the API's rate): the pool a wait joins when it is given none. */
const OWN_POOL_RATE = actionRate('scf', 'GetFunction');

/**
 * Polls GetFunction until `decide` says done. The first look comes at once (the status may already be final: a
 * function found busy, a change that went quickly); then from 100 ms, 1.5 times longer each time, at most a
 * second: transitions take from a few hundred ms (the emulator) to seconds (SCF), and the pool's learning of how
 * long they take (lib/poll/pool.ts) spends the rate on the functions most likely done.
 */
async function poll<T>(client: Pick<ScfClient, 'getFunction'>, target: Target, options: WaitOptions, decide: (info: FunctionInfo | undefined) => T | undefined, what: string): Promise<T> {
  const { clock } = options;
  const pool = options.pool ?? new PollPool(OWN_POOL_RATE, clock);
  const started = clock.now();
  let last: string | undefined;
  const check = async (): Promise<{ value: T } | undefined> => {
    const info = await client.getFunction({ ...target, qualifier: options.qualifier });
    const status = info?.status ?? 'gone';
    if (status !== last) {
      last = status;
      options.onStatus?.(status);
    }
    const done = decide(info);
    return done === undefined ? undefined : { value: done };
  };
  const timeout = () => timeoutError(target, last, options, what);
  // The first look at once, outside the pool's schedule: most waits of a deploy begin with a change just sent.
  const first = await check();
  if (first) return first.value;
  const done = await pool.wait({ startedAt: started, check, firstDelayMs: options.firstDelayMs ?? 100, maxDelayMs: options.maxDelayMs ?? 1000, deadline: started + options.timeoutMs, onTimeout: timeout });
  return done.value;
}

/** Waits until the function is Active; `step` names what was done, for the error. */
export function waitUntilActive(client: Pick<ScfClient, 'getFunction'>, target: Target, step: string, options: WaitOptions): Promise<FunctionInfo> {
  return poll(
    client,
    target,
    options,
    (info) => {
      if (!info) throw new ScfError('Plugin.FunctionGone', `${target.functionName} disappeared after ${step}: was it deleted meanwhile?`, target);
      if (info.status === 'Active') return info;
      if (FAILED_STATUSES.includes(info.status as FunctionStatus)) throw failedStatusError(info, step);
      if (!TRANSIENT_STATUSES.includes(info.status as FunctionStatus)) {
        throw new ScfError('Plugin.FunctionFailedStatus', `${target.functionName} is in a status this plugin does not know, ${info.status}, after ${step}.`, target);
      }
      return undefined;
    },
    'Active',
  );
}

/**
 * Waits on the board's listings until `decide` makes something of the function's entry; a status change is told.
 * The entry of a failed status is read again with GetFunction for SCF's reasons, which a listing does not carry.
 */
async function watch(client: Pick<ScfClient, 'getFunction'>, board: StatusBoard, target: Target, options: WaitOptions, done: (entry: FunctionSummary | undefined, whole: boolean) => boolean, what: string, step: string): Promise<void> {
  const started = options.clock.now();
  let last: string | undefined;
  const timeout = () => timeoutError(target, last, options, what);
  const entry = await board.watch(target, started, started + options.timeoutMs, (found, listing) => {
    const status = found?.status ?? (listing.whole ? 'gone' : last);
    if (status !== undefined && status !== last) {
      last = status;
      options.onStatus?.(status);
    }
    if (found && FAILED_STATUSES.includes(found.status as FunctionStatus)) return { failed: found };
    return done(found, listing.whole) ? { failed: undefined } : undefined;
  }, timeout);
  if (!entry.failed) return;
  const info = await client.getFunction(target);
  throw info ? failedStatusError(info, step) : new ScfError('Plugin.FunctionFailedStatus', `${target.functionName} was ${entry.failed.status} after ${step}.`, target);
}

/** Waits until a function this deploy created is Active: on the board's listings when there is one. */
export async function waitUntilCreated(client: Pick<ScfClient, 'getFunction'>, target: Target, options: WaitOptions): Promise<void> {
  if (!options.board || options.qualifier) {
    await waitUntilActive(client, target, 'CreateFunction', options);
    return;
  }
  await watch(client, options.board, target, options, (entry) => {
    if (!entry || TRANSIENT_STATUSES.includes(entry.status as FunctionStatus)) return false;
    if (entry.status === 'Active') return true;
    throw new ScfError('Plugin.FunctionFailedStatus', `${target.functionName} is in a status this plugin does not know, ${entry.status}, after CreateFunction.`, target);
  }, 'Active', 'CreateFunction');
}

/** Waits until GetFunction (or a whole listing of its namespace, on the board) no longer finds the function. */
export async function waitUntilGone(client: Pick<ScfClient, 'getFunction'>, target: Target, options: WaitOptions): Promise<void> {
  if (options.board && !options.qualifier) return watch(client, options.board, target, options, (entry, whole) => !entry && whole, 'deleted', 'DeleteFunction');
  return poll(
    client,
    target,
    options,
    (info) => {
      if (!info) return true;
      if (info.status === 'DeleteFailed') throw failedStatusError(info, 'DeleteFunction');
      return undefined;
    },
    'deleted',
  ).then(() => undefined);
}

// Every mutating SCF call is asynchronous: the function is Creating, Updating, Publishing or Deleting for a
// while, and only an Active function takes the next change. This waits, polling GetFunction, until it is Active
// (or gone), and ends the deploy with the status and SCF's reasons when it lands in a failed state.
import { ScfError } from '../cloud/errors';
import { abortableSleep, type Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import { FAILED_STATUSES, type FunctionInfo, type FunctionStatus, TRANSIENT_STATUSES } from '../cloud/types';

export interface WaitOptions {
  timeoutMs: number;
  clock: Clock;
  /** Told each new status. */
  onStatus?(status: string): void;
  /** The qualifier whose status counts (a version being published). */
  qualifier?: string;
  firstDelayMs?: number;
  maxDelayMs?: number;
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

/**
 * How long to sleep before status check `poll` + 1 (poll 0 is the check right after the call): `first` twice,
 * then 1.5 times longer each time, at most `max`. Transitions take from a few hundred ms (the emulator) to
 * seconds (SCF): a short start sees a quick one settle soon after it did, and the growth keeps the overshoot
 * of a long one within half its length, without a stream of GetFunction at SCF's pace.
 */
export function statusPollDelayMs(poll: number, first = 100, max = 1000): number {
  return Math.min(max, first * 1.5 ** Math.max(0, poll - 1));
}

async function poll<T>(client: Pick<ScfClient, 'getFunction'>, target: Target, options: WaitOptions, decide: (info: FunctionInfo | undefined) => T | undefined, what: string): Promise<T> {
  const { clock } = options;
  const deadline = clock.now() + options.timeoutMs;
  let last: string | undefined;
  for (let polls = 0; ; polls++) {
    const info = await client.getFunction({ ...target, qualifier: options.qualifier });
    const status = info?.status ?? 'gone';
    if (status !== last) {
      last = status;
      options.onStatus?.(status);
    }
    const done = decide(info);
    if (done !== undefined) return done;
    if (clock.now() >= deadline) {
      throw new ScfError('Plugin.DeployTimeout', `${target.functionName} was still ${status} after ${Math.round(options.timeoutMs / 1000)} s waiting for it to be ${what} (custom.scf.deploy.timeout).`, target);
    }
    const delay = statusPollDelayMs(polls, options.firstDelayMs, options.maxDelayMs);
    await abortableSleep(clock, Math.min(delay, Math.max(0, deadline - clock.now())));
  }
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

/** Waits until GetFunction no longer finds the function. */
export function waitUntilGone(client: Pick<ScfClient, 'getFunction'>, target: Target, options: WaitOptions): Promise<void> {
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

// Function status as SCF has it (SCF-DEPLOY.md §1): every mutating call answers at once and leaves the function
// Creating, Updating, Publishing or Deleting; after a delay it settles (Active, a failed state, or gone). Calls
// that need a settled function are refused with the API's codes. Deploy faults, by function-name glob, make
// creates and updates land in CreateFailed / UpdateFailed with StatusReasons.
import { ApiFault } from '../api-fault';
import type { FunctionStatus } from '../../cloud/types';
import { type FunctionRecord, resolveQualifier } from '../store/account';
import { globMatch } from './validate';

export interface DeployFault {
  /** A glob (`*`, `?`) over function names. */
  pattern: string;
  /** How many creates or updates of matching functions fail; absent: every one while the fault is set. */
  count?: number;
  /** The StatusReasons entry; defaults name the failed operation. */
  errorCode?: string;
  errorMessage?: string;
  /**
   * Instead of failing: the next change of a matching function finds it Updating, as when another client changed
   * it a moment before (it settles Active after a transition, unchanged), and is refused as the cloud refuses it.
   */
  busy?: boolean;
}

export type Transition = 'Creating' | 'Updating' | 'Publishing' | 'Deleting';

export const DEFAULT_TRANSITION_MS = 300;

interface Pending {
  timer?: NodeJS.Timeout;
  done(): void;
}

export class Lifecycle {
  private readonly pending = new Map<FunctionRecord, Pending>();
  private faultList: DeployFault[];

  constructor(
    public delayMs: number,
    faults: DeployFault[],
    /** Called after a function settles: the account changed. */
    private readonly settled: () => void,
  ) {
    this.faultList = faults.map((f) => ({ ...f }));
  }

  get faults(): DeployFault[] {
    return this.faultList.map((f) => ({ ...f }));
  }

  set faults(faults: DeployFault[]) {
    this.faultList = faults.map((f) => ({ ...f }));
  }

  /** Puts `fn` in `status` now, and runs `settle` (which sets where it ends) after the delay. */
  begin(fn: FunctionRecord, status: Transition, settle: () => void): void {
    fn.status = status;
    fn.statusDesc = '';
    fn.statusReasons = [];
    const entry: Pending = {
      done: () => {
        if (entry.timer) clearTimeout(entry.timer);
        this.pending.delete(fn);
        settle();
        this.settled();
      },
    };
    if (this.delayMs <= 0) return entry.done();
    entry.timer = setTimeout(entry.done, this.delayMs);
    entry.timer.unref();
    this.pending.set(fn, entry);
  }

  /** Settles every function in transition now (tests; start-up after a crash mid-transition). */
  settleAll(): void {
    for (const entry of [...this.pending.values()]) entry.done();
  }

  /** Forgets the pending transitions without running them (close: the account file keeps the state). */
  cancelAll(): void {
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
  }

  /** The fault that fails this create or update of `functionName`, if one is set (and counts it). */
  takeFault(functionName: string, busy = false): DeployFault | undefined {
    const index = this.faultList.findIndex((f) => Boolean(f.busy) === busy && globMatch(f.pattern, functionName) && (f.count === undefined || f.count > 0));
    if (index < 0) return undefined;
    const fault = this.faultList[index];
    if (fault.count !== undefined && --fault.count <= 0) this.faultList.splice(index, 1);
    return { ...fault };
  }
}

/** Lands `fn` in a failed state with the reason a deploy fault gives. */
export function fail(fn: FunctionRecord, status: FunctionStatus, fault: DeployFault, defaultCode: string): void {
  const message = fault.errorMessage ?? `Injected by the emulator's deploy fault \`${fault.pattern}\`.`;
  fn.status = status;
  fn.statusDesc = message;
  fn.statusReasons = [{ errorCode: fault.errorCode ?? defaultCode, errorMessage: message }];
}

/** Refuses unless `fn` is Active (or in one of `also`), with the code the refused action answers. */
export function requireStatus(fn: FunctionRecord, code: string, action: string, also: FunctionStatus[] = []): void {
  if (fn.status === 'Active' || also.includes(fn.status)) return;
  throw new ApiFault(code, `The function \`${fn.functionName}\` is ${fn.status}: ${action} cannot run now. Retry when its status is Active.`);
}

/**
 * A change of `fn` (UpdateFunctionCode, UpdateFunctionConfiguration, PublishVersion, CreateTrigger) refused unless
 * it is Active (or in one of `also`), as the cloud refuses it: UnauthorizedOperation.FunctionStatus, "Function
 * status Updating is not allowed to do UpdateFunctionConfiguration". A busy deploy fault strikes here first.
 */
export function requireChangeable(lifecycle: Lifecycle, fn: FunctionRecord, action: string, also: FunctionStatus[] = []): void {
  if (fn.status === 'Active' && lifecycle.takeFault(fn.functionName, true)) {
    lifecycle.begin(fn, 'Updating', () => {
      fn.status = 'Active';
    });
  }
  if (fn.status === 'Active' || also.includes(fn.status)) return;
  throw new ApiFault('UnauthorizedOperation.FunctionStatus', `Function status ${fn.status} is not allowed to do ${action}.`);
}

/**
 * Refuses to run a function that is not Active, as Invoke does (FailedOperation.FunctionStatusError). While
 * $LATEST is being updated or published, or after a failed update, published versions keep running.
 */
export function requireInvocable(fn: FunctionRecord, qualifier: string): void {
  if (fn.status === 'Active') return;
  const keepsVersions: FunctionStatus[] = ['Updating', 'UpdateFailed', 'Publishing', 'PublishFailed'];
  const resolved = resolveQualifier(fn, qualifier);
  if (keepsVersions.includes(fn.status) && resolved && resolved.version !== '$LATEST' && fn.versions.get(resolved.version)?.status === 'Active') return;
  throw new ApiFault('FailedOperation.FunctionStatusError', `The function \`${fn.functionName}\` is ${fn.status}: it cannot be invoked until it is Active.`);
}

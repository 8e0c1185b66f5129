// What the emulator does to requests on purpose: the API's own rate limits (per action, from the limits table
// the client reads too), and injected faults for tests — throttling, internal errors, gateway failures, resets,
// bodies that are not JSON, slow and late replies — rolled with seeded dice so runs can be repeated.
import { actionRate, type ServiceName } from '../../cloud/limits';
import { dice } from '../dice';

export interface Faults {
  /** Share of requests answered RequestLimitExceeded (or `throttleCode`) before anything runs. */
  throttleRate?: number;
  /**
   * The throttling code those get: RequestLimitExceeded (the default) or one of its kinds the cloud answers,
   * e.g. RequestLimitExceeded.UinLimitExceeded, .IPLimitExceeded, .GlobalRegionUinLimitExceeded.
   */
  throttleCode?: string;
  /** Share answered InternalError (or `errorCode`) before anything runs. */
  internalErrorRate?: number;
  /** The code those get: InternalError (the default), one of its kinds, or ServiceUnavailable. */
  errorCode?: string;
  /** Share answered HTTP 502 with an HTML page, after the action ran. */
  gatewayRate?: number;
  /** Share whose connection is reset after the action ran. */
  resetRate?: number;
  /** Share answered HTTP 200 with a body that is not JSON, after the action ran. */
  invalidJsonRate?: number;
  /** Share held `slowMs` before the reply (past a client's timeout). */
  slowRate?: number;
  slowMs?: number;
  /** Added to every reply, ms. */
  latencyMs?: number;
  /**
   * Requests a second per action beyond which RequestLimitExceeded is answered. Unset: each action's own
   * figure from the API's table, as the cloud does; 0: no limit.
   */
  rateLimit?: number;
  /**
   * ListFunctions answers as if it had been sent no Filters: an endpoint that ignores them (or a filter syntax
   * the cloud does not read), for tests that what deletes functions never trusts a list's word.
   */
  ignoreListFilters?: boolean;
  /** Restrict the faults above (not the rate limits) to these actions. */
  actions?: string[];
  /**
   * And to requests about these functions (their FunctionName): one function's reads failing while the others
   * answer, as when a single function is broken or its permissions differ.
   */
  functions?: string[];
  /** Seed of the fault dice, for reproducible runs. */
  seed?: number;
}

/** The throttling codes the cloud answers (SCF-API.md, the common error codes). */
export const THROTTLE_CODE = /^RequestLimitExceeded(\.[A-Za-z]+)?$/;
/** The transient server failures it answers. */
export const SERVER_ERROR_CODE = /^(InternalError(\.[A-Za-z]+)?|ServiceUnavailable)$/;

export class FaultPlan {
  readonly faults: Faults;
  private roll: () => number;
  private rolledSeed: number | undefined;
  /** Arrival times per `service:action`, for the rate limits and the peaks tests read. */
  private readonly arrivals = new Map<string, number[]>();

  constructor(faults: Faults = {}) {
    this.faults = { ...faults };
    this.rolledSeed = this.faults.seed;
    this.roll = dice(this.faults.seed ?? 1);
  }

  /** Replaces every fault setting (the control API's PUT). */
  replace(faults: Faults): void {
    for (const key of Object.keys(this.faults)) delete (this.faults as Record<string, unknown>)[key];
    Object.assign(this.faults, faults);
  }

  private applies(action: string, functionName?: unknown): boolean {
    if (this.faults.actions && !this.faults.actions.includes(action)) return false;
    return !this.faults.functions || (typeof functionName === 'string' && this.faults.functions.includes(functionName));
  }

  /** True with probability `rate`, for the actions (and functions) the faults apply to. */
  chance(rate: number | undefined, action: string, functionName?: unknown): boolean {
    if (this.rolledSeed !== this.faults.seed) {
      this.roll = dice(this.faults.seed ?? 1);
      this.rolledSeed = this.faults.seed;
    }
    return Boolean(rate) && this.applies(action, functionName) && this.roll() < rate!;
  }

  latencyFor(action: string, functionName?: unknown): number {
    return this.faults.latencyMs && this.applies(action, functionName) ? this.faults.latencyMs : 0;
  }

  /** Records an arrival; true when it is over the action's rate in the last second. */
  overRateLimit(service: ServiceName, action: string, now: number): boolean {
    const key = `${service}:${action}`;
    let list = this.arrivals.get(key);
    if (!list) this.arrivals.set(key, (list = []));
    list.push(now);
    if (list.length > 1_000_000) list.splice(0, list.length - 500_000);
    const limit = this.faults.rateLimit ?? actionRate(service, action);
    if (!limit) return false;
    let count = 0;
    for (let i = list.length - 1; i >= 0 && list[i] > now - 1000; i--) count++;
    return count > limit;
  }

  /** Peak number of arrivals of an action (any service) in any one-second window. */
  peakPerSecond(action: string): number {
    let peak = 0;
    for (const [key, list] of this.arrivals) {
      if (key.slice(key.indexOf(':') + 1) !== action) continue;
      let left = 0;
      for (let right = 0; right < list.length; right++) {
        while (list[right] - list[left] >= 1000) left++;
        peak = Math.max(peak, right - left + 1);
      }
    }
    return peak;
  }

  actions(): string[] {
    return [...new Set([...this.arrivals.keys()].map((key) => key.slice(key.indexOf(':') + 1)))];
  }

  forgetArrivals(): void {
    this.arrivals.clear();
  }
}

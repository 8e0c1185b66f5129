// The statuses of many functions at once. GetFunction tells one function's status at 100 requests a second; one
// ListFunctions listing of a namespace (pages of 20, 100 requests a second) tells every function's in it. A deploy
// creating a namespace's worth of functions, or a remove deleting them, waits on listings: one in flight per
// namespace at a time, each read by every wait that began before it, so waits cost GetFunction nothing.
//
// Only what a listing cannot get wrong is read from it: a status seen in a listing begun after the change was
// acknowledged (a listing that lags shows an older status, which only delays), and an absence only from a listing
// that is whole (every page gave the same TotalCount and as many distinct functions: a deletion between two pages
// shifts the later ones, and would otherwise hide a function that is still there).
import type { Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import type { FunctionSummary } from '../cloud/types';

/** One listing of a namespace. */
export interface NamespaceListing {
  functions: Map<string, FunctionSummary>;
  /** Every page agreed on the count and together held that many functions: an absence means gone. */
  whole: boolean;
}

type Lister = Pick<ScfClient, 'listFunctionsListing'>;

interface Watch {
  functionName: string;
  /** Listings begun before this (the change's acknowledgement) say nothing of it. */
  since: number;
  deadline: number;
  /** true when the wait is over (resolved or rejected). */
  deliver(entry: FunctionSummary | undefined, listing: NamespaceListing): boolean;
  expire(): void;
  fail(error: unknown): void;
}

/** Pause between two listings of one namespace: a transition takes a few hundred ms at the least. */
const LISTING_GAP_MS = 100;

export class StatusBoard {
  private readonly watches = new Map<string, Set<Watch>>();

  constructor(
    private readonly scf: Lister,
    private readonly clock: Clock,
  ) {}

  /**
   * Waits until `decide` makes something of the function's entry in a listing begun after `since` (undefined:
   * not yet). `decide` may throw to end the wait; past `deadline`, `onTimeout`'s error ends it.
   */
  watch<T>(
    target: { functionName: string; namespace: string },
    since: number,
    deadline: number,
    decide: (entry: FunctionSummary | undefined, listing: NamespaceListing) => T | undefined,
    onTimeout: () => Error,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const watch: Watch = {
        functionName: target.functionName,
        since,
        deadline,
        deliver: (entry, listing) => {
          try {
            const value = decide(entry, listing);
            if (value === undefined) return false;
            resolve(value);
          } catch (error) {
            reject(error);
          }
          return true;
        },
        expire: () => reject(onTimeout()),
        fail: reject,
      };
      const watching = this.watches.get(target.namespace);
      if (watching) watching.add(watch);
      else {
        const first = new Set([watch]);
        this.watches.set(target.namespace, first);
        void this.follow(target.namespace, first);
      }
    });
  }

  /** Lists the namespace while anyone waits on it. */
  private async follow(namespace: string, watching: Set<Watch>): Promise<void> {
    try {
      while (watching.size) {
        const startedAt = this.clock.now();
        const listing = await this.scf.listFunctionsListing(namespace);
        const now = this.clock.now();
        for (const watch of [...watching]) {
          if (watch.since <= startedAt && watch.deliver(listing.functions.get(watch.functionName), listing)) watching.delete(watch);
          else if (now >= watch.deadline) {
            watching.delete(watch);
            watch.expire();
          }
        }
        if (watching.size) await this.clock.sleep(LISTING_GAP_MS);
      }
    } catch (error) {
      // The client already retried what can be retried: every wait on the namespace ends with the error.
      for (const watch of watching) watch.fail(error);
      watching.clear();
    } finally {
      this.watches.delete(namespace);
    }
  }
}

// A client-side rate limiter: at most `limit` requests per key (action) in any window of `windowMs`, as the
// server counts them. A request holds its slot from the moment it starts until `windowMs` after its reply: the
// server saw it somewhere in between, so however the network delays requests, no window of `windowMs` at the
// server can hold more than `limit` arrivals. (Of any such window, the request that started last found every
// other one either in flight or answered less than `windowMs` before.)

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Sleeps `ms`, or less when the signal aborts first. */
export function abortableSleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return clock.sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    clock.sleep(ms).then(done);
  });
}

/** Call when the reply (or the failure) has arrived. */
export type Release = () => void;

interface Slot {
  /** When the reply arrived; undefined while in flight. */
  endedAt?: number;
}

export class RateLimiter {
  private readonly slots = new Map<string, Slot[]>();
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly wakers = new Map<string, Array<() => void>>();

  private readonly limitOf: (key: string) => number;

  /** `limit`: one figure for every key, or each key's own (the per-action table). */
  constructor(
    limit: number | ((key: string) => number),
    private readonly windowMs = 1000,
    private readonly clock: Clock = systemClock,
  ) {
    this.limitOf = typeof limit === 'number' ? () => limit : limit;
  }

  /** Resolves when a request for `key` may start; callers are served in order. */
  acquire(key: string): Promise<Release> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.waitForSlot(key));
    this.queues.set(key, turn.catch(() => undefined));
    return turn;
  }

  /** Requests holding a slot of `key` now (in flight, or answered within the window). */
  held(key: string): number {
    return this.prune(key).length;
  }

  private prune(key: string): Slot[] {
    let slots = this.slots.get(key);
    if (!slots) this.slots.set(key, (slots = []));
    const cutoff = this.clock.now() - this.windowMs;
    const kept = slots.filter((s) => s.endedAt === undefined || s.endedAt > cutoff);
    this.slots.set(key, kept);
    return kept;
  }

  private async waitForSlot(key: string): Promise<Release> {
    for (;;) {
      const slots = this.prune(key);
      if (slots.length < this.limitOf(key)) {
        const slot: Slot = {};
        slots.push(slot);
        return () => {
          if (slot.endedAt !== undefined) return;
          slot.endedAt = this.clock.now();
          const wakers = this.wakers.get(key) ?? [];
          this.wakers.set(key, []);
          for (const wake of wakers) wake();
        };
      }
      const ended = slots.filter((s) => s.endedAt !== undefined).map((s) => s.endedAt!);
      if (ended.length) {
        // +1: the window is half-open, the oldest reply must be strictly outside it.
        await this.clock.sleep(Math.min(...ended) + this.windowMs - this.clock.now() + 1);
      } else {
        // Every slot is in flight: wait for a reply.
        await new Promise<void>((resolve) => {
          const list = this.wakers.get(key) ?? [];
          list.push(resolve);
          this.wakers.set(key, list);
        });
      }
    }
  }
}

/** At most `limit` holders at once per key (CLS: searches of one topic in flight). */
export class ConcurrencyLimiter {
  private readonly held = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly limit: number) {}

  async acquire(key: string): Promise<Release> {
    while ((this.held.get(key) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => {
        const list = this.waiting.get(key) ?? [];
        list.push(resolve);
        this.waiting.set(key, list);
      });
    }
    this.held.set(key, (this.held.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(key) ?? 1) - 1;
      if (left) this.held.set(key, left);
      else this.held.delete(key);
      const next = this.waiting.get(key)?.shift();
      if (!this.waiting.get(key)?.length) this.waiting.delete(key);
      next?.();
    };
  }
}

/**
 * At most `limit` bytes held at once (packages read into memory to be sent); one item larger than the limit is
 * let through alone. Served in order.
 */
export class ByteBudget {
  private held = 0;
  private readonly waiting: Array<{ bytes: number; go: () => void }> = [];

  constructor(private readonly limit: number) {}

  async take(bytes: number): Promise<Release> {
    if (!this.waiting.length && this.fits(bytes)) this.held += bytes;
    // Else the release that makes room counts it in before letting it go.
    else await new Promise<void>((go) => this.waiting.push({ bytes, go }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
      while (this.waiting.length && this.fits(this.waiting[0].bytes)) {
        const next = this.waiting.shift()!;
        this.held += next.bytes;
        next.go();
      }
    };
  }

  private fits(bytes: number): boolean {
    return this.held === 0 || this.held + bytes <= this.limit;
  }
}

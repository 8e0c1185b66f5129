// A client-side rate limiter: at most `limit` request starts in any window of `windowMs`, per key (action).
// A sliding window of start times, not a token bucket, so "no more than 20 in any second" holds exactly.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class RateLimiter {
  private readonly starts = new Map<string, number[]>();
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 1000,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Resolves when a request for `key` may start, and counts it as started. Callers are served in order. */
  acquire(key: string): Promise<void> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.waitForSlot(key));
    this.queues.set(key, turn);
    return turn;
  }

  private async waitForSlot(key: string): Promise<void> {
    let starts = this.starts.get(key);
    if (!starts) this.starts.set(key, (starts = []));
    for (;;) {
      const now = this.clock.now();
      while (starts.length && starts[0] <= now - this.windowMs) starts.shift();
      if (starts.length < this.limit) {
        starts.push(now);
        return;
      }
      // +1: the window is half-open, the oldest start must be strictly outside it.
      await this.clock.sleep(starts[0] + this.windowMs - now + 1);
    }
  }
}

// Many waits sharing one action's rate: the status of 250 functions being created (GetFunction), the results of
// 250 smoke invocations (GetRequestStatus). Each wait polling on its own schedule would queue its requests
// behind everyone else's at the rate limiter, and each reply would answer a question asked long before; so the
// pool takes a slot of the rate first, and only then picks which wait to poll, the one most likely done by now.
//
// It learns how long the work takes: work of one kind ends after the oldest age any wait was seen not done, and
// by the youngest age any was seen done. While that bracket is wide the pool polls at its middle (a bisection: a
// few polls too early in all, then every poll finds its wait done); once it is narrow, or when it is empty (work
// of several kinds: a slow wait seen not done past a fast one's end), at the youngest age any wait was seen done.
// That age is the threshold. Priority, highest first:
//   0. a wait past its deadline: one last look, then it ends with its timeout error;
//   1. a wait at least as old as the threshold, not polled since it reached it: oldest first;
//   2. a wait polled before and overdue on its own backoff by more than its longest delay: none starves;
//   3. a wait whose own backoff is due and at least as old as the threshold (before any wait was seen done: one of
//      the oldest few, probing), earliest due first.
// No wait is polled before its own first delay, nor again sooner than its backoff allows.
import { abortableSleep, type Clock, RateLimiter } from '../cloud/limiter';

export interface PollWait<T> {
  /** When the thing waited for began (the invoke, the change), epoch ms: a wait's age counts from it. */
  startedAt: number;
  /** One poll: the outcome when done, undefined when not yet. Throwing ends the wait with that error. */
  check(): Promise<T | undefined>;
  /** The first poll no sooner than this after `startedAt`; then ×1.5 each poll, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
  /** The wait ends with `onTimeout()`'s error once this passes (epoch ms). */
  deadline: number;
  onTimeout(): Error;
  /** Aborting ends the wait with `onAbort()`'s error. */
  signal?: AbortSignal;
  onAbort?(): Error;
}

interface Entry {
  wait: PollWait<unknown>;
  polls: number;
  /** Age at the last poll sent, ms (-1: never polled). */
  polledAtAge: number;
  due: number;
  inFlight: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The delay after poll number `n` (1-based) of a wait: ×1.5 from the first, capped. */
export function backoffMs(n: number, firstMs: number, maxMs: number): number {
  return Math.min(maxMs, firstMs * 1.5 ** Math.max(0, n - 1));
}

/** Below this width (or a twentieth of the age), the learnt bracket is not narrowed further. */
const BISECT_RESOLUTION_MS = 20;

export class PollPool {
  private readonly entries = new Set<Entry>();
  private readonly limiter: RateLimiter;
  /** The youngest age at which a wait was seen done, and the oldest at which one was seen not done (ms). */
  private minDone = Infinity;
  private maxNotDone = -Infinity;
  private running = false;
  private wake?: () => void;

  /** `rate`: polls a second the pool may send (the action's rate); `clock`: time, for tests. */
  /** Waits probed at once before any is seen done: a tenth of a second's polls, at least one. */
  private readonly probes: number;

  constructor(
    rate: number,
    private readonly clock: Clock,
  ) {
    this.limiter = new RateLimiter(rate, 1000, clock);
    this.probes = Math.max(1, Math.floor(rate / 10));
  }

  /** Waits until `wait.check()` says done. */
  wait<T>(wait: PollWait<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = { wait: wait as PollWait<unknown>, polls: 0, polledAtAge: -1, due: Math.min(wait.startedAt + wait.firstDelayMs, wait.deadline), inFlight: false, resolve: resolve as (v: unknown) => void, reject };
      if (wait.signal?.aborted) return reject(wait.onAbort?.() ?? new Error('aborted'));
      wait.signal?.addEventListener('abort', () => this.finish(entry, undefined, wait.onAbort?.() ?? new Error('aborted')), { once: true });
      this.entries.add(entry);
      this.nudge();
      if (!this.running) void this.run();
    });
  }

  /** Waits in the pool now (for tests and progress). */
  get size(): number {
    return this.entries.size;
  }

  private nudge(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private finish(entry: Entry, value: unknown, error?: unknown): void {
    if (!this.entries.delete(entry)) return;
    if (error !== undefined) entry.reject(error);
    else entry.resolve(value);
    this.nudge();
  }

  /** The age at which a wait is likely done (see the top of this file); Infinity until one was seen done. */
  get threshold(): number {
    const lo = this.maxNotDone;
    const hi = this.minDone;
    if (!Number.isFinite(hi) || !(lo < hi)) return hi;
    // Narrow enough: the safe end. Else the middle, to narrow it.
    return hi - lo <= Math.max(BISECT_RESOLUTION_MS, hi / 20) ? hi : Math.ceil((lo + hi) / 2);
  }

  /** The wait to poll now, if any. */
  private pick(now: number): Entry | undefined {
    const threshold = this.threshold;
    // Until a wait is seen done, only the oldest few are probed (the rest would mostly be polled too early).
    const probeSince = Number.isFinite(threshold) ? -Infinity : this.probeSince(now);
    let best: Entry | undefined;
    let bestLevel = 4;
    for (const entry of this.entries) {
      if (entry.inFlight) continue;
      const age = now - entry.wait.startedAt;
      let level: number;
      if (now >= entry.wait.deadline) level = 0;
      else if (entry.due > now) continue;
      else if (age >= threshold && entry.polledAtAge < threshold) level = 1;
      else if (entry.polls > 0 && now - entry.due > entry.wait.maxDelayMs) level = 2;
      else if (age >= threshold || (!Number.isFinite(threshold) && entry.wait.startedAt <= probeSince)) level = 3;
      else continue;
      if (level < bestLevel || (level === bestLevel && best && (level === 3 ? entry.due < best.due : entry.wait.startedAt < best.wait.startedAt))) {
        best = entry;
        bestLevel = level;
      }
    }
    return best;
  }

  /**
   * The start of the youngest wait probed: of the oldest few, more each second none is seen done (should the
   * oldest be the slow ones, the others are reached too).
   */
  private probeSince(now: number): number {
    const starts = [...this.entries].map((e) => e.wait.startedAt).sort((a, b) => a - b);
    if (!starts.length) return -Infinity;
    const probes = this.probes * (1 + Math.floor(Math.max(0, now - starts[0]) / 1000));
    return starts[Math.min(probes, starts.length) - 1];
  }

  private oldestStart(): number {
    let oldest = Infinity;
    for (const entry of this.entries) oldest = Math.min(oldest, entry.wait.startedAt);
    return oldest;
  }

  /** How long until a wait not in flight may be picked: due, and old enough or overdue, or past its deadline. */
  private nextEventIn(now: number): number {
    const threshold = this.threshold;
    const probeSince = Number.isFinite(threshold) ? -Infinity : this.probeSince(now);
    let next = Infinity;
    for (const entry of this.entries) {
      if (entry.inFlight) continue;
      const overdue = entry.polls > 0 ? entry.due + entry.wait.maxDelayMs + 1 : Infinity;
      // Before a threshold, a wait not probed yet may become one within the second.
      const eligible = Number.isFinite(threshold)
        ? Math.max(entry.due, Math.min(entry.wait.startedAt + threshold, overdue))
        : entry.wait.startedAt <= probeSince
          ? entry.due
          : Math.max(entry.due, Math.min(overdue, now + 1000 - ((now - this.oldestStart()) % 1000)));
      next = Math.min(next, entry.wait.deadline, eligible);
    }
    return Math.max(0, next - now);
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.entries.size) {
        const now = this.clock.now();
        if (!this.pick(now)) {
          if (!this.entries.size) break;
          const woken = new Promise<void>((resolve) => (this.wake = resolve));
          const ms = this.nextEventIn(now);
          await (Number.isFinite(ms) ? Promise.race([woken, abortableSleep(this.clock, ms)]) : woken);
          this.wake = undefined;
          continue;
        }
        const release = await this.limiter.acquire('poll');
        // Time passed waiting for the slot: the choice is made now, with what is known now.
        const at = this.clock.now();
        const entry = this.pick(at);
        if (!entry) {
          release();
          continue;
        }
        this.send(entry, at, release);
      }
    } finally {
      this.running = false;
    }
  }

  private send(entry: Entry, at: number, release: () => void): void {
    entry.inFlight = true;
    const age = at - entry.wait.startedAt;
    entry.wait
      .check()
      .then(
        (value) => {
          entry.inFlight = false;
          entry.polls++;
          entry.polledAtAge = age;
          if (value !== undefined) {
            this.minDone = Math.min(this.minDone, age);
            this.finish(entry, value);
            return;
          }
          this.maxNotDone = Math.max(this.maxNotDone, age);
          // Polled at or past its deadline and not done: the wait ends. Else the next poll, at the deadline at latest.
          if (at >= entry.wait.deadline) return this.finish(entry, undefined, entry.wait.onTimeout());
          entry.due = Math.min(this.clock.now() + backoffMs(entry.polls, entry.wait.firstDelayMs, entry.wait.maxDelayMs), entry.wait.deadline);
        },
        (error) => {
          entry.inFlight = false;
          this.finish(entry, undefined, error);
        },
      )
      .finally(() => {
        release();
        this.nudge();
      });
  }
}

// Discrete-event time for tests of things that wait on each other: time moves only when every task is waiting,
// straight to the next wake-up. Many sleepers at once see one shared time, as they would on a real clock.
import type { Clock } from '../lib/cloud/limiter';

export class VirtualClock implements Clock {
  private t: number;
  private sleepers: Array<{ at: number; wake: () => void }> = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ at: this.t + Math.max(0, ms), wake }));
  }

  /** Runs until `work` settles, moving time forward whenever nothing else can run; at most `limitMs` of virtual time. */
  async run<T>(work: Promise<T>, limitMs = 86_400_000): Promise<T> {
    let settled = false;
    const done = work.finally(() => (settled = true));
    // Its failure is the caller's to see, once it is returned.
    done.catch(() => undefined);
    const end = this.t + limitMs;
    for (;;) {
      // Let every task run to its next wait.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      if (settled) return done;
      if (!this.sleepers.length) throw new Error('VirtualClock: nothing is sleeping and the work has not settled (deadlock)');
      const at = Math.min(...this.sleepers.map((s) => s.at));
      if (at > end) throw new Error(`VirtualClock: still running after ${limitMs} ms of virtual time`);
      this.t = Math.max(this.t, at);
      const due = this.sleepers.filter((s) => s.at <= this.t);
      this.sleepers = this.sleepers.filter((s) => s.at > this.t);
      for (const s of due) s.wake();
    }
  }
}

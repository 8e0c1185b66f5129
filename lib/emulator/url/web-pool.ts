// The running instances of web functions: started on a function URL's first request, each serving up to the
// function's instance concurrency at once (more requests start more instances, as SCF scales), kept warm while
// the function's code and configuration stay as they were, and stopped with the emulator (their processes die
// with it in any case: lib/runtime/web guards them).
import type { WebInstance } from '../../runtime/web';

interface Slot {
  instance: Promise<WebInstance>;
  active: number;
}

interface Pool {
  /** What the instances run: code and configuration. A different one stops them. */
  fingerprint: string;
  slots: Slot[];
}

/** How long a request waits for a busy pool before it is refused. */
const WAIT_MS = 30_000;
const POLL_MS = 20;

export class WebPools {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  /**
   * An instance of `key` (a function and version) running `fingerprint`, with room for one more request: a free
   * one, a new one (up to `maxInstances`), or the first to free up. Release it when the request is answered.
   */
  async acquire(key: string, fingerprint: string, start: () => Promise<WebInstance>, perInstance: number, maxInstances: number): Promise<{ instance: WebInstance; release: () => void }> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (this.closed) throw new Error('the emulator is closing');
      let pool = this.pools.get(key);
      if (pool && pool.fingerprint !== fingerprint) {
        stopSlots(pool.slots);
        pool = undefined;
      }
      if (!pool) this.pools.set(key, (pool = { fingerprint, slots: [] }));
      const current = pool;
      let slot = current.slots.find((s) => s.active < perInstance);
      if (!slot && current.slots.length < maxInstances) {
        slot = { instance: start(), active: 0 };
        const made = slot;
        current.slots.push(made);
        // An instance that fails to start, or exits later, leaves the pool.
        made.instance.then(
          (instance) => instance.exited.then(() => remove(current.slots, made)),
          () => remove(current.slots, made),
        );
      }
      if (slot) {
        slot.active++;
        const taken = slot;
        let instance: WebInstance;
        try {
          instance = await taken.instance;
        } catch (error) {
          taken.active--;
          throw error;
        }
        let released = false;
        return {
          instance,
          release: () => {
            if (released) return;
            released = true;
            taken.active--;
          },
        };
      }
      if (Date.now() > deadline) throw new Error(`all ${maxInstances} instance(s) stayed busy for ${WAIT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Instances running now (for tests and the control API). */
  get size(): number {
    let n = 0;
    for (const pool of this.pools.values()) n += pool.slots.length;
    return n;
  }

  /** Stops the instances of functions that no longer exist (`alive` says which keys do). */
  prune(alive: (key: string) => boolean): void {
    for (const [key, pool] of this.pools) {
      if (alive(key)) continue;
      stopSlots(pool.slots);
      this.pools.delete(key);
    }
  }

  /** Stops every instance. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.pools.values()].flatMap((p) => p.slots);
    this.pools.clear();
    stopSlots(slots);
    await Promise.allSettled(slots.map((s) => s.instance.then((i) => i.exited)));
  }
}

function remove(slots: Slot[], slot: Slot): void {
  const index = slots.indexOf(slot);
  if (index >= 0) slots.splice(index, 1);
}

function stopSlots(slots: Slot[]): void {
  for (const slot of slots.splice(0)) slot.instance.then((i) => i.stop(), () => undefined);
}

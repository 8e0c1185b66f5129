// The deploy lock of a service's stage, kept in a COS bucket. COS offers one atomic primitive a plugin can use
// without a server of its own: PUT Object with `x-cos-forbid-overwrite: true`, which only one of two writers of a
// key wins. So the lock is a sequence of generations, each an object created that way:
//
//   <prefix>/0000000007.json       the holder of generation 7 (who, since when, which commit and CI run)
//   <prefix>/0000000007.beat       its last sign of life (rewritten by the holder every third of lockExpiry)
//   <prefix>/0000000007.released   written when it let go
//
// The newest generation says the state: released, expired (no sign of life for lockExpiry, by COS's own clock:
// LastModified against the Date of the listing), or held. Whoever finds it free creates the next generation; of
// two who try, COS lets one create it and tells the other it exists, and the other waits. A taken-over holder
// learns it at its next heartbeat (a newer generation exists). Nothing is ever overwritten that decides who
// holds the lock, so no read-then-write race can hand it to two. Generations older than the one just taken are
// deleted. Pure apart from the store and the clock it is given.
import type { ObjectStore } from '../cloud/cos-objects';
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';

export interface Holder {
  /** This run's own id: a holder knows its generation by it. */
  id: string;
  /** `sls deploy`, `sls remove`, ... */
  command: string;
  /** The user or CI actor. */
  by: string;
  host: string;
  pid: number;
  commit?: string;
  /** The CI run: its system and address (or id). */
  ci?: { system: string; run: string };
  /** ISO 8601, the holder's clock. */
  startedAt: string;
  /** Seconds the lock outlives the holder's last sign of life. */
  expirySeconds: number;
}

export interface LockState {
  /** The newest generation (0: never taken). */
  generation: number;
  holder?: Holder;
  released: boolean;
  /** The newest sign of life of the holder (its record or heartbeat), epoch ms by COS's clock. */
  lastAlive: number;
  /** COS's clock when it was read. */
  serverTime: number;
}

export type LockStatus = 'free' | 'held' | 'expired';

const ENTRY = /(\d{10})\.(json|beat|released)$/;

export function generationKey(prefix: string, generation: number, kind: 'json' | 'beat' | 'released'): string {
  return `${prefix}/${String(generation).padStart(10, '0')}.${kind}`;
}

export function lockStatus(state: LockState, defaultExpirySeconds: number): LockStatus {
  if (state.generation === 0 || state.released) return 'free';
  const expiry = (state.holder?.expirySeconds ?? defaultExpirySeconds) * 1000;
  return state.lastAlive + expiry < state.serverTime ? 'expired' : 'held';
}

/** The lock as the store holds it now. */
export async function readLock(store: ObjectStore, prefix: string): Promise<LockState> {
  for (let attempt = 0; ; attempt++) {
    const { objects, serverTime } = await store.list(`${prefix}/`);
    let generation = 0;
    for (const o of objects) {
      const m = ENTRY.exec(o.key);
      if (m) generation = Math.max(generation, Number(m[1]));
    }
    if (generation === 0) return { generation, released: false, lastAlive: 0, serverTime };
    const mine = objects.filter((o) => ENTRY.exec(o.key)?.[1] === String(generation).padStart(10, '0'));
    const released = mine.some((o) => o.key.endsWith('.released'));
    const lastAlive = Math.max(...mine.filter((o) => !o.key.endsWith('.released')).map((o) => o.lastModified), 0);
    const text = await store.get(generationKey(prefix, generation, 'json'));
    // Its record gone meanwhile (a newer generation was taken and this one cleaned up): read again.
    if (text === undefined && attempt < 3 && mine.some((o) => o.key.endsWith('.json'))) continue;
    return { generation, holder: parseHolder(text), released, lastAlive, serverTime };
  }
}

function parseHolder(text: string | undefined): Holder | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed?.id !== 'string') return undefined;
    return {
      id: parsed.id,
      command: String(parsed.command ?? '?'),
      by: String(parsed.by ?? '?'),
      host: String(parsed.host ?? '?'),
      pid: Number(parsed.pid) || 0,
      commit: typeof parsed.commit === 'string' ? parsed.commit : undefined,
      ci: parsed.ci && typeof parsed.ci.system === 'string' ? { system: String(parsed.ci.system), run: String(parsed.ci.run ?? '') } : undefined,
      startedAt: String(parsed.startedAt ?? ''),
      expirySeconds: Number(parsed.expirySeconds) > 0 ? Number(parsed.expirySeconds) : 0,
    };
  } catch {
    return undefined;
  }
}

export interface AcquireOptions {
  /** Take the lock whoever holds it. */
  force?: boolean;
  /** Seconds to wait for a held lock. */
  timeoutSeconds: number;
  /** How often a waiter looks again. */
  pollMs?: number;
  /** Told once when the lock is found held (then again whenever another holder has it). */
  onWait?(state: LockState): void;
  /** Told on every look while waiting. */
  onStillWaiting?(state: LockState, waitedMs: number): void;
}

export interface Acquired {
  lock: HeldLock;
  /** What the lock was when it was taken: free, expired (left by a run that died) or held (taken over with force). */
  previous: LockState & { status: LockStatus };
  waitedMs: number;
}

export class StageLock {
  constructor(
    private readonly store: ObjectStore,
    readonly prefix: string,
    private readonly holder: Holder,
    private readonly clock: Clock,
  ) {}

  async acquire(options: AcquireOptions): Promise<Acquired> {
    const started = this.clock.now();
    let waitingFor: string | undefined;
    for (;;) {
      const state = await readLock(this.store, this.prefix);
      const status = lockStatus(state, this.holder.expirySeconds);
      if (status !== 'held' || options.force) {
        const generation = state.generation + 1;
        const created = await this.store.create(generationKey(this.prefix, generation, 'json'), JSON.stringify(this.holder));
        if (created === 'created') {
          await this.cleanUp(generation);
          return { lock: new HeldLock(this.store, this.prefix, generation, this.holder, this.clock), previous: { ...state, status }, waitedMs: this.clock.now() - started };
        }
        // Another run created it first: look again at once.
        continue;
      }
      const waited = this.clock.now() - started;
      const holderId = `${state.generation}/${state.holder?.id ?? ''}`;
      if (holderId !== waitingFor) {
        waitingFor = holderId;
        options.onWait?.(state);
      } else options.onStillWaiting?.(state, waited);
      if (waited >= options.timeoutSeconds * 1000) throw new LockTimeout(state, options.timeoutSeconds);
      await this.clock.sleep(Math.min(options.pollMs ?? pollInterval(this.holder.expirySeconds), Math.max(0, options.timeoutSeconds * 1000 - waited) + 1));
    }
  }

  /** Deletes the generations before `generation` (best effort: a leftover is only ignored). */
  private async cleanUp(generation: number): Promise<void> {
    try {
      const { objects } = await this.store.list(`${this.prefix}/`);
      for (const o of objects) {
        const m = ENTRY.exec(o.key);
        if (m && Number(m[1]) < generation) await this.store.remove(o.key);
      }
    } catch {
      // The next taker tries again.
    }
  }
}

/** A waiter looks again every few seconds: a quarter of the expiry, between 1 and 5 s. */
export function pollInterval(expirySeconds: number): number {
  return Math.min(5000, Math.max(1000, (expirySeconds * 1000) / 4));
}

export class LockTimeout extends ScfError {
  constructor(
    readonly state: LockState,
    timeoutSeconds: number,
  ) {
    super('Plugin.LockTimeout', `still held after ${timeoutSeconds} s`);
  }
}

/** The lock this run holds: a heartbeat while held; released once. */
export class HeldLock {
  private timer?: NodeJS.Timeout;
  private released = false;
  /** Set when a newer generation appeared: another run took the lock over. */
  lostTo?: LockState;
  private beating?: Promise<void>;

  constructor(
    private readonly store: ObjectStore,
    private readonly prefix: string,
    readonly generation: number,
    readonly holder: Holder,
    private readonly clock: Clock,
  ) {}

  get key(): string {
    return generationKey(this.prefix, this.generation, 'json');
  }

  /** Signs of life every third of the expiry; `onLost` is told if another run takes the lock over. */
  startHeartbeat(onLost: (state: LockState) => void, onError?: (error: unknown) => void): void {
    const every = Math.max(500, (this.holder.expirySeconds * 1000) / 3);
    this.timer = setInterval(() => {
      if (this.beating) return;
      this.beating = this.beat(onLost)
        .catch((error) => onError?.(error))
        .finally(() => (this.beating = undefined));
    }, every);
    // The heartbeat never keeps a finished command's process alive.
    this.timer.unref();
  }

  private async beat(onLost: (state: LockState) => void): Promise<void> {
    const state = await readLock(this.store, this.prefix);
    if (state.generation > this.generation) {
      this.stop();
      this.lostTo = state;
      onLost(state);
      return;
    }
    await this.store.put(generationKey(this.prefix, this.generation, 'beat'), JSON.stringify({ id: this.holder.id, at: new Date(this.clock.now()).toISOString() }));
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Lets go: the generation is marked released (unless another run took it over meanwhile). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stop();
    await this.beating?.catch(() => undefined);
    if (this.lostTo) return;
    await this.store.put(generationKey(this.prefix, this.generation, 'released'), JSON.stringify({ id: this.holder.id, at: new Date(this.clock.now()).toISOString() }));
  }
}

/** Who holds it, in a few words: `alice on runner-3 (sls deploy, since 10:42:05, commit abc123, run URL)`. */
export function describeHolder(holder: Holder | undefined, formatTime: (ms: number) => string, nowMs?: number): string {
  if (!holder) return 'a run whose record cannot be read';
  const since = Date.parse(holder.startedAt);
  const parts = [holder.command];
  if (Number.isFinite(since)) parts.push(`since ${formatTime(since)}${nowMs !== undefined ? `, ${ago(nowMs - since)} ago` : ''}`);
  if (holder.commit) parts.push(`commit ${holder.commit}`);
  if (holder.ci) parts.push(`${holder.ci.system} run ${holder.ci.run}`);
  return `${holder.by} on ${holder.host} (${parts.join(', ')})`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

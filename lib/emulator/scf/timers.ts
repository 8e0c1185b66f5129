// Timer triggers that fire: every enabled timer trigger of every function is armed for its next time; when it
// fires, the function runs asynchronously with the SCF timer event, and the timer is armed again. `sync`
// re-reads the account after any change, so a trigger that goes (or whose function goes) stops.
import type { FunctionRecord, TriggerRecord } from '../store/account';
import { type CronSchedule, nextFire, parseCron } from './cron';

/** The longest setTimeout Node keeps (about 24.8 days): farther fires are reached in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Parsed crons kept at most (descs are few in practice; a bound keeps a hostile account from growing it). */
const MAX_SCHEDULES = 10_000;

export type TimerFire = (fn: FunctionRecord, trigger: TriggerRecord, atMs: number) => void;

/** The SCF timer event (`Message` is the trigger's CustomArgument). */
export function timerEvent(trigger: TriggerRecord, atMs: number): Record<string, string> {
  return { Type: 'Timer', TriggerName: trigger.name, Time: new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z'), Message: trigger.customArgument };
}

/** The cron of a stored timer TriggerDesc (`{"cron":"..."}`). */
export function cronOf(trigger: TriggerRecord): string | undefined {
  try {
    const cron = JSON.parse(trigger.desc)?.cron;
    return typeof cron === 'string' ? cron : undefined;
  } catch {
    return undefined;
  }
}

interface Armed {
  timer: NodeJS.Timeout;
}

export class TimerScheduler {
  private readonly armed = new Map<string, Armed>();
  private stopped = false;

  constructor(
    private readonly fire: TimerFire,
    private readonly now: () => number = Date.now,
  ) {}

  /** Arms the enabled timer triggers of `functions` and disarms every other. */
  sync(functions: Iterable<FunctionRecord>): void {
    if (this.stopped) return;
    const wanted = new Map<string, { fn: FunctionRecord; trigger: TriggerRecord; schedule: CronSchedule }>();
    for (const fn of functions) {
      if (fn.status === 'Deleting') continue;
      for (const trigger of fn.triggers) {
        if (trigger.type !== 'timer' || !trigger.enable) continue;
        const schedule = this.scheduleOf(trigger);
        if (!schedule) continue;
        // Everything that changes when or how it fires is in the key: a changed trigger is a new timer.
        const key = [fn.functionId, trigger.name, trigger.qualifier, trigger.desc, trigger.customArgument].join('\n');
        wanted.set(key, { fn, trigger, schedule });
      }
    }
    for (const [key, armed] of this.armed) {
      if (!wanted.has(key)) {
        clearTimeout(armed.timer);
        this.armed.delete(key);
      }
    }
    for (const [key, item] of wanted) {
      if (!this.armed.has(key)) this.arm(key, item.fn, item.trigger, item.schedule, this.now());
    }
  }

  /** Parsed once per cron: sync runs after every change, over every trigger of the account. */
  private readonly schedules = new Map<string, CronSchedule | undefined>();

  private scheduleOf(trigger: TriggerRecord): CronSchedule | undefined {
    if (this.schedules.has(trigger.desc)) return this.schedules.get(trigger.desc);
    const cron = cronOf(trigger);
    let schedule: CronSchedule | undefined;
    try {
      schedule = cron ? parseCron(cron) : undefined;
    } catch {
      schedule = undefined;
    }
    if (this.schedules.size >= MAX_SCHEDULES) this.schedules.clear();
    this.schedules.set(trigger.desc, schedule);
    return schedule;
  }

  private arm(key: string, fn: FunctionRecord, trigger: TriggerRecord, schedule: CronSchedule, afterMs: number): void {
    const at = nextFire(schedule, afterMs);
    if (at === undefined) return;
    const wait = () => {
      const left = at - this.now();
      const timer = setTimeout(() => {
        if (this.stopped || !this.armed.has(key)) return;
        if (at - this.now() > 0) return wait();
        this.fire(fn, trigger, at);
        this.armed.delete(key);
        this.arm(key, fn, trigger, schedule, at);
      }, Math.min(Math.max(left, 0), MAX_TIMEOUT_MS));
      timer.unref();
      this.armed.set(key, { timer });
    };
    wait();
  }

  /** How many timers are armed. */
  get size(): number {
    return this.armed.size;
  }

  stop(): void {
    this.stopped = true;
    for (const armed of this.armed.values()) clearTimeout(armed.timer);
    this.armed.clear();
  }
}

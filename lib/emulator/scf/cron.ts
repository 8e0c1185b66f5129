// SCF timer trigger cron expressions: seven fields (second minute hour day-of-month month day-of-week year) or
// the five-field form (minute hour day month day-of-week), with `*`, `,`, `-` and `/`; weeks 0–6 (0 Sunday) or
// SUN–SAT, months 1–12 or JAN–DEC, years 1970–2099. Schedules run on China time (UTC+8, no daylight saving).
// Pure: parse, normalise, and the next time a schedule fires.

export interface CronSchedule {
  seconds: boolean[];
  minutes: boolean[];
  hours: boolean[];
  days: boolean[];
  months: boolean[];
  weekdays: boolean[];
  years: boolean[];
  /** Whether day-of-month / day-of-week were restricted (not `*`): when both are, either may match. */
  daysRestricted: boolean;
  weekdaysRestricted: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const YEAR_MIN = 1970;
const YEAR_MAX = 2099;
const OFFSET_MS = 8 * 3600 * 1000;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  /** What the first name stands for (months: 1). */
  nameBase?: number;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DAY: FieldSpec = { name: 'day of month', min: 1, max: 31 };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 };
const WEEKDAY: FieldSpec = { name: 'day of week', min: 0, max: 6, names: WEEKDAYS, nameBase: 0 };
const YEAR: FieldSpec = { name: 'year', min: YEAR_MIN, max: YEAR_MAX };

export class CronError extends Error {}

function value(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + spec.nameBase!;
  if (!/^\d+$/.test(text)) throw new CronError(`\`${text}\` is not a valid ${spec.name}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new CronError(`${spec.name} ${n} is outside ${spec.min}–${spec.max}`);
  return n;
}

/** One field → the allowed values (indexed from 0; unused low indexes stay false). */
function parseField(text: string, spec: FieldSpec): { allowed: boolean[]; restricted: boolean } {
  const allowed = new Array<boolean>(spec.max + 1).fill(false);
  if (text === '') throw new CronError(`the ${spec.name} field is empty`);
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw new CronError(`\`${item}\` has more than one /`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`\`${item}\` has an invalid step`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined) throw new CronError(`\`${item}\` is not a valid range`);
      from = value(a, spec);
      to = value(b, spec);
      if (from > to) throw new CronError(`\`${item}\` runs backwards`);
    } else {
      from = value(range, spec);
      // `a/n` runs from a to the end in steps of n.
      to = stepText !== undefined ? spec.max : from;
    }
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  return { allowed, restricted: text !== '*' };
}

/** Parses a 5- or 7-field expression; throws CronError saying what is wrong. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 7) throw new CronError(`a cron expression has 5 or 7 fields, not ${fields.length}`);
  const [second, minute, hour, day, month, weekday, year] = fields.length === 7 ? fields : ['0', ...fields, '*'];
  const days = parseField(day, DAY);
  const weekdays = parseField(weekday, WEEKDAY);
  return {
    seconds: parseField(second, SECOND).allowed,
    minutes: parseField(minute, MINUTE).allowed,
    hours: parseField(hour, HOUR).allowed,
    days: days.allowed,
    months: parseField(month, MONTH).allowed,
    weekdays: weekdays.allowed,
    years: parseField(year, YEAR).allowed,
    daysRestricted: days.restricted,
    weekdaysRestricted: weekdays.restricted,
  };
}

/** The seven-field form SCF reports: `m h d M w` becomes `0 m h d M w *`; seven fields stay as written. */
export function normaliseCron(expression: string): string {
  const fields = expression.trim().split(/\s+/);
  return fields.length === 5 ? `0 ${fields.join(' ')} *` : fields.join(' ');
}

function dayMatches(s: CronSchedule, day: number, weekday: number): boolean {
  if (s.daysRestricted && s.weekdaysRestricted) return s.days[day] || s.weekdays[weekday];
  return s.days[day] && s.weekdays[weekday];
}

/** The first time (epoch ms, whole seconds) strictly after `afterMs` that `schedule` fires; undefined if never. */
export function nextFire(schedule: CronSchedule, afterMs: number): number | undefined {
  // Work in "China wall-clock as UTC": UTC+8 has no daylight saving, so a fixed shift is exact.
  const t = new Date(Math.floor((afterMs + OFFSET_MS) / 1000) * 1000 + 1000);
  for (let guard = 0; guard < 100_000; guard++) {
    const year = t.getUTCFullYear();
    if (year > YEAR_MAX) return undefined;
    if (!schedule.years[year]) {
      t.setTime(Date.UTC(year + 1, 0, 1));
      continue;
    }
    if (!schedule.months[t.getUTCMonth() + 1]) {
      t.setTime(Date.UTC(year, t.getUTCMonth() + 1, 1));
      continue;
    }
    if (!dayMatches(schedule, t.getUTCDate(), t.getUTCDay())) {
      t.setTime(Date.UTC(year, t.getUTCMonth(), t.getUTCDate() + 1));
      continue;
    }
    if (!schedule.hours[t.getUTCHours()]) {
      t.setTime(Date.UTC(year, t.getUTCMonth(), t.getUTCDate(), t.getUTCHours() + 1));
      continue;
    }
    if (!schedule.minutes[t.getUTCMinutes()]) {
      t.setTime(Date.UTC(year, t.getUTCMonth(), t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes() + 1));
      continue;
    }
    if (!schedule.seconds[t.getUTCSeconds()]) {
      t.setTime(t.getTime() + 1000);
      continue;
    }
    return t.getTime() - OFFSET_MS;
  }
  return undefined;
}

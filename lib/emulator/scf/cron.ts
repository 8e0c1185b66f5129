// SCF timer trigger cron expressions as the timer page (product doc 583/9708) gives them: seven fields (second
// minute hour day-of-month month day-of-week year), with `*`, `,`, `-` and `/`; weeks 0–6 (0 Sunday) or SUN–SAT,
// months 1–12 or JAN–DEC, years 1970–2099; `? L W` in day-of-month (`?` no day, `L` the last day, `15W` the
// weekday nearest the 15th within its month, `LW` the last weekday) and `? L #` in day-of-week (`5L` the last
// Friday of the month, `1#2` its second Monday), each special form the whole field. When both day fields are
// given, either one matching fires. Schedules run on China time (UTC+8, no daylight saving). Pure: parse, and
// the next time a schedule fires.

export interface CronSchedule {
  seconds: boolean[];
  minutes: boolean[];
  hours: boolean[];
  months: boolean[];
  years: boolean[];
  /** Day-of-month and day-of-week: undefined when left open (`*` or `?`). */
  dayOfMonth?: DayRule;
  dayOfWeek?: DayRule;
}

/** Whether a day (year, month 1–12, day 1–31, weekday 0–6) is one the field names. */
type DayRule = (year: number, month: number, day: number, weekday: number) => boolean;

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

/** One field of `, - * /` items → the allowed values (indexed from 0; unused low indexes stay false). */
function parseField(text: string, spec: FieldSpec): boolean[] {
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
  return allowed;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/** The weekday (Monday to Friday) nearest `day` within its month; undefined when the month is shorter. */
function nearestWeekday(year: number, month: number, day: number): number | undefined {
  const last = daysIn(year, month);
  if (day > last) return undefined;
  const weekday = weekdayOf(year, month, day);
  if (weekday === 6) return day === 1 ? 3 : day - 1;
  if (weekday === 0) return day === last ? day - 2 : day + 1;
  return day;
}

/** The day-of-month field: undefined when open (`*`, `?`). */
function dayOfMonthRule(text: string): DayRule | undefined {
  const upper = text.toUpperCase();
  if (upper === '*' || upper === '?') return undefined;
  if (upper === 'L') return (y, m, d) => d === daysIn(y, m);
  if (upper === 'LW') return (y, m, d) => d === nearestWeekday(y, m, daysIn(y, m));
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest) {
    const target = value(nearest[1], DAY);
    return (y, m, d) => d === nearestWeekday(y, m, target);
  }
  if (/[?LW#]/.test(upper)) throw new CronError(`\`${text}\` is not a day of month SCF takes (? L W only as ?, L, LW or nW, the whole field)`);
  const days = parseField(text, DAY);
  return (_y, _m, d) => days[d];
}

/** The day-of-week field: undefined when open (`*`, `?`). */
function dayOfWeekRule(text: string): DayRule | undefined {
  const upper = text.toUpperCase();
  if (upper === '*' || upper === '?') return undefined;
  const last = /^(\d+)L$/.exec(upper);
  if (last) {
    const weekday = value(last[1], WEEKDAY);
    return (y, m, d, w) => w === weekday && d + 7 > daysIn(y, m);
  }
  const nth = /^(\d+)#(\d+)$/.exec(upper);
  if (nth) {
    const weekday = value(nth[1], WEEKDAY);
    const k = Number(nth[2]);
    if (k < 1 || k > 5) throw new CronError(`\`${text}\` asks for occurrence ${k} of the month, outside 1–5`);
    return (_y, _m, d, w) => w === weekday && Math.ceil(d / 7) === k;
  }
  if (/[?L#W]/.test(upper.replace(/[A-Z]{3}/g, (name) => (WEEKDAYS.includes(name) ? '' : name)))) {
    throw new CronError(`\`${text}\` is not a day of week SCF takes (? L # only as ?, nL or n#k, the whole field)`);
  }
  const weekdays = parseField(text, WEEKDAY);
  return (_y, _m, _d, w) => weekdays[w];
}

/** Parses a seven-field expression; throws CronError saying what is wrong. */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 7) throw new CronError(`a cron expression has 7 fields (second minute hour day month week year), not ${fields.length}`);
  const [second, minute, hour, day, month, weekday, year] = fields;
  if (day === '?' && weekday === '?') throw new CronError('`?` in both day fields leaves no day');
  return {
    seconds: parseField(second, SECOND),
    minutes: parseField(minute, MINUTE),
    hours: parseField(hour, HOUR),
    months: parseField(month, MONTH),
    years: parseField(year, YEAR),
    dayOfMonth: dayOfMonthRule(day),
    dayOfWeek: dayOfWeekRule(weekday),
  };
}

/** The form SCF reports a cron in: the fields as given, single spaces. */
export function normaliseCron(expression: string): string {
  return expression.trim().split(/\s+/).join(' ');
}

function dayMatches(s: CronSchedule, year: number, month: number, day: number, weekday: number): boolean {
  const byMonth = s.dayOfMonth?.(year, month, day, weekday);
  const byWeek = s.dayOfWeek?.(year, month, day, weekday);
  // Both given: either fires (the timer page). One given: that one. Neither: every day.
  if (byMonth !== undefined && byWeek !== undefined) return byMonth || byWeek;
  return byMonth ?? byWeek ?? true;
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
    if (!dayMatches(schedule, year, t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCDay())) {
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

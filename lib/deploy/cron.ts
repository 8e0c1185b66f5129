// Timer trigger cron expressions, checked here before deploy so a wrong field is named locally rather than
// refused by SCF as "InvalidParameterValue.TriggerDesc". The timer page (product doc 583/9708) gives seven fields
// (second minute hour day month week year) with `*`, `,`, `-` and `/`; months 1–12 or JAN–DEC, weeks 0–6 (0
// Sunday) or SUN–SAT, years 1970–2099; and the special symbols `? L W` in day-of-month (`?` no day, `L` the last
// day, `15W` the weekday nearest the 15th, `LW` the last weekday) and `? L #` in day-of-week (`?`, `5L` the last
// Friday, `1#2` the second Monday). The five-field form (minute hour day month week) older pages allowed is taken
// and sent as seven (`0 m h d M w *`): what the plugin sends is seven fields, which every page accepts.

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  nameBase?: number;
}

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: WEEKDAY_NAMES, nameBase: 0 },
  { name: 'year', min: 1970, max: 2099 },
];
const DAY_OF_MONTH = 3;
const DAY_OF_WEEK = 5;

export type CronResult = { cron: string } | { error: string };

function bound(field: Field): string {
  const names = field.names ? ` or ${field.names[0]}–${field.names[field.names.length - 1]}` : '';
  return `${field.min}–${field.max}${names}`;
}

/** What the special symbols mean where they are allowed, for the sentence that refuses one elsewhere. */
function specialsOf(index: number): string {
  if (index === DAY_OF_MONTH) return ', ? (no day), L (the last day), nW (the weekday nearest day n) and LW (the last weekday)';
  if (index === DAY_OF_WEEK) return ', ? (no day), nL (the last weekday n of the month, n 0–6) and n#k (the k-th weekday n, k 1–5)';
  return '';
}

/** One value of a field, or why not. */
function fieldValue(text: string, field: Field, whole: string, index: number): number | string {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.nameBase!;
  if (!/^\d+$/.test(text)) {
    if (/[?LW#]/i.test(text)) {
      return `the ${field.name} field "${whole}" uses ${JSON.stringify(text)}: SCF takes numbers${field.names ? ', names' : ''}, *, ",", "-" and "/"${specialsOf(index)} there`;
    }
    return `the ${field.name} field "${whole}" holds "${text}", which is not a valid ${field.name} (${bound(field)})`;
  }
  const n = Number(text);
  if (n < field.min || n > field.max) return `the ${field.name} field "${whole}" holds ${n}, outside ${bound(field)}`;
  return n;
}

/** The day-of-month and day-of-week forms with a special symbol, each the whole field; undefined: not one of them. */
function specialError(text: string, index: number, field: Field): string | undefined | null {
  const upper = text.toUpperCase();
  if (index === DAY_OF_MONTH) {
    if (upper === '?' || upper === 'L' || upper === 'LW') return null;
    const nearest = /^(\d+)W$/.exec(upper);
    if (nearest) {
      const n = Number(nearest[1]);
      return n >= 1 && n <= 31 ? null : `the day-of-month field "${text}" asks for the weekday nearest day ${n}, outside 1–31`;
    }
  }
  if (index === DAY_OF_WEEK) {
    if (upper === '?') return null;
    const last = /^(\d+)L$/.exec(upper);
    if (last) return Number(last[1]) <= 6 ? null : `the day-of-week field "${text}" asks for the last weekday ${last[1]}, outside 0–6`;
    const nth = /^(\d+)#(\d+)$/.exec(upper);
    if (nth) {
      if (Number(nth[1]) > 6) return `the day-of-week field "${text}" names weekday ${nth[1]}, outside 0–6`;
      const k = Number(nth[2]);
      return k >= 1 && k <= 5 ? null : `the day-of-week field "${text}" asks for occurrence ${k} of the month, outside 1–5`;
    }
  }
  if (/[?LW#]/i.test(text) && (index === DAY_OF_MONTH || index === DAY_OF_WEEK) && text.length > 1 && /[,\-/*]/.test(text)) {
    return `the ${field.name} field "${text}" mixes a special symbol with a list, range or step: SCF takes ${specialsOf(index).slice(2)} as the whole field`;
  }
  return undefined;
}

/** Undefined when the field is valid, else a sentence saying what is wrong with it. */
function fieldError(text: string, index: number): string | undefined {
  const field = FIELDS[index];
  const special = specialError(text, index, field);
  if (special !== undefined) return special ?? undefined;
  for (const item of text.split(',')) {
    if (item === '') return `the ${field.name} field "${text}" has an empty item`;
    const parts = item.split('/');
    if (parts.length > 2) return `the ${field.name} field "${text}" has more than one "/" in "${item}"`;
    const [range, step] = parts;
    if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) return `the ${field.name} field "${text}" has a step "${step}" that is not a whole number of 1 or more`;
    if (range === '*') continue;
    const ends = range.split('-');
    if (ends.length > 2) return `the ${field.name} field "${text}" has a range "${range}" with more than one "-"`;
    const values: number[] = [];
    for (const end of ends) {
      const v = fieldValue(end, field, text, index);
      if (typeof v === 'string') return v;
      values.push(v);
    }
    if (values.length === 2 && values[0] > values[1]) return `the ${field.name} field "${text}" has a range "${range}" that runs backwards`;
  }
  return undefined;
}

/**
 * A 5- or 7-field expression → its 7-field form (fields as written, single spaces), or a sentence naming the
 * field that is wrong. AWS's `rate()`/`cron()` forms are refused with a pointer to the SCF form.
 */
export function normaliseCron(expression: string): CronResult {
  const trimmed = expression.trim();
  if (/^(rate|cron)\s*\(/i.test(trimmed)) {
    return { error: `"${trimmed}" is AWS's syntax: SCF takes a cron expression itself, e.g. "0 */5 * * * * *" (second minute hour day month week year)` };
  }
  const fields = trimmed.split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 7) {
    return {
      error: `"${trimmed}" has ${fields.length} field${fields.length === 1 ? '' : 's'}: SCF takes 7 (second minute hour day month week year) or 5 (minute hour day month week)`,
    };
  }
  const seven = fields.length === 7 ? fields : ['0', ...fields, '*'];
  for (let i = 0; i < FIELDS.length; i++) {
    const error = fieldError(seven[i], i);
    if (error) return { error };
  }
  if (seven[DAY_OF_MONTH] === '?' && seven[DAY_OF_WEEK] === '?') {
    return { error: `"${trimmed}" has "?" in both day-of-month and day-of-week: "?" leaves one of them open, give the other a value (or *)` };
  }
  return { cron: seven.join(' ') };
}

/**
 * The comparable form of a cron a deploy sent or SCF read back, so that either way SCF reports it compares equal:
 * seven fields, single spaces, upper case, month and weekday names as numbers, and `?` as `*` (both leave the
 * field open).
 */
export function cronKey(expression: string): string {
  const fields = expression.trim().split(/\s+/).filter(Boolean).map((f) => f.toUpperCase());
  const seven = fields.length === 5 ? ['0', ...fields, '*'] : fields;
  const numbered = (field: string, names: readonly string[], base: number) => field.replace(/[A-Z]{3}/g, (name) => (names.includes(name) ? String(names.indexOf(name) + base) : name));
  return seven
    .map((field, i) => {
      if (field === '?') return '*';
      if (i === 4) return numbered(field, MONTH_NAMES, 1);
      if (i === DAY_OF_WEEK) return numbered(field, WEEKDAY_NAMES, 0);
      return field;
    })
    .join(' ');
}

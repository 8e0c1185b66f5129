// Timer trigger cron expressions, checked here before deploy so a wrong field is named locally rather than
// refused by SCF as "InvalidParameterValue.TriggerDesc". SCF takes seven fields (second minute hour day month
// week year) or the five-field form (minute hour day month week), with `*`, `,`, `-` and `/`; months 1–12 or
// JAN–DEC, weeks 0–6 (0 Sunday) or SUN–SAT, years 1970–2099 (SCF-DEPLOY.md §5). SCF reports a five-field
// expression as seven (`0 m h d M w *`), so the plugin sends seven: what it sends is what it reads back.

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  nameBase?: number;
}

const FIELDS: readonly Field[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], nameBase: 0 },
  { name: 'year', min: 1970, max: 2099 },
];

export type CronResult = { cron: string } | { error: string };

function bound(field: Field): string {
  const names = field.names ? ` or ${field.names[0]}–${field.names[field.names.length - 1]}` : '';
  return `${field.min}–${field.max}${names}`;
}

/** One value of a field, or why not. */
function fieldValue(text: string, field: Field, whole: string): number | string {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + field.nameBase!;
  if (!/^\d+$/.test(text)) {
    if (/^[?LW#]|[LW#]$|#/.test(text)) return `the ${field.name} field "${whole}" uses ${JSON.stringify(text)}: SCF takes only numbers${field.names ? ', names' : ''}, *, ",", "-" and "/"`;
    return `the ${field.name} field "${whole}" holds "${text}", which is not a valid ${field.name} (${bound(field)})`;
  }
  const n = Number(text);
  if (n < field.min || n > field.max) return `the ${field.name} field "${whole}" holds ${n}, outside ${bound(field)}`;
  return n;
}

/** Undefined when the field is valid, else a sentence saying what is wrong with it. */
function fieldError(text: string, field: Field): string | undefined {
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
      const v = fieldValue(end, field, text);
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
    const error = fieldError(seven[i], FIELDS[i]);
    if (error) return { error };
  }
  return { cron: seven.join(' ') };
}

/** The comparable form of a cron a deploy sent or SCF read back: seven fields, single spaces, upper case. */
export function cronKey(expression: string): string {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  return (fields.length === 5 ? ['0', ...fields, '*'] : fields).join(' ').toUpperCase();
}

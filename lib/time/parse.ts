// User time expressions (`--startTime`, `--endTime`) and the split of a range into API windows. Pure: the
// current time is given. Dates without a zone are the user's local time; the API's UTC+8 is applied only
// when formatting requests (see cst.ts).
import { inputError } from '../cloud/errors';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86400_000, w: 7 * 86400_000 };
const FORMS = '30m, 2h, 3d, 1w, now, a date (2026-11-20), a date-time (2026-11-20 10:30[:00]), ISO 8601 (2026-11-20T02:30:00Z) or unix seconds';

/** Parses a time expression to epoch ms; `name` is the option, for the error. */
export function parseTimeExpression(text: string, nowMs: number, name = 'time'): number {
  const value = String(text).trim();
  const relative = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value);
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2]];
  if (value === 'now') return nowMs;
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  if (/^\d{12,14}$/.test(value)) return Number(value);
  const local = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(value);
  if (local) {
    const [y, mo, d, h = '0', mi = '0', s = '0', ms = '0'] = local.slice(1).map((v) => v ?? undefined) as string[];
    const date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
    if (date.getFullYear() !== Number(y) || date.getMonth() !== Number(mo) - 1 || date.getDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
      throw inputError(`--${name} "${value}" is not a valid date.`);
    }
    return date.getTime();
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw inputError(`--${name} "${value}" is not a time: use ${FORMS}.`);
}

export interface TimeWindow {
  /** Epoch ms, whole seconds, both ends included. */
  start: number;
  end: number;
}

export const DAY_MS = 86400_000;

/**
 * Splits [start, end] into consecutive windows the API accepts: whole seconds, both ends included, at most a
 * day apart, none overlapping.
 */
export function splitWindows(startMs: number, endMs: number, maxSpanMs = DAY_MS): TimeWindow[] {
  const start = Math.floor(startMs / 1000) * 1000;
  const end = Math.floor(endMs / 1000) * 1000;
  const windows: TimeWindow[] = [];
  for (let a = start; a <= end; a += maxSpanMs) windows.push({ start: a, end: Math.min(a + maxSpanMs - 1000, end) });
  return windows;
}

/** Halves a window (for one holding more entries than Offset + Limit can reach); undefined for one second. */
export function bisectWindow(window: TimeWindow): [TimeWindow, TimeWindow] | undefined {
  if (window.end <= window.start) return undefined;
  const mid = window.start + Math.floor((window.end - window.start) / 2000) * 1000;
  return [
    { start: window.start, end: mid },
    { start: mid + 1000, end: window.end },
  ];
}

/** Local time with its offset, for people: `2026-11-23 14:04:47 +08:00`. */
export function formatLocal(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}

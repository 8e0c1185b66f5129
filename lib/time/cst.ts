// The API's clock: times are `YYYY-MM-DD HH:mm:ss` in China Standard Time (UTC+8, no daylight saving),
// whatever the user's time zone. Pure conversions between those strings and epoch milliseconds.

const CST_OFFSET_MS = 8 * 3600 * 1000;
const CST_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/** Epoch ms → `YYYY-MM-DD HH:mm:ss` (UTC+8); with `millis`, `.fff` is appended. */
export function formatCst(epochMs: number, millis = false): string {
  const d = new Date(epochMs + CST_OFFSET_MS);
  const text = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return millis ? `${text}.${pad(d.getUTCMilliseconds(), 3)}` : text;
}

/** `YYYY-MM-DD HH:mm:ss[.fff]` (UTC+8) → epoch ms; undefined when the text is not of that form. */
export function parseCst(text: string): number | undefined {
  const m = CST_PATTERN.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return utc - CST_OFFSET_MS;
}

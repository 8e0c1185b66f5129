// Amounts as every command writes them: counts with their noun in the right number, sizes, durations, rates.
// Pure.

/** `1 function`, `3 functions`; `plural` when the noun does not just take an s. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** Bytes for people: `812 B`, `12.3 kB`, `7.1 MB`, `1.2 GB` (powers of 1024, as the size limits are given). */
export function byteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A duration for people: `850 ms`, `3.2 s`, `2 min 05 s`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
}

/** A transfer rate: bytes over ms → `5.9 MB/s`. */
export function rate(bytes: number, ms: number): string {
  return `${byteSize(ms > 0 ? Math.round((bytes * 1000) / ms) : bytes)}/s`;
}

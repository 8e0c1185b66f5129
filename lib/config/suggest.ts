// "Did you mean": the known name closest to a mistyped one (a function key, a runtime), when one is close enough
// to be what was meant. Pure.

/** Edit distance (insertions, deletions, substitutions, and two neighbours swapped count one each). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/**
 * The candidate closest to `input` (case aside; of two as close, the one sharing the longer start, so that
 * `nodejs18.x` finds Nodejs18.15 rather than Nodejs8.9), or undefined when none is within a third of its length
 * (at least 1) or two are equally close.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  // A start only one candidate has (`nodejs20` of Nodejs20.15) is that one.
  const starting = wanted.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(wanted)) : [];
  if (starting.length === 1) return starting[0];
  const ranked = candidates
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate.toLowerCase()), prefix: commonPrefix(wanted, candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || b.prefix - a.prefix);
  const [best, next] = ranked;
  if (!best || best.distance > Math.max(1, Math.floor(input.length / 3))) return undefined;
  if (next && next.distance === best.distance && next.prefix === best.prefix) return undefined;
  return best.candidate;
}

/** ` Did you mean "greet"?` (with a leading space), or '' when nothing is close. */
export function didYouMean(input: string, candidates: readonly string[], quote = true): string {
  const found = closest(input, candidates);
  if (found === undefined) return '';
  return ` Did you mean ${quote ? `"${found}"` : found}?`;
}

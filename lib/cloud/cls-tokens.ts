// How CLS cuts a text value into the tokens its index holds and its searches match: at every delimiter,
// case-insensitively. The delimiters are those CLS recommends for text indexes (`@&?|#()='",;:<>[]{}/`, space,
// \n \t \r and backslash) plus `-`, which the SCF topic's index also splits at: that is why an unquoted request id
// matches every id sharing one of its dash-separated parts. A fact of the API, like its signature: the emulator
// searches with it, and the plugin matches `--grep` with it where it cannot ask CLS (the GetFunctionLogs path).

export const CLS_DELIMITERS = '@&?|#()=\'",;:<>[]{}/ \n\t\r\\-';

const DELIMITER_CODES = new Set([...CLS_DELIMITERS].map((c) => c.charCodeAt(0)));

/** The tokens of a text value, lower-cased, in order (repeats kept: phrases match consecutive tokens). */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const boundary = i === text.length || DELIMITER_CODES.has(text.charCodeAt(i));
    if (boundary) {
      if (start >= 0) tokens.push(text.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return tokens;
}

/** True when `text` holds the tokens of `phrase` consecutively: how CLS matches a quoted full-text phrase. */
export function containsPhrase(text: string, phrase: string): boolean {
  const wanted = tokenize(phrase);
  if (!wanted.length) return false;
  const have = tokenize(text);
  outer: for (let i = 0; i + wanted.length <= have.length; i++) {
    for (let j = 0; j < wanted.length; j++) if (have[i + j] !== wanted[j]) continue outer;
    return true;
  }
  return false;
}

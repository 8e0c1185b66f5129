// CLS search conditions — the part of a SearchLog query before any `|` — parsed into a tree and evaluated against
// a record's fields, for the subset the plugin and the SCF docs' recipes use:
//   field:value   field:"a phrase"   bare terms and "phrases" (full text: any field)   AND OR NOT ( )
//   a trailing * (prefix)   field:>=400 field:>3000 field:200 on long/double fields   field:[400 TO 499] (Lucene)
//   field:* (the field exists)   * or nothing (everything)
// Matching is on tokens (see tokens.ts): an unquoted value that cuts into several tokens matches a record having
// any of them; a quoted one matches them consecutively. Whatever else the real parser would accept (SQL after |,
// ?, ~, regular expressions, a comparison on a text field) is refused as a syntax error, never run as a match-all.
import { tokenize } from '../../cloud/cls-tokens';

export type QuerySyntax = 'lucene' | 'cql';

export type FieldType = 'text' | 'long' | 'double';

/** The index SCF sets up on its log topics: five long fields, one double, the rest text. */
export const SCF_FIELD_TYPES: ReadonlyMap<string, FieldType> = new Map<string, FieldType>([
  ['SCF_FunctionName', 'text'],
  ['SCF_Namespace', 'text'],
  ['SCF_StartTime', 'long'],
  ['SCF_LogTime', 'long'],
  ['SCF_RequestId', 'text'],
  ['SCF_Duration', 'long'],
  ['SCF_Alias', 'text'],
  ['SCF_Qualifier', 'text'],
  ['SCF_MemUsage', 'double'],
  ['SCF_Level', 'text'],
  ['SCF_Message', 'text'],
  ['SCF_Type', 'text'],
  ['SCF_StatusCode', 'long'],
  ['SCF_RetryNum', 'long'],
]);

export type CompareOp = '>' | '>=' | '<' | '<=' | '=';

export interface Term {
  token: string;
  /** A trailing `*`: any token starting with `token`. */
  prefix: boolean;
}

export type QueryNode =
  | { kind: 'all' }
  | { kind: 'exists'; field: string }
  /** Any of the terms, in the field (or in any field when `field` is absent). */
  | { kind: 'terms'; field?: string; terms: Term[] }
  /** The tokens consecutively, in one field; with no tokens, a field whose value has none (`field:""`). */
  | { kind: 'phrase'; field?: string; tokens: string[]; prefixLast: boolean }
  | { kind: 'compare'; field: string; op: CompareOp; value: string }
  | { kind: 'and'; left: QueryNode; right: QueryNode }
  | { kind: 'or'; left: QueryNode; right: QueryNode }
  | { kind: 'not'; operand: QueryNode };

export class QuerySyntaxError extends Error {}

/** A record's fields, with each text value's tokens cut once and kept: a record is matched by many queries. */
export class LogDocument {
  private readonly tokenCache = new Map<string, string[]>();

  constructor(readonly fields: Readonly<Record<string, string>>) {}

  value(field: string): string | undefined {
    // Own keys only: a query naming `constructor` or `__proto__` must not reach Object.prototype.
    return Object.prototype.hasOwnProperty.call(this.fields, field) ? this.fields[field] : undefined;
  }

  tokens(field: string): string[] | undefined {
    let tokens = this.tokenCache.get(field);
    if (tokens) return tokens;
    const value = this.value(field);
    if (value === undefined) return undefined;
    tokens = tokenize(value);
    this.tokenCache.set(field, tokens);
    return tokens;
  }

  names(): string[] {
    return Object.keys(this.fields);
  }
}

// ---- lexing ---------------------------------------------------------------------------------------------------

type Lexeme = { kind: 'and' | 'or' | 'not' | 'lparen' | 'rparen' | 'end'; at: number } | { kind: 'operand'; node: QueryNode; at: number };

interface Char {
  ch: string;
  escaped: boolean;
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const FIELD_NAME = /^[A-Za-z0-9_.@/-]+$/;
const isSpace = (ch: string) => ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r';

class Lexer {
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly syntax: QuerySyntax,
    private readonly fieldTypes: ReadonlyMap<string, FieldType>,
  ) {}

  fail(message: string, at = this.i): never {
    throw new QuerySyntaxError(`${message} (at character ${at + 1} of the query).`);
  }

  all(): Lexeme[] {
    const out: Lexeme[] = [];
    for (;;) {
      while (this.i < this.s.length && isSpace(this.s[this.i])) this.i++;
      const at = this.i;
      if (at >= this.s.length) {
        out.push({ kind: 'end', at });
        return out;
      }
      const ch = this.s[at];
      if (ch === '(' || ch === ')') {
        this.i++;
        out.push({ kind: ch === '(' ? 'lparen' : 'rparen', at });
      } else if (ch === '"') {
        out.push({ kind: 'operand', node: this.phraseNode(undefined, this.quoted()), at });
      } else {
        out.push(this.wordOrField(at));
      }
    }
  }

  /** The text of a "quoted" value, the cursor on its opening quote. `\x` is x (so `\"`, `\\`, `\*`). */
  private quoted(): Char[] {
    const open = this.i++;
    const chars: Char[] = [];
    while (this.i < this.s.length) {
      const ch = this.s[this.i++];
      if (ch === '"') return chars;
      if (ch === '\\') {
        if (this.i >= this.s.length) break;
        chars.push({ ch: this.s[this.i++], escaped: true });
      } else {
        chars.push({ ch, escaped: false });
      }
    }
    this.fail('An unclosed quote', open);
  }

  /** Characters up to a space, a parenthesis or a quote (or an unescaped colon, when `atColon`). */
  private word(atColon: boolean): Char[] {
    const chars: Char[] = [];
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (isSpace(ch) || ch === '(' || ch === ')' || ch === '"' || (atColon && ch === ':')) break;
      this.i++;
      if (ch === '\\') {
        if (this.i >= this.s.length) this.fail('A backslash at the end of the query escapes nothing', this.i - 1);
        chars.push({ ch: this.s[this.i++], escaped: true });
      } else {
        chars.push({ ch, escaped: false });
      }
    }
    return chars;
  }

  private wordOrField(at: number): Lexeme {
    const head = this.word(true);
    if (this.s[this.i] === ':') {
      this.i++;
      const name = head.map((c) => c.ch).join('');
      if (!FIELD_NAME.test(name) || head.some((c) => c.escaped)) this.fail(`\`${name}\` is not a field name`, at);
      return { kind: 'operand', node: this.fieldValue(name, at), at };
    }
    const text = head.map((c) => c.ch).join('');
    const plain = !head.some((c) => c.escaped);
    if (plain) {
      const keyword = this.syntax === 'cql' ? text.toUpperCase() : text;
      if (keyword === 'AND' || keyword === 'OR' || keyword === 'NOT') return { kind: keyword.toLowerCase() as 'and' | 'or' | 'not', at };
      if (text === '*') return { kind: 'operand', node: { kind: 'all' }, at };
    }
    if (this.syntax === 'lucene' && (text === '&&' || text === '||')) this.fail(`\`${text}\` is not supported here: use AND or OR`, at);
    return { kind: 'operand', node: this.termsNode(undefined, head, at), at };
  }

  /** What follows `field:`. */
  private fieldValue(field: string, at: number): QueryNode {
    const ch = this.s[this.i];
    if (ch === undefined || isSpace(ch) || ch === '(' || ch === ')') {
      this.fail(`\`${field}:\` has no value${ch === '(' ? ' (field:(…) grouping is not supported by the emulator)' : ''}`, at);
    }
    if (this.syntax === 'lucene' && field === '_exists_') {
      const name = this.word(false).map((c) => c.ch).join('');
      if (!FIELD_NAME.test(name)) this.fail('`_exists_:` must name a field', at);
      return { kind: 'exists', field: name };
    }
    const type = this.fieldTypes.get(field) ?? 'text';
    if (ch === '"') {
      const chars = this.quoted();
      if (type === 'text') return this.phraseNode(field, chars);
      return this.numberEquals(field, chars.map((c) => c.ch).join(''), at);
    }
    if (ch === '[' || ch === '{') return this.range(field, type, at);
    if (ch === '>' || ch === '<' || ch === '=') {
      if (type === 'text') this.fail(`\`${field}\` is a text field: comparisons need a long or double field`, at);
      let op = ch as CompareOp;
      this.i++;
      if (op !== '=' && this.s[this.i] === '=') {
        op = `${op}=` as CompareOp;
        this.i++;
      }
      while (this.i < this.s.length && isSpace(this.s[this.i])) this.i++;
      const number = this.word(false).map((c) => c.ch).join('');
      if (!NUMBER.test(number)) this.fail(`\`${field}:${op}\` needs a number, not \`${number}\``, at);
      return { kind: 'compare', field, op, value: number };
    }
    const chars = this.word(false);
    const text = chars.map((c) => c.ch).join('');
    if (text === '*' && !chars[0].escaped) return { kind: 'exists', field };
    if (chars.some((c) => c.ch === ':' && !c.escaped)) this.fail(`\`${field}:${text}\` has a second colon: quote the value`, at);
    if (type === 'text') return this.termsNode(field, chars, at);
    if (chars.some((c) => c.ch === '*' && !c.escaped)) this.fail(`\`${field}\` is a ${type} field: it has no prefix search`, at);
    return this.numberEquals(field, text, at);
  }

  private numberEquals(field: string, text: string, at: number): QueryNode {
    if (!NUMBER.test(text)) this.fail(`\`${field}\` is a ${this.fieldTypes.get(field)} field: \`${text}\` is not a number`, at);
    return { kind: 'compare', field, op: '=', value: text };
  }

  /** Lucene's `[low TO high]` (inclusive) and `{low TO high}` (exclusive), either end `*` for open. */
  private range(field: string, type: FieldType, at: number): QueryNode {
    if (this.syntax === 'cql') this.fail('CQL has no [a TO b] ranges: use field:>=a AND field:<=b', at);
    if (type === 'text') this.fail(`\`${field}\` is a text field: ranges need a long or double field`, at);
    const open = this.s[this.i++];
    const close = this.s.indexOf(open === '[' ? ']' : '}', this.i);
    const otherClose = this.s.indexOf(open === '[' ? '}' : ']', this.i);
    const end = close < 0 ? otherClose : otherClose < 0 ? close : Math.min(close, otherClose);
    if (end < 0) this.fail('An unclosed range', at);
    const parts = this.s.slice(this.i, end).trim().split(/\s+/);
    this.i = end + 1;
    if (parts.length !== 3 || parts[1] !== 'TO') this.fail('A range is [low TO high]', at);
    const [low, , high] = parts;
    for (const bound of [low, high]) if (bound !== '*' && !NUMBER.test(bound)) this.fail(`\`${bound}\` is not a number`, at);
    const lower: QueryNode | undefined = low === '*' ? undefined : { kind: 'compare', field, op: open === '[' ? '>=' : '>', value: low };
    const upper: QueryNode | undefined = high === '*' ? undefined : { kind: 'compare', field, op: this.s[end] === ']' ? '<=' : '<', value: high };
    if (lower && upper) return { kind: 'and', left: lower, right: upper };
    return lower ?? upper ?? { kind: 'exists', field };
  }

  /** An unquoted value: its tokens, any of which matches; a trailing `*` makes the last one a prefix. */
  private termsNode(field: string | undefined, chars: Char[], at: number): QueryNode {
    const text = chars.map((c) => c.ch).join('');
    const bare = (i: number) => !chars[i].escaped;
    chars.forEach((c, i) => {
      if (c.escaped) return;
      const ch = c.ch;
      if (ch === '|') this.fail('SQL after `|` is not supported by the emulator: search conditions only', at);
      if (ch === '*' && i !== chars.length - 1) this.fail(i === 0 ? 'A leading wildcard (`*abc`) is not supported' : 'A wildcard inside a term is not supported by the emulator: only a trailing `*`', at);
      if (ch === '?') this.fail('The `?` wildcard is not supported by the emulator', at);
      if (ch === '~' || ch === '^') this.fail(`\`${ch}\` (fuzzy search, boost) is not supported by the emulator`, at);
      if ('[]{}'.includes(ch)) this.fail(`\`${ch}\` only opens or closes a range: field:[a TO b]`, at);
      if ('<>='.includes(ch)) this.fail(`\`${ch}\` only compares a field with a number, as in field:>=400; quote text that contains it`, at);
      if (ch === '!') this.fail('`!` is not supported: use NOT', at);
      if (i === 0 && (ch === '+' || ch === '-')) this.fail(`A leading \`${ch}\` is not supported: use AND, NOT`, at);
      if (i === 0 && ch === '/' && this.syntax === 'lucene') this.fail('Regular expressions are not supported by the emulator', at);
    });
    const prefix = chars.length > 0 && chars[chars.length - 1].ch === '*' && bare(chars.length - 1);
    const tokens = tokenize(prefix ? text.slice(0, -1) : text);
    if (tokens.length === 0) this.fail(`\`${text}\` holds nothing to search for`, at);
    // A prefix applies to the last token only when the * touches it (`abc-d*`, not `abc-*`).
    const lastTouches = prefix && tokenize(text.slice(-2, -1)).length === 1;
    if (prefix && !lastTouches) this.fail(`\`${text}\`: a \`*\` must follow the characters it completes`, at);
    return { kind: 'terms', field, terms: tokens.map((token, i) => ({ token, prefix: prefix && i === tokens.length - 1 })) };
  }

  private phraseNode(field: string | undefined, chars: Char[]): QueryNode {
    let text = chars.map((c) => c.ch).join('');
    let prefixLast = false;
    // CQL reads an unescaped * in a phrase as a wildcard; the emulator takes it only at the end. Lucene: literal.
    const wild = chars.map((c, i) => (!c.escaped && c.ch === '*' ? i : -1)).filter((i) => i >= 0);
    if (this.syntax === 'cql' && wild.length) {
      if (wild.length > 1 || wild[0] !== chars.length - 1 || tokenize(text.slice(-2, -1)).length === 0) {
        this.fail('A wildcard inside a phrase is supported by the emulator only at its end, right after a word (escape a literal * as \\*)');
      }
      text = text.slice(0, -1);
      prefixLast = true;
    }
    const tokens = tokenize(text);
    if (tokens.length === 0 && field === undefined) this.fail('A quoted phrase with nothing to search for');
    return { kind: 'phrase', field, tokens, prefixLast };
  }
}

// ---- parsing --------------------------------------------------------------------------------------------------

/**
 * Parses a query's search conditions. CQL: AND, OR, NOT in any case, AND between adjacent conditions. Lucene:
 * upper case only, OR between adjacent conditions. NOT binds tightest, then AND, then OR; `a NOT b` is a AND NOT b
 * in both. Empty or `*` is everything.
 */
export function parseQuery(text: string, syntax: QuerySyntax, fieldTypes: ReadonlyMap<string, FieldType> = SCF_FIELD_TYPES): QueryNode {
  const lexer = new Lexer(text, syntax, fieldTypes);
  const lexemes = lexer.all();
  let pos = 0;
  const peek = () => lexemes[pos];
  const startsCondition = (l: Lexeme) => l.kind === 'operand' || l.kind === 'lparen' || l.kind === 'not';
  const describe = (l: Lexeme) => (l.kind === 'end' ? 'the end of the query' : l.kind === 'operand' ? 'a condition' : l.kind === 'lparen' ? '`(`' : l.kind === 'rparen' ? '`)`' : `\`${l.kind.toUpperCase()}\``);

  const unary = (): QueryNode => {
    const l = lexemes[pos++];
    if (l.kind === 'not') return { kind: 'not', operand: unary() };
    if (l.kind === 'operand') return l.node;
    if (l.kind === 'lparen') {
      if (peek().kind === 'rparen') lexer.fail('Empty parentheses', l.at);
      const inner = or();
      const close = lexemes[pos++];
      if (close.kind !== 'rparen') lexer.fail(`An unclosed \`(\` (found ${describe(close)})`, l.at);
      return inner;
    }
    return lexer.fail(`Expected a condition, found ${describe(l)}`, l.at);
  };
  const and = (): QueryNode => {
    let node = unary();
    for (;;) {
      const l = peek();
      if (l.kind === 'and') {
        pos++;
        node = { kind: 'and', left: node, right: unary() };
      } else if (l.kind === 'not' || (syntax === 'cql' && startsCondition(l))) {
        node = { kind: 'and', left: node, right: unary() };
      } else {
        return node;
      }
    }
  };
  const or = (): QueryNode => {
    let node = and();
    for (;;) {
      const l = peek();
      if (l.kind === 'or') {
        pos++;
        node = { kind: 'or', left: node, right: and() };
      } else if (syntax === 'lucene' && startsCondition(l)) {
        node = { kind: 'or', left: node, right: and() };
      } else {
        return node;
      }
    }
  };

  if (peek().kind === 'end') return { kind: 'all' };
  const tree = or();
  const rest = peek();
  if (rest.kind !== 'end') lexer.fail(rest.kind === 'rparen' ? 'A `)` without its `(`' : `Unexpected ${describe(rest)}`, rest.at);
  return tree;
}

// ---- matching -------------------------------------------------------------------------------------------------

const matchesTerm = (token: string, term: Term) => (term.prefix ? token.startsWith(term.token) : token === term.token);

function hasTerms(tokens: string[], terms: Term[]): boolean {
  return terms.some((term) => tokens.some((token) => matchesTerm(token, term)));
}

function hasPhrase(tokens: string[], phrase: string[], prefixLast: boolean): boolean {
  if (phrase.length === 0) return tokens.length === 0;
  const last = phrase.length - 1;
  outer: for (let start = 0; start + phrase.length <= tokens.length; start++) {
    for (let k = 0; k <= last; k++) {
      const token = tokens[start + k];
      if (k === last && prefixLast ? !token.startsWith(phrase[k]) : token !== phrase[k]) continue outer;
    }
    return true;
  }
  return false;
}

/** Orders two decimal numbers; whole numbers exactly (SCF_LogTime's nanoseconds pass 2^53). */
function compareNumbers(a: string, b: string): number {
  if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Math.sign(Number(a) - Number(b));
}

function compares(value: string | undefined, op: CompareOp, operand: string): boolean {
  if (value === undefined || !NUMBER.test(value.trim())) return false;
  const order = compareNumbers(value.trim(), operand);
  if (op === '>') return order > 0;
  if (op === '>=') return order >= 0;
  if (op === '<') return order < 0;
  if (op === '<=') return order <= 0;
  return order === 0;
}

export function matchesQuery(node: QueryNode, doc: LogDocument): boolean {
  switch (node.kind) {
    case 'all':
      return true;
    case 'exists':
      return doc.value(node.field) !== undefined;
    case 'terms':
      if (node.field !== undefined) {
        const tokens = doc.tokens(node.field);
        return tokens !== undefined && hasTerms(tokens, node.terms);
      }
      return doc.names().some((name) => hasTerms(doc.tokens(name)!, node.terms));
    case 'phrase':
      if (node.field !== undefined) {
        const tokens = doc.tokens(node.field);
        return tokens !== undefined && hasPhrase(tokens, node.tokens, node.prefixLast);
      }
      return doc.names().some((name) => hasPhrase(doc.tokens(name)!, node.tokens, node.prefixLast));
    case 'compare':
      return compares(doc.value(node.field), node.op, node.value);
    case 'and':
      return matchesQuery(node.left, doc) && matchesQuery(node.right, doc);
    case 'or':
      return matchesQuery(node.left, doc) || matchesQuery(node.right, doc);
    case 'not':
      return !matchesQuery(node.operand, doc);
  }
}

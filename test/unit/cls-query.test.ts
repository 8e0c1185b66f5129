// The CLS query language as the emulator reads it, table-driven: each construct, CQL against Lucene, look-alike
// request ids unquoted and quoted, numbers, prefixes, and the inputs that must be syntax errors (never a match-all).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { LogDocument, matchesQuery, parseQuery, QuerySyntaxError, type QuerySyntax } from '../../lib/emulator/cls/query';
import { CLS_DELIMITERS, tokenize } from '../../lib/cloud/cls-tokens';
import { InvocationLog } from '../../lib/emulator/cls/records';

const ID_A = '1fd17775-fdaa-4eb9-b33a-3fa5fabb3865';
// shares two of A's five dash-separated parts
const ID_B = '1fd17775-0b0b-4eb9-9c9c-000000000000';
const T = Date.UTC(2026, 10, 23, 8);

function invocation(requestId: string, lines: string[], outcome: { statusCode: number; durationMs: number }) {
  const log = new InvocationLog({ functionName: 'shop-dev-api', namespace: 'default', qualifier: '$LATEST', alias: '', requestId, retryNum: 0, startMs: T });
  return [log.start(), ...lines.map((text, i) => log.line({ timeMs: T + i, text })), ...log.end({ ...outcome, retMsg: 'null', memUsageBytes: 1048576, memorySize: 128 })];
}

const a = invocation(ID_A, ['hello world from handler', 'say "hi" \\ there'], { statusCode: 200, durationMs: 12 });
const b = invocation(ID_B, ['Reporting an error: Disk-Full and more'], { statusCode: 433, durationMs: 3001 });
// name → record: startA, line1A, line2A, responseA, endA, reportA; startB, line1B, responseB, endB, reportB
const docs = new Map<string, LogDocument>([
  ['startA', a[0]],
  ['line1A', a[1]],
  ['line2A', a[2]],
  ['responseA', a[3]],
  ['endA', a[4]],
  ['reportA', a[5]],
  ['startB', b[0]],
  ['line1B', b[1]],
  ['responseB', b[2]],
  ['endB', b[3]],
  ['reportB', b[4]],
].map(([name, record]) => [name as string, new LogDocument((record as { fields: Record<string, string> }).fields)]));
const ALL = [...docs.keys()];
const OF_A = ALL.filter((n) => n.endsWith('A'));
const OF_B = ALL.filter((n) => n.endsWith('B'));
const RUNNING = ['startA', 'line1A', 'line2A', 'responseA', 'endA', 'startB', 'line1B', 'responseB', 'endB'];

function matching(query: string, syntax: QuerySyntax): string[] {
  const tree = parseQuery(query, syntax);
  return ALL.filter((name) => matchesQuery(tree, docs.get(name)!));
}

type Row = [query: string, cql: string[], lucene?: string[]];

const ROWS: Row[] = [
  // everything
  ['', ALL],
  ['*', ALL],
  ['   ', ALL],
  // field:value, case-insensitive, whole tokens only
  ['SCF_Type:Platform', ALL.filter((n) => !n.startsWith('line'))],
  ['SCF_Type:platform', ALL.filter((n) => !n.startsWith('line'))],
  ['SCF_Type:Plat', []],
  ['SCF_Message:hello', ['line1A']],
  // a field that is not there matches nothing, even a name Object.prototype has
  ['nope:hello', []],
  ['constructor:hello', []],
  ['__proto__:x', []],
  // look-alike ids: unquoted, any of the id's tokens matches; quoted, all of them in a row
  [`SCF_RequestId:${ID_A}`, ALL],
  [`SCF_RequestId:"${ID_A}"`, OF_A],
  [`SCF_RequestId:"${ID_B}"`, OF_B],
  [`SCF_RequestId:"4eb9-b33a"`, OF_A],
  [`SCF_RequestId:"b33a-4eb9"`, []],
  // full text: any field's value, words and phrases
  ['hello', ['line1A']],
  ['HELLO', ['line1A']],
  ['"world from"', ['line1A']],
  ['"from world"', []],
  ['433', ['reportB']],
  [ID_A.split('-')[4], OF_A],
  // escapes in phrases
  ['SCF_Message:"say \\"hi\\" \\\\ there"', ['line2A']],
  ['"\\"hi\\""', ['line2A']],
  // default operators: CQL AND, Lucene OR
  ['hello disk', [], ['line1A', 'line1B']],
  ['hello AND disk', [], []],
  ['hello OR disk', ['line1A', 'line1B'], ['line1A', 'line1B']],
  // CQL keywords in any case; in Lucene lower case is a word (`and` is in line1B)
  ['hello or disk', ['line1A', 'line1B'], ['line1A', 'line1B']],
  ['hello and disk', [], ['line1A', 'line1B']],
  ['full and more', ['line1B'], ['line1B']],
  // NOT, alone and after a condition (AND NOT in both syntaxes)
  [`SCF_RequestId:"${ID_A}" NOT SCF_Type:Platform`, ['line1A', 'line2A'], ['line1A', 'line2A']],
  [`SCF_RequestId:"${ID_A}" not SCF_Type:Platform`, ['line1A', 'line2A']],
  ['NOT SCF_Type:Platform', ['line1A', 'line2A', 'line1B']],
  ['NOT NOT hello', ['line1A']],
  // precedence and parentheses
  [`(hello OR disk) AND SCF_RequestId:"${ID_B}"`, ['line1B'], ['line1B']],
  [`hello OR disk AND SCF_RequestId:"${ID_B}"`, ['line1A', 'line1B'], ['line1A', 'line1B']],
  [`SCF_Type:Custom AND (hello OR (disk AND NOT more))`, ['line1A']],
  // a trailing * is a prefix of any token; recipes of the SCF docs
  ['SCF_Message:Report*', ['reportA', 'line1B', 'reportB']],
  ['SCF_Type:Platform AND SCF_Message:Report*', ['reportA', 'reportB'], ['reportA', 'reportB']],
  [`SCF_RequestId:"${ID_A}" AND SCF_Type:Platform AND SCF_Message:Response*`, ['responseA'], ['responseA']],
  ['SCF_Namespace:"default" AND SCF_FunctionName:"shop-dev-api"', ALL, ALL],
  ['SCF_FunctionName:"shop-dev"', ALL],
  ['SCF_FunctionName:"dev-shop"', []],
  ['hel*', ['line1A']],
  ['"world fr*"', ['line1A']],
  ['SCF_Message:hel\\*', []],
  // numbers: long and double fields compare as numbers
  ['SCF_StatusCode:200', ['reportA']],
  ['SCF_StatusCode:"433"', ['reportB']],
  ['SCF_StatusCode:>=400', ['reportB']],
  ['SCF_StatusCode:>= 400', ['reportB']],
  ['SCF_StatusCode:<202', ['reportA']],
  ['SCF_StatusCode:202', RUNNING],
  ['SCF_Duration:>3000', ['reportB']],
  ['SCF_Duration:>3001', []],
  ['SCF_Duration:<=12 AND SCF_Duration:>0', ['reportA']],
  ['SCF_MemUsage:>1048575.5', ['reportA', 'reportB']],
  [`SCF_LogTime:>=${T}000000 AND SCF_LogTime:<${T}000001`, ['startA', 'startB']],
  ['SCF_Type:Platform AND SCF_Message:Report* AND NOT SCF_StatusCode:200', ['reportB'], ['reportB']],
  // field exists, empty value
  ['SCF_Alias:*', ALL, ALL],
  ['SCF_Alias:""', ALL],
  ['SCF_Level:""', []],
];

const LUCENE_ONLY: Array<[string, string[]]> = [
  ['SCF_StatusCode:[400 TO 499]', ['reportB']],
  ['SCF_StatusCode:[200 TO 433]', ALL],
  ['SCF_StatusCode:{200 TO 433}', RUNNING],
  ['SCF_StatusCode:[400 TO *]', ['reportB']],
  ['SCF_StatusCode:{* TO 433}', ['reportA', ...RUNNING].sort()],
  ['_exists_:SCF_Alias', ALL],
  ['_exists_:SCF_Nope', []],
];

test('each construct matches what CLS would (CQL, and Lucene where given)', () => {
  for (const [query, cql, lucene] of ROWS) {
    assert.deepEqual(matching(query, 'cql').sort(), [...cql].sort(), `CQL: ${query}`);
    if (lucene) assert.deepEqual(matching(query, 'lucene').sort(), [...lucene].sort(), `Lucene: ${query}`);
  }
  for (const [query, lucene] of LUCENE_ONLY) assert.deepEqual(matching(query, 'lucene').sort(), [...lucene].sort(), `Lucene: ${query}`);
});

const SYNTAX_ERRORS: Array<[string, QuerySyntax[]]> = [
  ['* | select count(*)', ['cql', 'lucene']],
  ['SCF_StatusCode:>=400 | select SCF_RequestId', ['cql', 'lucene']],
  ['a|b', ['cql', 'lucene']],
  ['(hello', ['cql', 'lucene']],
  ['hello)', ['cql', 'lucene']],
  ['((hello)', ['cql', 'lucene']],
  ['()', ['cql', 'lucene']],
  ['"hello', ['cql', 'lucene']],
  ['SCF_Message:"hello', ['cql', 'lucene']],
  ['hello AND', ['cql', 'lucene']],
  ['AND hello', ['cql', 'lucene']],
  ['OR', ['cql', 'lucene']],
  ['NOT', ['cql', 'lucene']],
  ['hello AND AND disk', ['cql', 'lucene']],
  ['hello OR OR disk', ['cql', 'lucene']],
  ['SCF_Message:>3', ['cql', 'lucene']],
  ['SCF_RequestId:<=5', ['cql', 'lucene']],
  ['SCF_Message:[1 TO 2]', ['cql', 'lucene']],
  ['SCF_StatusCode:[400 TO 499]', ['cql']],
  ['SCF_StatusCode:[400 499]', ['lucene']],
  ['SCF_StatusCode:[400 TO 499', ['lucene']],
  ['SCF_StatusCode:[400 to 499]', ['lucene']],
  ['SCF_StatusCode:abc', ['cql', 'lucene']],
  ['SCF_StatusCode:20*', ['cql', 'lucene']],
  ['SCF_StatusCode:"2 00"', ['cql', 'lucene']],
  ['SCF_StatusCode:>=four', ['cql', 'lucene']],
  ['SCF_Message:', ['cql', 'lucene']],
  ['SCF_Message: hello', ['cql', 'lucene']],
  ['SCF_Message:(a OR b)', ['cql', 'lucene']],
  ['SCF_Message:a:b', ['cql', 'lucene']],
  ['na$me:x', ['cql', 'lucene']],
  ['*rror', ['cql', 'lucene']],
  ['SCF_Message:*rror', ['cql', 'lucene']],
  ['he*lo', ['cql', 'lucene']],
  ['hello-*', ['cql', 'lucene']],
  ['"he*lo"', ['cql']],
  ['hel?o', ['cql', 'lucene']],
  ['hello~', ['cql', 'lucene']],
  ['hello^2', ['cql', 'lucene']],
  ['-hello', ['cql', 'lucene']],
  ['+hello', ['cql', 'lucene']],
  ['!hello', ['cql', 'lucene']],
  ['&&', ['cql', 'lucene']],
  ['hello && disk', ['cql', 'lucene']],
  ['/hel+o/', ['lucene']],
  ['x=1', ['cql', 'lucene']],
  ['a>b', ['cql', 'lucene']],
  ['hello \\', ['cql', 'lucene']],
  ['""', ['cql', 'lucene']],
  ['"-"', ['cql', 'lucene']],
  ['_exists_:', ['lucene']],
];

test('what the emulator does not understand is a syntax error, never a match-all', () => {
  for (const [query, syntaxes] of SYNTAX_ERRORS) {
    for (const syntax of syntaxes) {
      assert.throws(() => parseQuery(query, syntax), QuerySyntaxError, `${syntax}: ${query}`);
    }
  }
  // and the message says where
  assert.throws(() => parseQuery('hello AND (disk', 'cql'), /unclosed `\(`.*character 11/);
});

test('the tokenizer cuts at CLS delimiters and `-`, lower-cases, and keeps the rest', () => {
  assert.deepEqual(tokenize(`START RequestId:${ID_A}`), ['start', 'requestid', ...ID_A.split('-')]);
  assert.deepEqual(tokenize('Report RequestId: x Duration:3001ms MemUsage:29.734375MB'), ['report', 'requestid', 'x', 'duration', '3001ms', 'memusage', '29.734375mb']);
  assert.deepEqual(tokenize('a.b_c$d*e!f+g'), ['a.b_c$d*e!f+g']);
  assert.deepEqual(tokenize('k=v&x=[1,2]{y}<z>|#@?"q"\'r\'\\s/t;u\tv\nw\rx'), ['k', 'v', 'x', '1', '2', 'y', 'z', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x']);
  assert.deepEqual(tokenize('--- \n'), []);
  for (const delimiter of CLS_DELIMITERS) assert.deepEqual(tokenize(`x${delimiter}y`), ['x', 'y'], JSON.stringify(delimiter));
});

/** Quotes a value for a CLS phrase, escaping what the phrase syntax reads. */
const phrase = (value: string) => `"${value.replace(/[\\"*]/g, (c) => `\\${c}`)}"`;
/** Escapes every character an unquoted term could read as syntax. */
const bareWord = (value: string) => value.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`);

test('property: a quoted value matches its own record, in both syntaxes, and its tokens match it unquoted', () => {
  const text = fc.string({ unit: fc.constantFrom(...'ab-x :"\\*|()é1._'), maxLength: 24 });
  fc.assert(
    fc.property(text, text, (value, other) => {
      const doc = new LogDocument({ SCF_Message: value });
      for (const syntax of ['cql', 'lucene'] as const) {
        if (tokenize(value).length === 0) continue;
        assert.ok(matchesQuery(parseQuery(`SCF_Message:${phrase(value)}`, syntax), doc), `${syntax} ${phrase(value)}`);
        assert.ok(matchesQuery(parseQuery(phrase(value), syntax), doc));
        for (const token of tokenize(value)) assert.ok(matchesQuery(parseQuery(`SCF_Message:${bareWord(token)}`, syntax), doc), token);
        // an unquoted value matches when the record shares any token with it
        if (tokenize(other).length) {
          const shares = tokenize(other).some((t) => tokenize(value).includes(t));
          assert.equal(matchesQuery(parseQuery(`SCF_Message:${bareWord(other)}`, syntax), doc), shares, `${other} in ${value}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

// CQL queries for SCF's records in CLS, built from what the user asked. Values are always quoted phrases: `-`
// splits a request id into tokens, so an unquoted id would also match look-alike ids. Pure.
import type { FinalOutcome } from './model';

/** A quoted CQL phrase, with `"`, `\` and `*` escaped inside it. */
export function phrase(text: string): string {
  return `"${text.replace(/[\\"*]/g, (c) => `\\${c}`)}"`;
}

/** Functions of one namespace. */
export interface FunctionScope {
  namespace: string;
  functionNames: string[];
}

export interface RecordQuery {
  /** One function, or several sharing a topic, in one namespace or several. */
  functions: FunctionScope[];
  qualifier?: string;
  requestIds?: string[];
  /** Only records whose line (SCF_Message) holds this phrase. */
  grep?: string;
  /** With `grep`: the Platform records too, which carry what a request's header shows (outcome, error). */
  grepOrPlatform?: boolean;
  /** Only records of requests started in [from, to), epoch ms. */
  startedFrom?: number;
  startedBefore?: number;
}

function anyOf(field: string, values: string[]): string {
  const terms = values.map((v) => `${field}:${phrase(v)}`);
  return terms.length === 1 ? terms[0] : `(${terms.join(' OR ')})`;
}

/** The condition on namespace and name alone: what a target's functions cost of a query's length. */
export function functionsCondition(functions: FunctionScope[]): string {
  const each = functions.map((f) => `SCF_Namespace:${phrase(f.namespace)} AND ${anyOf('SCF_FunctionName', f.functionNames)}`);
  return each.length === 1 ? each[0] : `(${each.map((c) => `(${c})`).join(' OR ')})`;
}

/** The records of the requests asked for. */
export function recordQuery(q: RecordQuery): string {
  const parts = [functionsCondition(q.functions)];
  if (q.qualifier) parts.push(`SCF_Qualifier:${phrase(q.qualifier)}`);
  if (q.requestIds?.length) parts.push(anyOf('SCF_RequestId', q.requestIds));
  const started: string[] = [];
  if (q.startedFrom !== undefined) started.push(`SCF_StartTime:>=${Math.floor(q.startedFrom)}`);
  if (q.startedBefore !== undefined) started.push(`SCF_StartTime:<${Math.ceil(q.startedBefore)}`);
  // SCF's simplified log format writes user lines without SCF_StartTime (log-format page 583/60336): they are
  // kept, and the requests they belong to are told by their START and Report, which have it.
  if (started.length) parts.push(`((${started.join(' AND ')}) OR NOT SCF_StartTime:*)`);
  if (q.grep !== undefined) {
    const line = `SCF_Message:${phrase(q.grep)}`;
    parts.push(q.grepOrPlatform ? `(${line} OR SCF_Type:"Platform")` : line);
  }
  return parts.join(' AND ');
}

/** The status codes of the Report record that each outcome filter keeps. */
const OUTCOME_CONDITIONS: Record<FinalOutcome, string> = {
  succeeded: 'SCF_StatusCode:200',
  failed: 'NOT SCF_StatusCode:200 AND NOT SCF_StatusCode:202 AND NOT SCF_StatusCode:433 AND NOT SCF_StatusCode:434 AND NOT SCF_StatusCode:499',
  timeout: 'SCF_StatusCode:433',
  'memory-limit': 'SCF_StatusCode:434',
  interrupted: 'SCF_StatusCode:499',
};

/** The key isTargetRecord looks a record's function up by. */
export const functionId = (namespace: string, functionName: string) => `${namespace}\u0000${functionName}`;

/**
 * Whether a record is of one of the functions asked for exactly (`functionId`s): a phrase search for
 * `svc-dev-api` also finds `svc-dev-api-v2` and `x-svc-dev-api` (`-` cuts names into tokens), which share a topic.
 */
export function isTargetRecord(fields: Record<string, string>, functions: ReadonlySet<string>): boolean {
  return typeof fields.SCF_Namespace === 'string' && typeof fields.SCF_FunctionName === 'string' && functions.has(functionId(fields.SCF_Namespace, fields.SCF_FunctionName));
}

/** CLS refuses a query statement longer than this (CLS-LOGS.md: 12 KB, 12,000 characters on the limits page). */
export const QUERY_CHARS = 12_000;
/** What the functions' condition of one search may take: the rest is for a qualifier, --grep, outcomes and request ids (as many as fit). */
export const FUNCTIONS_QUERY_CHARS = 10_000;

/** Report records of finished requests whose outcome is one of `outcomes`: the first step of a filtered read. */
export function reportQuery(q: Omit<RecordQuery, 'grep' | 'grepOrPlatform' | 'requestIds'>, outcomes: FinalOutcome[]): string {
  const conditions = outcomes.map((o) => `(${OUTCOME_CONDITIONS[o]})`);
  const outcome = conditions.length === 1 ? conditions[0] : `(${conditions.join(' OR ')})`;
  return `${recordQuery(q)} AND SCF_Type:"Platform" AND SCF_Message:Report* AND ${outcome}`;
}

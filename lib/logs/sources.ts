// Where each function's logs are read: CLS, when GetFunction names the function's topic (functions sharing a
// topic are read with one search, across namespaces, as long as the query stays within CLS's length), else
// GetFunctionLogs; and the fallback when CLS refuses. Several sources' histories are merged in start order; their
// tails run side by side; all of them together keep at most the set number of searches of a topic in flight.
import { ScfError } from '../cloud/errors';
import type { Clients } from '../cloud/clients';
import type { Clock } from '../cloud/limiter';
import { functionsCondition, FUNCTIONS_QUERY_CHARS, type FunctionScope } from './cls-query';
import { type ClsSearch, type ClsTarget, clsHistory, ClsTail, DEFAULT_SEARCHES, type HistoryOptions, searchesPerTopic } from './cls-source';
import type { RequestLog, RequestOutcome } from './model';
import { clsSettingAdvice, isGetFunctionLogsGone, logsUnavailable, type ScfFilters, scfHistory, scfTail, type ScfTarget } from './scf-source';

export interface LogTarget {
  key: string;
  functionName: string;
  namespace: string;
}

export interface LogSources {
  cls: ClsTarget[];
  scf: ScfTarget[];
}

/** Errors that say CLS cannot serve this topic for these credentials: read GetFunctionLogs instead. */
export function isClsUnavailable(error: unknown): boolean {
  if (!(error instanceof ScfError)) return false;
  return (
    error.code === 'ResourceNotFound.TopicNotExist' ||
    error.code.startsWith('OperationDenied') ||
    error.code.startsWith('UnauthorizedOperation') ||
    error.code === 'AuthFailure.UnauthorizedOperation' ||
    error.code === 'FailedOperation.TopicIsolated'
  );
}

/** GetFunction for each function (its ClsTopicId), grouped by topic; `note` is told why a function falls back. */
export async function resolveSources(clients: Pick<Clients, 'scf'>, targets: LogTarget[], note: (message: string, why: string) => void): Promise<LogSources> {
  const keyOf = new Map(targets.map((t) => [`${t.namespace}/${t.functionName}`, t.key]));
  // Every request carries its function's key (`--json` shows it), whether one function is read or several.
  const functionKeyOf = (name: string, ns: string) => keyOf.get(`${ns}/${name}`);
  if (clients.scf.legacy) {
    note('Reading logs with GetFunctionLogs.', 'the legacy API has no CLS');
    return { cls: [], scf: targets.map((t) => ({ ...t, functionKey: t.key })) };
  }
  const infos = await Promise.all(
    targets.map(async (t) => {
      const info = await clients.scf.getFunction({ functionName: t.functionName, namespace: t.namespace });
      if (!info) {
        throw new ScfError('ResourceNotFound.Function', `Function "${t.functionName}" (${t.key}) was not found in namespace "${t.namespace}", region ${clients.scf.region}: is it deployed?`);
      }
      return { target: t, topicId: info.clsTopicId };
    }),
  );
  const byTopic = new Map<string, Map<string, string[]>>();
  const scf: ScfTarget[] = [];
  for (const { target, topicId } of infos) {
    if (!topicId) {
      const fallback = { ...target, functionKey: target.key };
      note(`${target.functionName} has no CLS topic: reading its logs with GetFunctionLogs, which the vendor has taken offline. To read them from CLS, ${clsSettingAdvice(fallback)}.`, 'GetFunction names no ClsTopicId');
      scf.push(fallback);
      continue;
    }
    const namespaces = byTopic.get(topicId) ?? new Map<string, string[]>();
    namespaces.set(target.namespace, [...(namespaces.get(target.namespace) ?? []), target.functionName]);
    byTopic.set(topicId, namespaces);
  }
  const cls = [...byTopic].flatMap(([topicId, namespaces]) => queryParts([...namespaces].map(([namespace, functionNames]) => ({ namespace, functionNames }))).map((functions): ClsTarget => ({ topicId, functions, functionKeyOf })));
  return { cls, scf };
}

/**
 * The functions of one topic in as few searches as CLS's query length allows: whole namespaces while they fit,
 * a namespace's names split where one alone does not.
 */
export function queryParts(scopes: FunctionScope[], room = FUNCTIONS_QUERY_CHARS): FunctionScope[][] {
  const parts: FunctionScope[][] = [];
  let current: FunctionScope[] = [];
  const fits = (candidate: FunctionScope[]) => functionsCondition(candidate).length <= room;
  for (const scope of scopes) {
    for (const functionName of scope.functionNames) {
      const last = current[current.length - 1];
      const grown = last?.namespace === scope.namespace ? [...current.slice(0, -1), { namespace: scope.namespace, functionNames: [...last.functionNames, functionName] }] : [...current, { namespace: scope.namespace, functionNames: [functionName] }];
      if (current.length && !fits(grown)) {
        parts.push(current);
        current = [{ namespace: scope.namespace, functionNames: [functionName] }];
      } else current = grown;
    }
  }
  if (current.length) parts.push(current);
  return parts;
}

/** The names of a target's functions, for messages. */
export function functionNamesOf(group: ClsTarget): string[] {
  return group.functions.flatMap((f) => f.functionNames);
}

function scfTargetsOf(group: ClsTarget): ScfTarget[] {
  return group.functions.flatMap((f) => f.functionNames.map((functionName) => ({ functionName, namespace: f.namespace, functionKey: group.functionKeyOf?.(functionName, f.namespace) })));
}

export interface HistoryRequest extends ScfFilters {
  fromMs: number;
  toMs: number;
  finishWithinMs: number;
  nowMs: number;
  /** Searches of one topic in flight at once, over every function read (custom.scf.logs.searches). */
  searches?: number;
  onTruncated?(what: string): void;
}

/** One topic's history, or the GetFunctionLogs history of its functions when CLS refuses at once. */
async function* topicHistory(clients: Clients, cls: ClsSearch, group: ClsTarget, request: HistoryRequest, note: (message: string, why: string) => void): AsyncGenerator<RequestLog[]> {
  const options: HistoryOptions = { ...request, concurrency: request.searches, outcomes: request.outcomes, onTruncated: (ms) => request.onTruncated?.(`more than 10000 records at ${new Date(ms).toISOString()}`) };
  const stream = clsHistory(cls, group, options);
  let first: IteratorResult<RequestLog[]>;
  try {
    first = await stream.next();
  } catch (error) {
    if (!isClsUnavailable(error)) throw error;
    note(`CLS refused to search the logs of ${functionNamesOf(group).join(', ')}: reading them with GetFunctionLogs.`, (error as Error).message);
    yield* mergeByStart(scfTargetsOf(group).map((t) => scfHistory(clients.scf, t, request, request.fromMs, request.toMs)));
    return;
  }
  if (first.done) return;
  yield first.value;
  yield* stream;
}

/** Every requested function's history, merged in start order. */
export function history(clients: Clients, sources: LogSources, request: HistoryRequest, note: (message: string, why: string) => void): AsyncGenerator<RequestLog[]> {
  const cls = searchesPerTopic(clients.cls, request.searches ?? DEFAULT_SEARCHES);
  const streams = [
    ...sources.cls.map((group) => topicHistory(clients, cls, group, request, note)),
    ...sources.scf.map((target) => scfHistory(clients.scf, target, request, request.fromMs, request.toMs, { onTruncated: (w, total) => request.onTruncated?.(`${total} requests in the second at ${new Date(w.start).toISOString()}`) })),
  ];
  return mergeByStart(streams);
}

/** Streams each in start order → one stream in start order. */
export async function* mergeByStart(streams: AsyncGenerator<RequestLog[]>[]): AsyncGenerator<RequestLog[]> {
  if (streams.length === 1) {
    yield* streams[0];
    return;
  }
  const heads = streams.map((it) => ({ it, buffer: [] as RequestLog[], done: false }));
  for (;;) {
    await Promise.all(
      heads
        .filter((h) => !h.done && !h.buffer.length)
        .map(async (h) => {
          const next = await h.it.next();
          if (next.done) h.done = true;
          else h.buffer.push(...next.value);
        }),
    );
    const live = heads.filter((h) => h.buffer.length);
    if (!live.length) {
      if (heads.every((h) => h.done)) return;
      continue;
    }
    // Hand out in order until some stream that may still hold earlier requests runs dry.
    const out: RequestLog[] = [];
    for (;;) {
      const candidates = heads.filter((h) => h.buffer.length);
      if (heads.some((h) => !h.done && !h.buffer.length) || !candidates.length) break;
      let min = candidates[0];
      for (const h of candidates) if (h.buffer[0].startMs < min.buffer[0].startMs) min = h;
      out.push(min.buffer.shift()!);
    }
    if (out.length) yield out;
  }
}

export interface TailRequest extends ScfFilters {
  fromMs: number;
  clock: Clock;
  onRequest(request: RequestLog): void;
  onLateLine?(request: RequestLog, line: string): void;
  onWarning?(message: string): void;
  /** Searches of one topic in flight at once, over every function tailed (custom.scf.logs.searches). */
  searches?: number;
}

/** One poll function over every source; each source prints as it finds. */
export function tails(clients: Clients, sources: LogSources, request: TailRequest, note: (message: string, why: string) => void): () => Promise<void> {
  const polls: Array<() => Promise<void>> = [];
  const cls = searchesPerTopic(clients.cls, request.searches ?? DEFAULT_SEARCHES);
  const scfPoll = (target: ScfTarget, fromMs: number, onRequest: (request: RequestLog) => void) => {
    const tail = scfTail(clients.scf, target, request, fromMs, request.clock, onRequest, request.onWarning);
    return () =>
      tail.poll().catch((error) => {
        throw isGetFunctionLogsGone(error) ? logsUnavailable(target, error) : error;
      });
  };
  for (const group of sources.cls) {
    // What the CLS tail printed, so a fallback taken in the middle of a tail does not print it again.
    const printed = new Set<string>();
    const onRequest = (shown: RequestLog) => {
      printed.add(`${shown.requestId}/${shown.retryNum}`);
      if (printed.size > 20_000) printed.delete(printed.values().next().value!);
      request.onRequest(shown);
    };
    const tail = new ClsTail(cls, group, { ...request, onRequest, outcomes: request.outcomes as Array<Exclude<RequestOutcome, 'running'>> | undefined });
    let fallback: Array<() => Promise<void>> | undefined;
    polls.push(async () => {
      if (fallback) {
        await settleAll(fallback);
        return;
      }
      try {
        await tail.poll();
      } catch (error) {
        if (!isClsUnavailable(error)) throw error;
        note(`CLS refused to search the logs of ${functionNamesOf(group).join(', ')}: tailing them with GetFunctionLogs.`, (error as Error).message);
        // From a minute before where the CLS tail had read, skipping what it printed.
        const fromMs = Math.max(request.fromMs, tail.readUpTo - 60_000);
        const unseen = (shown: RequestLog) => {
          if (!printed.has(`${shown.requestId}/${shown.retryNum}`)) request.onRequest(shown);
        };
        fallback = scfTargetsOf(group).map((target) => scfPoll(target, fromMs, unseen));
      }
    });
  }
  for (const target of sources.scf) polls.push(scfPoll(target, request.fromMs, request.onRequest));
  return () => settleAll(polls);
}

/** Runs every poll to its end, then throws the first failure: no source's poll is left running into the next. */
async function settleAll(polls: Array<() => Promise<void>>): Promise<void> {
  const results = await Promise.allSettled(polls.map((poll) => poll()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

// The fallback source: SCF's own GetFunctionLogs (disused by the vendor, 5 requests a second), for functions
// without a CLS topic, when CLS refuses, and in legacy mode. It serves the same requests as the CLS source, with
// the same filters: outcome filters map to its RetCode filter (and are checked on our side, to be exact), and
// `--grep` matches lines the way CLS matches a phrase.
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import type { LogRetCodeFilter } from '../cloud/types';
import { fetchLogs, type FetchOptions } from './fetch';
import { applyFilters, type FinalOutcome, type RequestFilters, requestFromEntry, type RequestLog } from './model';
import { LogTail } from './tail';

export interface ScfTarget {
  functionName: string;
  namespace: string;
  functionKey?: string;
}

export type ScfFilters = RequestFilters;

/** The RetCode filter that narrows what GetFunctionLogs sends, for a set of outcomes. */
export function retCodeFilter(outcomes: FinalOutcome[] | undefined): LogRetCodeFilter | undefined {
  if (!outcomes?.length) return undefined;
  if (outcomes.length === 1) {
    const only: Partial<Record<FinalOutcome, LogRetCodeFilter>> = { succeeded: 'is0', timeout: 'TimeLimitExceeded', 'memory-limit': 'ResourceLimitExceeded', failed: 'UserCodeException' };
    if (only[outcomes[0]]) return only[outcomes[0]];
  }
  return outcomes.includes('succeeded') ? undefined : 'not0';
}

function shown(target: ScfTarget, filters: ScfFilters, entries: Parameters<typeof requestFromEntry>[0][]): RequestLog[] {
  const out: RequestLog[] = [];
  for (const entry of entries) {
    const request = applyFilters({ ...requestFromEntry(entry, target.namespace), functionKey: target.functionKey }, filters);
    if (request) out.push(request);
  }
  return out;
}

/** Whether GetFunctionLogs answered that it is gone: the SDK marks it offline ("该接口已下线"). */
export function isGetFunctionLogsGone(error: unknown): boolean {
  return error instanceof ScfError && (error.code === 'InvalidAction' || error.code === 'UnsupportedOperation' || error.code.startsWith('UnsupportedOperation.'));
}

/** Where to send the user whose function's logs no API will serve: a CLS topic of its own, set in serverless.yml. */
export function clsSettingAdvice(target: ScfTarget): string {
  const key = target.functionKey ?? '<function>';
  return `set functions.${key}.cls: { logsetId: ..., topicId: ... } (a CLS logset and topic of the function's region) in serverless.yml and deploy, and its logs are read from CLS`;
}

/** GetFunctionLogs gone: one sentence saying what to do instead of showing nothing. */
export function logsUnavailable(target: ScfTarget, error: ScfError): ScfError {
  return new ScfError(
    'Plugin.LogsUnavailable',
    `The logs of ${target.functionName} cannot be read: it logs to no CLS topic this plugin can search, and GetFunctionLogs is gone (${error.code}). To read them, ${clsSettingAdvice(target)}.`,
    { ...error.context, functionName: target.functionName, namespace: target.namespace },
  );
}

/** Requests that started in [fromMs, toMs], in start order. */
export async function* scfHistory(client: Pick<ScfClient, 'getFunctionLogs'>, target: ScfTarget, filters: ScfFilters, fromMs: number, toMs: number, options: FetchOptions = {}): AsyncGenerator<RequestLog[]> {
  const query = { functionName: target.functionName, namespace: target.namespace, qualifier: filters.qualifier, retCode: retCodeFilter(filters.outcomes), functionRequestId: filters.requestId };
  try {
    for await (const entries of fetchLogs(client, query, fromMs, toMs, options)) {
      const requests = shown(target, filters, entries);
      if (requests.length) yield requests;
    }
  } catch (error) {
    if (isGetFunctionLogsGone(error)) throw logsUnavailable(target, error as ScfError);
    throw error;
  }
}

/** The live tail over GetFunctionLogs: each request once, in its final state. */
export function scfTail(client: Pick<ScfClient, 'getFunctionLogs'>, target: ScfTarget, filters: ScfFilters, fromMs: number, clock: Clock, onRequest: (request: RequestLog) => void, onWarning?: (message: string) => void): LogTail {
  const query = { functionName: target.functionName, namespace: target.namespace, qualifier: filters.qualifier, retCode: retCodeFilter(filters.outcomes), functionRequestId: filters.requestId };
  return new LogTail(client, {
    query,
    fromMs,
    clock,
    onEntry: (entry) => {
      for (const request of shown(target, filters, [entry])) onRequest(request);
    },
    onWarning,
  });
}

// One request's log, for `invoke --wait --log` and the smoke checks' failures: from the function's CLS topic,
// else (no topic, CLS refuses, legacy API) from GetFunctionLogs. The log may lag the result a moment, so it is
// asked for a few times.
import type { Clients } from '../cloud/clients';
import { abortableSleep, type Clock } from '../cloud/limiter';
import { clsHistory } from './cls-source';
import type { RequestLog } from './model';
import { isClsUnavailable, resolveSources } from './sources';
import { scfHistory } from './scf-source';

export interface RequestLogQuery {
  key: string;
  functionName: string;
  namespace: string;
  requestId: string;
  /** When the request was sent, epoch ms. */
  invokedAtMs: number;
  clock: Clock;
  attempts?: number;
  /** Told why the fallback was taken (verbose). */
  note?(message: string, why: string): void;
}

async function first(stream: AsyncGenerator<RequestLog[]>, requestId: string): Promise<RequestLog | undefined> {
  for await (const page of stream) {
    const found = page.find((r) => r.requestId === requestId && r.outcome !== 'running');
    if (found) return found;
  }
  return undefined;
}

/** The finished request with its lines, or undefined when the log does not have it (yet). */
export async function requestLog(clients: Clients, query: RequestLogQuery): Promise<RequestLog | undefined> {
  const note = query.note ?? (() => undefined);
  const sources = await resolveSources(clients, [query], note);
  const fromMs = query.invokedAtMs - 5 * 60_000;
  for (let attempt = 1; attempt <= (query.attempts ?? 10); attempt++) {
    const nowMs = query.clock.now();
    let found: RequestLog | undefined;
    if (sources.cls.length) {
      try {
        found = await first(clsHistory(clients.cls, sources.cls[0], { requestId: query.requestId, fromMs, toMs: nowMs + 1, finishWithinMs: 0, nowMs: nowMs + 60_000 }), query.requestId);
      } catch (error) {
        if (!isClsUnavailable(error)) throw error;
        note(`CLS refused to search the log of ${query.functionName}: reading it with GetFunctionLogs.`, (error as Error).message);
        sources.scf.push({ functionName: query.functionName, namespace: query.namespace });
        sources.cls = [];
      }
    }
    if (!found && sources.scf.length) found = await first(scfHistory(clients.scf, sources.scf[0], { requestId: query.requestId }, fromMs, nowMs + 60_000), query.requestId);
    if (found) return found;
    await abortableSleep(query.clock, 500);
  }
  return undefined;
}

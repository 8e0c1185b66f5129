// Rendering of log entries and async events: pure functions from the model to text.
import { plainText } from '../cloud/errors';
import type { AsyncEvent } from '../cloud/types';
import type { RequestLog } from '../logs/model';
import { parseCst } from '../time/cst';
import { formatLocal } from '../time/parse';
import { formatTable } from './table';

/** The outcome as people read it: the machine value, with SCF's status code where it says more. */
export function outcomeText(request: RequestLog): string {
  const code = request.statusCode !== undefined && request.statusCode !== 200 && request.statusCode !== 202 ? ` (${request.statusCode})` : '';
  return `${request.outcome}${code}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** A request's header, why it failed, and its log lines, for people; `prefix` marks every line (several functions). */
export function formatRequest(request: RequestLog, prefix = ''): string {
  const parts = [`${formatLocal(request.startMs)}`, `RequestId: ${request.requestId}`];
  if (request.durationMs !== undefined) parts.push(`Duration: ${request.durationMs} ms`);
  if (request.billDurationMs !== undefined) parts.push(`Billed: ${request.billDurationMs} ms`);
  if (request.memUsageBytes !== undefined) parts.push(`Memory: ${megabytes(request.memUsageBytes)}`);
  parts.push(`Status: ${outcomeText(request)}`);
  const lines = [parts.join('  ')];
  if (request.error) lines.push(`Failed: ${request.error.type ? `${plainText(request.error.type)}: ` : ''}${plainText(request.error.message)}`);
  // A handler's lines may echo what anyone sent it: terminal control sequences are shown as nothing.
  lines.push(...request.lines.map(plainText));
  return lines.map((line) => prefix + line).join('\n') + '\n';
}

/** One JSON object a line, for pipelines: the same fields whichever source served the request; times ISO 8601 UTC. */
export function requestJson(request: RequestLog): string {
  return JSON.stringify({
    requestId: request.requestId,
    function: request.functionKey ?? null,
    functionName: request.functionName,
    namespace: request.namespace,
    startTime: new Date(request.startMs).toISOString(),
    status: request.outcome,
    statusCode: request.statusCode ?? null,
    duration: request.durationMs ?? null,
    billDuration: request.billDurationMs ?? null,
    memUsage: request.memUsageBytes ?? null,
    retryNum: request.retryNum,
    error: request.error ?? null,
    retMsg: request.retMsg ?? null,
    log: request.lines.join('\n'),
    source: request.source,
  });
}

function localTime(cst: string): string {
  const ms = parseCst(cst);
  return ms === undefined ? cst : formatLocal(ms);
}

function eventDuration(event: AsyncEvent): string {
  const start = parseCst(event.startTime);
  const end = event.endTime ? parseCst(event.endTime) : undefined;
  return start !== undefined && end !== undefined ? `${end - start} ms` : '';
}

export function asyncEventJson(event: AsyncEvent): string {
  const iso = (t: string) => {
    const ms = t ? parseCst(t) : undefined;
    return ms === undefined ? (t || null) : new Date(ms).toISOString();
  };
  const start = parseCst(event.startTime);
  const end = event.endTime ? parseCst(event.endTime) : undefined;
  return JSON.stringify({
    requestId: event.invokeRequestId,
    status: event.status,
    invokeType: event.invokeType,
    qualifier: event.qualifier,
    startTime: iso(event.startTime),
    endTime: iso(event.endTime),
    durationMs: start !== undefined && end !== undefined ? end - start : null,
  });
}

/** A table with a header row, columns padded to their widest cell. */
export function formatEventsTable(events: AsyncEvent[]): string {
  const header = ['REQUEST ID', 'STATUS', 'TYPE', 'QUALIFIER', 'START', 'END', 'DURATION'];
  const rows = events.map((e) => [e.invokeRequestId, e.status, e.invokeType, e.qualifier, e.startTime ? localTime(e.startTime.slice(0, 19)) : '', e.endTime ? localTime(e.endTime.slice(0, 19)) : '', eventDuration(e)]);
  return formatTable(header, rows);
}

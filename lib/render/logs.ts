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

const STYLE = { bold: ['\u001b[1m', '\u001b[22m'], red: ['\u001b[31m', '\u001b[39m'], green: ['\u001b[32m', '\u001b[39m'], dim: ['\u001b[2m', '\u001b[22m'] } as const;

/** Text in a terminal style, or as it is. */
function styled(text: string, style: keyof typeof STYLE, colour: boolean): string {
  return colour ? `${STYLE[style][0]}${text}${STYLE[style][1]}` : text;
}

/**
 * A request's header, why it failed, and its log lines, for people; `prefix` marks every line (several functions).
 * `colour` (a terminal) sets the header in bold and the outcome in green or red.
 */
export function formatRequest(request: RequestLog, prefix = '', colour = false): string {
  const parts = [`${formatLocal(request.startMs)}`, `RequestId: ${request.requestId}`];
  if (request.durationMs !== undefined) parts.push(`Duration: ${request.durationMs} ms`);
  if (request.billDurationMs !== undefined) parts.push(`Billed: ${request.billDurationMs} ms`);
  if (request.memUsageBytes !== undefined) parts.push(`Memory: ${megabytes(request.memUsageBytes)}`);
  const status = `Status: ${outcomeText(request)}`;
  const outcomeStyle = request.outcome === 'succeeded' ? 'green' : request.outcome === 'running' ? 'dim' : 'red';
  const lines = [`${styled(parts.join('  '), 'bold', colour)}  ${styled(status, outcomeStyle, colour)}`];
  if (request.omitted) lines.push(styled(omittedText(request.omitted), 'dim', colour));
  if (request.error) lines.push(styled(`Failed: ${request.error.type ? `${plainText(request.error.type)}: ` : ''}${plainText(request.error.message)}`, 'red', colour));
  // A handler's lines may echo what anyone sent it: terminal control sequences are shown as nothing.
  lines.push(...request.lines.map(plainText));
  return lines.map((line) => prefix + line).join('\n') + '\n';
}

/** The line that stands for the start of a request's log that was left out. */
export function omittedText(omitted: { lines: number; bytes: number }): string {
  return `[${omitted.lines} earlier ${omitted.lines === 1 ? 'line' : 'lines'} (${omitted.bytes} bytes) left out: the request logged more than the 2 MB kept of one request]`;
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
    omittedLines: request.omitted?.lines ?? 0,
    omittedBytes: request.omitted?.bytes ?? 0,
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

/** One async event as a JSON line; `functionKey` is its function's key in serverless.yml. */
export function asyncEventJson(event: AsyncEvent, functionKey?: string): string {
  const iso = (t: string) => {
    const ms = t ? parseCst(t) : undefined;
    return ms === undefined ? (t || null) : new Date(ms).toISOString();
  };
  const start = parseCst(event.startTime);
  const end = event.endTime ? parseCst(event.endTime) : undefined;
  return JSON.stringify({
    ...(functionKey !== undefined ? { function: functionKey } : {}),
    requestId: event.invokeRequestId,
    status: event.status,
    invokeType: event.invokeType,
    qualifier: event.qualifier,
    startTime: iso(event.startTime),
    endTime: iso(event.endTime),
    durationMs: start !== undefined && end !== undefined ? end - start : null,
  });
}

/** A table with a header row, columns padded to their widest cell; a FUNCTION column first when `keys` are given. */
export function formatEventsTable(events: AsyncEvent[], keys?: readonly string[]): string {
  const header = ['REQUEST ID', 'STATUS', 'TYPE', 'QUALIFIER', 'START', 'END', 'DURATION'];
  const rows = events.map((e) => [e.invokeRequestId, e.status, e.invokeType, e.qualifier, e.startTime ? localTime(e.startTime.slice(0, 19)) : '', e.endTime ? localTime(e.endTime.slice(0, 19)) : '', eventDuration(e)]);
  if (keys) return formatTable(['FUNCTION', ...header], rows.map((row, i) => [keys[i], ...row]));
  return formatTable(header, rows);
}

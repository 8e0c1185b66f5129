// Rendering of log entries and async events: pure functions from the model to text.
import type { AsyncEvent, LogEntry } from '../cloud/types';
import { parseCst } from '../time/cst';
import { formatLocal } from '../time/parse';
import { formatTable } from './table';

export function logStatus(entry: LogEntry): string {
  if (entry.invokeFinished !== 1 || entry.retCode === 2) return 'running';
  switch (entry.retCode) {
    case 0:
      return 'success';
    case 3:
      return 'interrupted';
    case 433:
      return 'timeout';
    case 434:
      return 'memory limit exceeded';
    default:
      return `failed (RetCode ${entry.retCode})`;
  }
}

function localTime(cst: string): string {
  const ms = parseCst(cst);
  return ms === undefined ? cst : formatLocal(ms);
}

/** A request's header and its log lines, for people. */
export function formatLogEntry(entry: LogEntry): string {
  const header =
    `${localTime(entry.startTime)}  RequestId: ${entry.requestId}  Duration: ${entry.duration} ms  Billed: ${entry.billDuration} ms  ` +
    `Memory: ${(entry.memUsage / 1048576).toFixed(1)} MB  Status: ${logStatus(entry)}`;
  const log = entry.log.replace(/\n+$/, '');
  return log ? `${header}\n${log}\n` : `${header}\n`;
}

/** One JSON object a line, for pipelines: times in ISO 8601 UTC. */
export function logEntryJson(entry: LogEntry): string {
  const ms = parseCst(entry.startTime);
  return JSON.stringify({
    requestId: entry.requestId,
    functionName: entry.functionName,
    startTime: ms === undefined ? entry.startTime : new Date(ms).toISOString(),
    status: logStatus(entry),
    retCode: entry.retCode,
    duration: entry.duration,
    billDuration: entry.billDuration,
    memUsage: entry.memUsage,
    retryNum: entry.retryNum,
    retMsg: entry.retMsg,
    log: entry.log,
  });
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

// Reads every log entry of a time range, in time order, as pages arrive. The API takes at most one day per
// request and reaches at most Offset + Limit = 10000 entries: longer ranges are split into days, and a window
// holding more than that is halved until each part fits. Entries are deduplicated by request id per window (a
// late entry inserted under our offset shifts the rest by one: seen twice, never missed).
import type { ScfClient } from '../scf/client';
import { type GetFunctionLogsResult, LIMITS, type LogEntry, type LogRetCodeFilter } from '../scf/types';
import { formatCst } from '../time/cst';
import { bisectWindow, splitWindows, type TimeWindow } from '../time/parse';

export interface LogQuery {
  functionName: string;
  namespace: string;
  qualifier?: string;
  retCode?: LogRetCodeFilter;
  functionRequestId?: string;
}

export interface FetchOptions {
  pageSize?: number;
  /** Told when a one-second window holds more entries than the API can page through. */
  onTruncated?(window: TimeWindow, total: number): void;
}

export const DEFAULT_PAGE_SIZE = 1000;

type LogsClient = Pick<ScfClient, 'getFunctionLogs'>;

async function page(client: LogsClient, query: LogQuery, window: TimeWindow, offset: number, limit: number): Promise<GetFunctionLogsResult> {
  return client.getFunctionLogs({
    ...query,
    startTime: formatCst(window.start),
    endTime: formatCst(window.end),
    order: 'asc',
    orderBy: 'start_time',
    offset,
    limit,
  });
}

async function* fetchWindow(client: LogsClient, query: LogQuery, window: TimeWindow, options: FetchOptions): AsyncGenerator<LogEntry[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const ceiling = LIMITS.logsOffsetPlusLimit;
  let reply = await page(client, query, window, 0, pageSize);
  if (reply.totalCount > ceiling) {
    const halves = bisectWindow(window);
    if (halves) {
      for (const half of halves) yield* fetchWindow(client, query, half, options);
      return;
    }
    options.onTruncated?.(window, reply.totalCount);
  }
  const seen = new Set<string>();
  let offset = 0;
  for (;;) {
    const fresh = reply.entries.filter((e) => !seen.has(e.requestId));
    for (const e of fresh) seen.add(e.requestId);
    if (fresh.length) yield fresh;
    offset += pageSize;
    const reachable = Math.min(reply.totalCount, ceiling);
    if (reply.entries.length < pageSize || offset >= reachable) return;
    reply = await page(client, query, window, offset, Math.min(pageSize, ceiling - offset));
  }
}

/** Every entry of [startMs, endMs], oldest first, a page at a time. */
export async function* fetchLogs(client: LogsClient, query: LogQuery, startMs: number, endMs: number, options: FetchOptions = {}): AsyncGenerator<LogEntry[]> {
  for (const window of splitWindows(startMs, endMs)) yield* fetchWindow(client, query, window, options);
}

/** A request's final state is known: finished, and not the "running" RetCode. */
export function isFinished(entry: LogEntry): boolean {
  return entry.invokeFinished === 1 && entry.retCode !== 2;
}

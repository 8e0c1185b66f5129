// Reads every log entry of a time range, in time order, as pages arrive. The API takes at most one day per
// request and reaches at most Offset + Limit = 10000 entries: longer ranges are split into days, and a window
// holding more than that is halved until each part fits. A late entry inserted under our offset shifts the rest
// by one, so the next page starts with entries of the page before: seen twice, never missed, and skipped by
// remembering only the previous page's ids (memory stays flat however many entries stream by).
import { ScfError } from '../cloud/errors';
import type { ScfClient } from '../cloud/scf';
import { type GetFunctionLogsResult, LIMITS, type LogEntry, type LogRetCodeFilter } from '../cloud/types';
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

/** Codes that say a page holds more bytes than one reply may carry. */
const PAGE_TOO_LARGE = new Set(['LimitExceeded.SearchResultTooLarge']);

/** One page; a page too large for one reply (chatty functions) is read as two halves, recursively. */
async function page(client: LogsClient, query: LogQuery, window: TimeWindow, offset: number, limit: number): Promise<GetFunctionLogsResult> {
  try {
    return await client.getFunctionLogs({
      ...query,
      startTime: formatCst(window.start),
      endTime: formatCst(window.end),
      order: 'asc',
      orderBy: 'start_time',
      offset,
      limit,
    });
  } catch (error) {
    if (!(error instanceof ScfError && PAGE_TOO_LARGE.has(error.code)) || limit <= 1) throw error;
    const half = Math.ceil(limit / 2);
    const first = await page(client, query, window, offset, half);
    if (first.entries.length < half) return first;
    const second = await page(client, query, window, offset + half, limit - half);
    return { totalCount: first.totalCount, entries: [...first.entries, ...second.entries], apiRequestId: second.apiRequestId };
  }
}

async function* fetchWindow(client: LogsClient, query: LogQuery, window: TimeWindow, options: FetchOptions): AsyncGenerator<LogEntry[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const ceiling = LIMITS.logsOffsetPlusLimit;
  let reply = await page(client, query, window, 0, pageSize);
  if (reply.totalCount > ceiling) {
    const halves = bisectWindow(window);
    if (halves) {
      reply = undefined as unknown as GetFunctionLogsResult; // not kept alive while the halves are read
      for (const half of halves) yield* fetchWindow(client, query, half, options);
      return;
    }
    options.onTruncated?.(window, reply.totalCount);
  }
  let previous = new Set<string>();
  let offset = 0;
  for (;;) {
    // Ask for the next page before handing this one out: its round trip overlaps the printing of this one.
    const nextOffset = offset + pageSize;
    const more = reply.entries.length >= pageSize && nextOffset < Math.min(reply.totalCount, ceiling);
    const next = more ? page(client, query, window, nextOffset, Math.min(pageSize, ceiling - nextOffset)) : undefined;
    next?.catch(() => undefined); // a consumer that stops early must not leave an unhandled rejection
    const fresh = reply.entries.filter((e) => !previous.has(e.requestId));
    previous = new Set(reply.entries.map((e) => e.requestId));
    if (fresh.length) yield fresh;
    if (!next) return;
    reply = await next;
    offset = nextOffset;
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

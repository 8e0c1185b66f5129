// `sls logs -f FN`: read options → fetch (history or tail) → print each request as it arrives.
import { inputError } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import type { LogEntry, LogRetCodeFilter } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { fetchLogs, type LogQuery } from '../logs/fetch';
import { LogTail } from '../logs/tail';
import { formatLogEntry, logEntryJson } from '../render/logs';
import { parseTimeExpression } from '../time/parse';

export interface LogsOptions {
  function?: string;
  startTime?: string;
  endTime?: string;
  tail?: boolean;
  interval?: string | number;
  filter?: string;
  requestId?: string;
  qualifier?: string;
  json?: boolean;
}

const FILTERS: Record<string, LogRetCodeFilter> = {
  error: 'not0',
  success: 'is0',
  not0: 'not0',
  is0: 'is0',
  TimeLimitExceeded: 'TimeLimitExceeded',
  ResourceLimitExceeded: 'ResourceLimitExceeded',
  UserCodeException: 'UserCodeException',
};

export function parseFilter(filter: string | undefined): LogRetCodeFilter | undefined {
  if (filter === undefined) return undefined;
  const parsed = FILTERS[String(filter)];
  if (!parsed) throw inputError(`--filter "${filter}" is not one of: ${Object.keys(FILTERS).join(', ')}.`);
  return parsed;
}

export function parseInterval(value: string | number | undefined): number {
  if (value === undefined) return 1000;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 100) throw inputError(`--interval must be a number of milliseconds, at least 100, not "${value}".`);
  return ms;
}

export class LogsCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: LogsOptions,
  ) {}

  async run(): Promise<void> {
    const { options, provider } = this;
    const now = Date.now();
    const target = provider.functionTarget(String(options.function));
    const query: LogQuery = {
      ...target,
      qualifier: options.qualifier,
      retCode: parseFilter(options.filter),
      functionRequestId: options.requestId,
    };
    const interval = parseInterval(options.interval);
    const startMs = options.startTime !== undefined ? parseTimeExpression(options.startTime, now, 'startTime') : options.tail ? now : now - 10 * 60_000;
    const endMs = options.endTime !== undefined ? parseTimeExpression(options.endTime, now, 'endTime') : now;
    if (options.tail && options.endTime !== undefined) throw inputError('--endTime does not go with --tail: a tail has no end.');
    if (endMs < startMs) throw inputError('--endTime is before --startTime.');
    const client = provider.client();
    const print = (entry: LogEntry) => provider.io.writeText(options.json ? logEntryJson(entry) : formatLogEntry(entry));

    if (!options.tail) {
      let count = 0;
      for await (const entries of fetchLogs(client, query, startMs, endMs, { onTruncated: (w, total) => this.truncated(w.start, total) })) {
        for (const entry of entries) print(entry);
        count += entries.length;
      }
      if (!count) provider.io.log.notice(`No logs for ${target.functionName} in that time range.`);
      return;
    }

    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      provider.io.log.notice(`Tailing ${target.functionName} (namespace ${target.namespace}); Ctrl-C to stop.`);
      await new LogTail(client, {
        query,
        fromMs: startMs,
        intervalMs: interval,
        clock: systemClock,
        signal: controller.signal,
        onEntry: print,
        onWarning: (message) => provider.io.log.warning(message),
      }).run();
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  }

  private truncated(windowStart: number, total: number): void {
    this.provider.io.log.warning(`${total} requests started in the second at ${new Date(windowStart).toISOString()}: only the first 10000 can be read.`);
  }
}

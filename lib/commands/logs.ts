// `sls logs [-f FN]`: read options → find each function's log source (CLS, or GetFunctionLogs) → read the
// history, or tail → print each request as it arrives. Without -f: every function of the service at once.
import { tokenize } from '../cloud/cls-tokens';
import { inputError, plainText } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import type { TencentProvider } from '../provider';
import type { RequestLog, RequestOutcome } from '../logs/model';
import { pollUntilAborted } from '../logs/poll-loop';
import { DEFAULT_SEARCHES } from '../logs/cls-source';
import { history, type LogTarget, resolveSources, tails } from '../logs/sources';
import { CLS_TOPIC_CONCURRENCY } from '../cloud/limits';
import { isPlainObject } from '../deploy/problems';
import { formatRequest, omittedText, requestJson } from '../render/logs';
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
  grep?: string;
  searches?: string | number;
}

type Outcome = Exclude<RequestOutcome, 'running'>;
const NOT_SUCCEEDED: Outcome[] = ['failed', 'timeout', 'memory-limit', 'interrupted'];

/** `--filter` values: the outcomes, and the RetCode names GetFunctionLogs users know. */
export const FILTERS: Readonly<Record<string, Outcome[]>> = {
  error: NOT_SUCCEEDED,
  not0: NOT_SUCCEEDED,
  success: ['succeeded'],
  succeeded: ['succeeded'],
  is0: ['succeeded'],
  failed: ['failed'],
  UserCodeException: ['failed'],
  timeout: ['timeout'],
  TimeLimitExceeded: ['timeout'],
  'memory-limit': ['memory-limit'],
  ResourceLimitExceeded: ['memory-limit'],
  interrupted: ['interrupted'],
};

export function parseFilter(filter: string | undefined): Outcome[] | undefined {
  if (filter === undefined) return undefined;
  const outcomes = Object.prototype.hasOwnProperty.call(FILTERS, String(filter)) ? FILTERS[String(filter)] : undefined;
  if (!outcomes) throw inputError(`--filter "${filter}" is not one of: ${Object.keys(FILTERS).join(', ')}.`);
  return outcomes;
}

export function parseInterval(value: string | number | undefined): number {
  if (value === undefined) return 1000;
  const ms = Number(value);
  if (!Number.isFinite(ms) || ms < 100) throw inputError(`--interval must be a number of milliseconds, at least 100, not "${value}".`);
  return ms;
}

/**
 * Searches of one CLS topic kept in flight: `--searches`, else `custom.scf.logs.searches`, else DEFAULT_SEARCHES.
 * CLS runs 15 of a topic at once and refuses more; SCF's default topic is shared by the region's functions and
 * everyone reading them.
 */
export function parseSearches(option: unknown, custom: unknown): number {
  const where = option !== undefined ? '--searches' : 'custom.scf.logs.searches';
  const logs = isPlainObject(custom) && isPlainObject(custom.scf) ? custom.scf.logs : undefined;
  if (option === undefined && logs !== undefined && !isPlainObject(logs)) throw inputError('custom.scf.logs must be a mapping (searches).');
  const value = option !== undefined ? option : isPlainObject(logs) ? logs.searches : undefined;
  if (value === undefined) return DEFAULT_SEARCHES;
  // The option comes as text; serverless.yml holds a number.
  const n = typeof value === 'number' ? value : option !== undefined && typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > CLS_TOPIC_CONCURRENCY) {
    throw inputError(`${where} must be a whole number from 1 to ${CLS_TOPIC_CONCURRENCY} (CLS runs at most ${CLS_TOPIC_CONCURRENCY} searches of a topic at once), not ${JSON.stringify(value)?.slice(0, 40)}.`);
  }
  return n;
}

/** How far back a request id is looked for when no range is given: what SCF's default log topic keeps. */
const REQUEST_LOOKBACK_MS = 7 * 86400_000;

export interface LogsRange {
  startMs: number;
  endMs: number;
}

/** The range asked for, as epoch ms; one-line errors for ranges that cannot be. */
export function logsRange(options: LogsOptions, now: number): LogsRange {
  if (options.tail && options.endTime !== undefined) throw inputError('--endTime does not go with --tail: a tail has no end.');
  const startMs =
    options.startTime !== undefined
      ? parseTimeExpression(options.startTime, now, 'startTime')
      : options.tail
        ? now
        : options.requestId !== undefined
          ? now - REQUEST_LOOKBACK_MS
          : now - 10 * 60_000;
  const endMs = options.endTime !== undefined ? parseTimeExpression(options.endTime, now, 'endTime') : now;
  if (!options.tail && startMs > now) throw inputError(`--startTime "${options.startTime}" is in the future: there are no logs yet.`);
  if (endMs < startMs) {
    if (options.endTime !== undefined) throw inputError('--endTime is before --startTime.');
    if (!options.tail) throw inputError(`--startTime "${options.startTime}" is in the future: there are no logs yet.`);
  }
  return { startMs, endMs };
}

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Refuses what cannot be an SCF request id (a UUID: 8-4-4-4-12 hex digits), naming the option. */
export function checkRequestId(value: unknown, option: string): string {
  const id = String(value ?? '');
  if (!REQUEST_ID.test(id)) throw inputError(`${option} "${id.slice(0, 60)}" is not an SCF request id: those are UUIDs like 5b33b5c8-4d4f-4c3b-9a0e-6f1d2c3b4a5e.`);
  return id;
}

/** What to say when nothing was found: for one request id, that the request was not found, and where it was looked for. */
export function noLogsText(targets: ReadonlyArray<{ functionName: string }>, options: Pick<LogsOptions, 'requestId' | 'startTime' | 'endTime' | 'filter' | 'grep'>): string {
  const names = targets.map((t) => t.functionName).join(', ');
  if (options.requestId === undefined) return `No logs for ${names} in that time range.`;
  const range = options.startTime === undefined && options.endTime === undefined ? 'in the last 7 days' : 'in that time range';
  const narrowed = options.filter !== undefined || options.grep !== undefined ? ' that matches --filter/--grep' : '';
  return `No request ${options.requestId}${narrowed} was found in the log of ${names} ${range}: is it a request of ${targets.length === 1 ? 'this function' : 'these functions'} (another function's id finds nothing here)?`;
}

export class LogsCommand {
  private readonly noted = new Set<string>();

  constructor(
    private readonly provider: TencentProvider,
    private readonly options: LogsOptions,
  ) {}

  async run(): Promise<void> {
    const { options, provider } = this;
    const now = Date.now();
    const keys = options.function !== undefined ? [String(options.function)] : provider.functionKeys();
    if (!keys.length) throw inputError('The service defines no functions.');
    const targets: LogTarget[] = keys.map((key) => ({ key, ...provider.functionTarget(key) }));
    const outcomes = parseFilter(options.filter);
    const interval = parseInterval(options.interval);
    const searches = parseSearches(options.searches, provider.serverless.service.custom);
    const { startMs, endMs } = logsRange(options, now);
    if (options.grep !== undefined && !tokenize(String(options.grep)).length) {
      throw inputError(`--grep needs words to search for: logs are searched by whole words, and "${options.grep}" holds none.`);
    }
    if (options.requestId !== undefined) checkRequestId(options.requestId, '--requestId');
    const filters = { qualifier: options.qualifier, requestId: options.requestId, grep: options.grep === undefined ? undefined : String(options.grep), outcomes };
    const several = targets.length > 1;
    // Several functions: every line starts with its function's key, padded so that the lines line up.
    const width = Math.max(...keys.map((key) => key.length));
    const prefixOf = (request: RequestLog) => (several && request.functionKey ? `${request.functionKey.padEnd(width)} | ` : '');
    const colour = process.stdout.isTTY === true && !('NO_COLOR' in process.env);
    let printed = 0;
    const print = (request: RequestLog) => {
      // A blank line between requests, for people; one object a line for pipelines.
      if (!options.json && printed++) provider.io.writeText('');
      provider.io.writeText(options.json ? requestJson(request) : formatRequest(request, prefixOf(request), colour).replace(/\n$/, ''));
      // In JSON the count is a field a pipeline may not look at: stderr says it too.
      if (options.json && request.omitted) provider.io.log.warning(`${request.requestId}: ${omittedText(request.omitted)}`);
    };

    const clients = provider.clients();
    const note = (message: string, why: string) => {
      if (this.noted.has(message)) return;
      this.noted.add(message);
      provider.io.log.notice(message);
      provider.io.log.verbose(`Why: ${why}`);
    };
    const sources = await resolveSources(clients, targets, note);

    if (!options.tail) {
      let count = 0;
      const stream = history(clients, sources, {
        ...filters,
        fromMs: startMs,
        toMs: endMs + 1,
        finishWithinMs: this.longestTimeoutMs(keys) + 60_000,
        nowMs: Date.now(),
        searches,
        onTruncated: (what) => provider.io.log.warning(`Some logs cannot be read: ${what}.`),
      }, note);
      for await (const requests of stream) {
        for (const request of requests) print(request);
        count += requests.length;
      }
      if (!count) provider.io.log.notice(noLogsText(targets, options));
      return;
    }

    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      provider.io.log.notice(tailingHeader(targets, process.stderr.columns));
      const poll = tails(
        clients,
        sources,
        {
          ...filters,
          fromMs: startMs,
          searches,
          clock: systemClock,
          onRequest: print,
          onLateLine: (request, line) => {
            const prefix = prefixOf(request);
            if (options.json) provider.io.writeText(JSON.stringify({ requestId: request.requestId, function: request.functionKey ?? null, functionName: request.functionName, lateLine: line }));
            else provider.io.writeText(`${prefix}(late line of ${request.requestId}) ${plainText(line)}`);
          },
          onWarning: (message) => provider.io.log.warning(message),
        },
        note,
      );
      await pollUntilAborted(poll, { clock: systemClock, signal: controller.signal, intervalMs: interval, onWarning: (message) => provider.io.log.warning(message) });
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  }

  /** The longest function timeout of these functions, ms: a request that started in range ends within it. */
  private longestTimeoutMs(keys: string[]): number {
    const provider = this.provider.providerConfig as { timeout?: unknown };
    const seconds = keys.map((key) => Number(this.provider.functionConfig(key).timeout ?? provider.timeout ?? 3));
    return Math.min(900, Math.max(3, ...seconds.filter(Number.isFinite))) * 1000;
  }
}

/**
 * The line a tail starts with: the functions (by SCF name, with their namespaces), or, when that would not fit on
 * one line of the terminal, how many there are.
 */
export function tailingHeader(targets: ReadonlyArray<{ functionName: string; namespace: string }>, columns = 80): string {
  const byNamespace = new Map<string, string[]>();
  for (const t of targets) byNamespace.set(t.namespace, [...(byNamespace.get(t.namespace) ?? []), t.functionName]);
  const groups = [...byNamespace].map(([ns, names]) => `${names.join(', ')} (namespace ${ns})`);
  const full = `Tailing ${groups.join('; ')}. Ctrl-C stops.`;
  if (full.length < columns) return full;
  const namespaces = [...byNamespace.keys()];
  return `Tailing ${targets.length === 1 ? targets[0].functionName : `${targets.length} functions`} (namespace${namespaces.length === 1 ? '' : 's'} ${namespaces.join(', ')}). Ctrl-C stops.`;
}

// `sls events [-f FN]`: list async events (every page) of a function or of the whole service, or stop one with --terminate.
import { inputError } from '../cloud/errors';
import { ASYNC_EVENT_STATUSES, type AsyncEvent, type AsyncEventStatus, LIMITS } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { asyncEventJson, formatEventsTable } from '../render/logs';
import { formatCst } from '../time/cst';
import { parseTimeExpression } from '../time/parse';
import { checkRequestId } from './logs';

export interface EventsOptions {
  function?: string;
  status?: string;
  invokeType?: string;
  requestId?: string;
  startTime?: string;
  endTime?: string;
  qualifier?: string;
  json?: boolean;
  terminate?: string;
  grace?: boolean;
}

export function parseStatuses(value: string | undefined): AsyncEventStatus[] | undefined {
  if (value === undefined) return undefined;
  const statuses = String(value)
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  const bad = statuses.filter((s) => !ASYNC_EVENT_STATUSES.includes(s as AsyncEventStatus));
  if (bad.length || !statuses.length) throw inputError(`--status takes a comma list of ${ASYNC_EVENT_STATUSES.join(', ')}; "${bad.join(',') || value}" is not one.`);
  return statuses as AsyncEventStatus[];
}

export class EventsCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: EventsOptions,
  ) {}

  async run(): Promise<void> {
    const { options, provider } = this;
    if (options.requestId !== undefined) checkRequestId(options.requestId, '--requestId');
    if (provider.client().legacy) throw inputError('sls events uses ListAsyncEvents and TerminateAsyncEvent, which the legacy API does not have: remove provider.legacyApi to use it.');
    if (options.terminate !== undefined) {
      if (options.function === undefined) throw inputError('--terminate needs -f: the function whose async event to stop.');
      return this.terminate(provider.functionTarget(String(options.function)));
    }
    if (options.grace) throw inputError('--grace goes with --terminate.');
    // Without -f: every function of the service, as `sls logs` does.
    const keys = options.function !== undefined ? [String(options.function)] : provider.functionKeys();
    if (!keys.length) throw inputError('The service defines no functions.');
    const targets = keys.map((key) => ({ key, ...provider.functionTarget(key) }));
    const now = Date.now();
    const status = parseStatuses(options.status);
    const startMs = options.startTime !== undefined ? parseTimeExpression(options.startTime, now, 'startTime') : undefined;
    const endMs = options.endTime !== undefined ? parseTimeExpression(options.endTime, now, 'endTime') : undefined;
    if (startMs !== undefined && endMs !== undefined && endMs < startMs) throw inputError('--endTime is before --startTime.');
    const startTimeInterval =
      startMs !== undefined || endMs !== undefined
        ? { start: formatCst(startMs ?? 0), end: formatCst(endMs ?? now + 1000) }
        : undefined;
    const client = provider.client();
    const several = targets.length > 1;
    const rows: Array<{ key: string; event: AsyncEvent }> = [];
    for (const target of targets) {
      const seen = new Set<string>();
      // Oldest first: new events land after the pages already read, so paging neither skips nor repeats.
      for (let offset = 0; ; offset += LIMITS.asyncEventsPageMax) {
        const page = await client.listAsyncEvents({
          functionName: target.functionName,
          namespace: target.namespace,
          qualifier: options.qualifier,
          status,
          invokeType: options.invokeType ? String(options.invokeType).split(',').map((s) => s.trim()) : undefined,
          invokeRequestId: options.requestId,
          startTimeInterval,
          order: 'ASC',
          orderBy: 'StartTime',
          offset,
          limit: LIMITS.asyncEventsPageMax,
        });
        const fresh = page.events.filter((e) => !seen.has(e.invokeRequestId));
        for (const e of fresh) seen.add(e.invokeRequestId);
        if (options.json) for (const e of fresh) provider.io.writeText(asyncEventJson(e, target.key));
        else rows.push(...fresh.map((event) => ({ key: target.key, event })));
        if (page.events.length < LIMITS.asyncEventsPageMax || offset + LIMITS.asyncEventsPageMax >= page.totalCount) break;
      }
    }
    if (options.json) return;
    if (!rows.length) {
      provider.io.log.notice(`No async events for ${targets.map((t) => t.functionName).join(', ')}.`);
      return;
    }
    provider.io.writeText(formatEventsTable(rows.map((r) => r.event), several ? rows.map((r) => r.key) : undefined));
  }

  private async terminate(target: { functionName: string; namespace: string }): Promise<void> {
    const id = String(this.options.terminate ?? '');
    if (!id || id === 'true') throw inputError('--terminate takes the request id of the async event to stop.');
    checkRequestId(id, '--terminate');
    await this.provider.client().terminateAsyncEvent({ ...target, invokeRequestId: id, graceShutdown: Boolean(this.options.grace) });
    this.provider.io.log.notice(`Asked ${target.functionName} to stop async event ${id}${this.options.grace ? ' (graceful: SIGTERM first)' : ''}.`);
  }
}

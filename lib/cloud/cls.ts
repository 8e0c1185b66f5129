// The CLS facade: SearchLog (and DescribeLogHistogram, to plan long reads) over the one transport, records in the
// model's shape, and CLS's limit of searches
// in flight per topic held on our side (a search over it would be refused with LimitExceeded.LogSearch). Other
// readers of the same topic (SCF's default topic serves every function of a region) count against that limit
// too: a search refused so is asked again a few times, after a growing pause.
import type { Endpoint } from '../config/settings';
import { ScfError } from './errors';
import { CLS_TOPIC_CONCURRENCY } from './limits';
import { type Clock, ConcurrencyLimiter, systemClock } from './limiter';
import { isObject, list, malformedReply, type ServiceApi, str, type Transport } from './transport';
import { CLS_API_VERSION, type ClsRecord, type LogHistogram, type LogHistogramRequest, type SearchLogRequest, type SearchLogResult } from './types';

/** A search refused for the topic's searches in flight is sent this many times in all, pausing 0.1, 0.2, 0.4 … s (half to all of it). */
const BUSY_ATTEMPTS = 6;
const BUSY_PAUSE_MS = 100;

/** What an endpoint that predates `QueryString` answers it with (it took only `Query`, and required it). */
const NEW_QUERY_REFUSED = /^(UnknownParameter|MissingParameter)(\.|$)/;

export class ClsClient {
  readonly api: ServiceApi;
  private readonly searches = new ConcurrencyLimiter(CLS_TOPIC_CONCURRENCY);
  /** Which query fields the endpoint takes, once a search found out; `current` until one refused them. */
  private queryFields?: 'current' | 'deprecated';
  /** The search finding that out: the others wait for it rather than each being refused. */
  private probe?: Promise<unknown>;

  constructor(
    private readonly transport: Transport,
    endpoint: Endpoint,
    private readonly clock: Clock = systemClock,
    private readonly random: () => number = Math.random,
  ) {
    this.api = { service: 'cls', version: CLS_API_VERSION, endpoint };
  }

  async searchLog(req: SearchLogRequest): Promise<SearchLogResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.search(req);
      } catch (error) {
        if (!(error instanceof ScfError && error.code === 'LimitExceeded.LogSearch') || attempt >= BUSY_ATTEMPTS) throw error;
        await this.clock.sleep(Math.round(BUSY_PAUSE_MS * 2 ** (attempt - 1) * (0.5 + this.random() / 2)));
      }
    }
  }

  /**
   * SearchLog with the query in `QueryString` + `QuerySyntax` (the fields the current API takes, SDK 4.1.204), or
   * in the deprecated `Query` + `SyntaxRule` pair once an endpoint refused the new one. Both say CQL (1).
   */
  private async send(req: SearchLogRequest): Promise<Record<string, any>> {
    while (this.queryFields === undefined && this.probe) await this.probe.catch(() => undefined);
    if (this.queryFields !== undefined) return this.sendWith(req, this.queryFields);
    const probe = this.findQueryFields(req);
    this.probe = probe;
    try {
      return await probe;
    } finally {
      if (this.probe === probe) this.probe = undefined;
    }
  }

  /** The first search: with the current fields, then, if the endpoint refuses them, with the deprecated pair. */
  private async findQueryFields(req: SearchLogRequest): Promise<Record<string, any>> {
    try {
      const reply = await this.sendWith(req, 'current');
      this.queryFields = 'current';
      return reply;
    } catch (error) {
      if (!(error instanceof ScfError && NEW_QUERY_REFUSED.test(error.code))) throw error;
      this.queryFields = 'deprecated';
      this.transport.config.debug?.(`SearchLog refused QueryString (${error.code}): searching with the deprecated Query and SyntaxRule from now on.`);
      return this.sendWith(req, 'deprecated');
    }
  }

  private sendWith(req: SearchLogRequest, fields: 'current' | 'deprecated'): Promise<Record<string, any>> {
    const query = req.query || '*';
    const params = { TopicId: req.topicId, From: req.from, To: req.to, Limit: req.limit, Sort: req.sort, Context: req.context || undefined };
    const queryParams = fields === 'current' ? { QueryString: query, QuerySyntax: 1 } : { Query: query, SyntaxRule: 1 };
    return this.transport.call({ api: this.api, action: 'SearchLog', params: { ...params, ...queryParams } });
  }

  private async search(req: SearchLogRequest): Promise<SearchLogResult> {
    const release = await this.searches.acquire(req.topicId);
    let reply;
    try {
      reply = await this.send(req);
    } finally {
      release();
    }
    if (reply.Results !== undefined && reply.Results !== null && !Array.isArray(reply.Results)) throw malformedReply({ action: 'SearchLog', api: this.api }, '"Results" is not a list');
    const records = list(reply.Results).map((r): ClsRecord => {
      const fields = parseLogJson(r.LogJson);
      if (!fields) throw malformedReply({ action: 'SearchLog', api: this.api }, '"LogJson" is not a JSON object');
      return { time: Number(r.Time) || 0, fields, pkgId: str(r.PkgId), pkgLogId: str(r.PkgLogId) };
    });
    return { records, context: str(reply.Context), listOver: reply.ListOver === true, apiRequestId: str(reply.RequestId) };
  }

  /**
   * DescribeLogHistogram: how the records of a query lie over a range, so that a long read can be cut where its
   * pages fall. Its query goes in `Query` with `SyntaxRule` 1 (CQL): the only fields its page has. Counted against
   * the topic's searches in flight, as a search.
   */
  async logHistogram(req: LogHistogramRequest): Promise<LogHistogram> {
    const call = { api: this.api, action: 'DescribeLogHistogram' };
    const release = await this.searches.acquire(req.topicId);
    let reply;
    try {
      reply = await this.transport.call({ ...call, params: { TopicId: req.topicId, From: req.from, To: req.to, Query: req.query || '*', SyntaxRule: 1, Interval: req.interval } });
    } finally {
      release();
    }
    if (reply.HistogramInfos !== undefined && reply.HistogramInfos !== null && !Array.isArray(reply.HistogramInfos)) throw malformedReply(call, '"HistogramInfos" is not a list');
    const buckets = list(reply.HistogramInfos).map((b) => ({ from: Number(b.BTime), count: Number(b.Count) }));
    if (buckets.some((b) => !Number.isFinite(b.from) || !Number.isInteger(b.count) || b.count < 0)) throw malformedReply(call, 'a histogram interval has no time or count');
    return { interval: Number(reply.Interval) || req.interval, totalCount: Number(reply.TotalCount) || 0, buckets };
  }
}

/** LogJson is a JSON object of strings; the values are kept as strings, in an object without a prototype. */
function parseLogJson(text: unknown): Record<string, string> | undefined {
  if (typeof text !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const fields: Record<string, string> = Object.create(null);
  for (const [key, value] of Object.entries(parsed)) fields[key] = str(value);
  return fields;
}

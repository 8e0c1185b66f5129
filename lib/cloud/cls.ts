// The CLS facade: SearchLog over the one transport, records in the model's shape, and CLS's limit of searches
// in flight per topic held on our side (a search over it would be refused with LimitExceeded.LogSearch). Other
// readers of the same topic (SCF's default topic serves every function of a region) count against that limit
// too: a search refused so is asked again a few times, after a growing pause.
import type { Endpoint } from '../config/settings';
import { ScfError } from './errors';
import { CLS_TOPIC_CONCURRENCY } from './limits';
import { type Clock, ConcurrencyLimiter, systemClock } from './limiter';
import { isObject, list, malformedReply, type ServiceApi, str, type Transport } from './transport';
import { CLS_API_VERSION, type ClsRecord, type SearchLogRequest, type SearchLogResult } from './types';

/** A search refused for the topic's searches in flight is sent this many times in all, pausing 0.1, 0.2, 0.4 … s (half to all of it). */
const BUSY_ATTEMPTS = 6;
const BUSY_PAUSE_MS = 100;

export class ClsClient {
  readonly api: ServiceApi;
  private readonly searches = new ConcurrencyLimiter(CLS_TOPIC_CONCURRENCY);

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

  private async search(req: SearchLogRequest): Promise<SearchLogResult> {
    const release = await this.searches.acquire(req.topicId);
    let reply;
    try {
      reply = await this.transport.call({
        api: this.api,
        action: 'SearchLog',
        params: {
          TopicId: req.topicId,
          From: req.from,
          To: req.to,
          // The deprecated pair is what every CLS version accepts; SyntaxRule 1 is CQL.
          Query: req.query || '*',
          SyntaxRule: 1,
          Limit: req.limit,
          Sort: req.sort,
          Context: req.context || undefined,
        },
      });
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

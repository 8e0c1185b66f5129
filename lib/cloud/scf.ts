// The signed SCF client. It knows nothing of serverless: it is given an endpoint, a region and credentials,
// and speaks API 3.0 (TC3-HMAC-SHA256) or the legacy API (HmacSHA1/HmacSHA256 query signature) underneath one
// typed model. Transport concerns live here: timeouts, retries with backoff and jitter, the per-action limiter.
import got, { type Response } from 'got';
import { randomInt } from 'crypto';
import type { Credentials } from '../config/credentials';
import type { Endpoint } from '../config/settings';
import { apiError, ScfError } from './errors';
import { type Clock, RateLimiter, systemClock } from './limiter';
import { JSON_CONTENT_TYPE, type LegacySignatureMethod, signLegacy, signTc3 } from './signing';
import {
  API_VERSION,
  type Action,
  type AsyncEvent,
  type AsyncEventStatus,
  type GetFunctionLogsRequest,
  type GetFunctionLogsResult,
  type GetRequestStatusRequest,
  type GetRequestStatusResult,
  type InvokeRequest,
  type InvokeResult,
  LIMITS,
  type ListAsyncEventsRequest,
  type ListAsyncEventsResult,
  type LogEntry,
  type TerminateAsyncEventRequest,
  type TerminateAsyncEventResult,
} from './types';

export const CLIENT_NAME = 'serverless-tencent-scf';
export const LEGACY_PATH = '/v2/index.php';

export interface ClientConfig {
  endpoint: Endpoint;
  region: string;
  /** Resolved once, on the first request: a command that fails on its input never reads credentials. */
  credentials: Credentials | (() => Credentials);
  legacyApi?: boolean;
  legacySignatureMethod?: LegacySignatureMethod;
  /** Per request, for every action but a synchronous Invoke. */
  timeoutMs?: number;
  /** A synchronous Invoke waits for the function: the API allows up to 300 s. */
  invokeTimeoutMs?: number;
  maxAttempts?: number;
  /** Base and cap of the exponential backoff, ms. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  clock?: Clock;
  random?: () => number;
  limiter?: RateLimiter;
  debug?: (message: string) => void;
}

type Json = Record<string, any>;

interface Call {
  action: Action;
  /** The legacy action name, when it differs. */
  legacyAction?: string;
  params: Json;
  /** Used in error sentences. */
  target?: { functionName?: string; namespace?: string };
}

export class ScfClient {
  private readonly limiter: RateLimiter;
  private readonly clock: Clock;
  private readonly random: () => number;
  private credentials?: Credentials;

  constructor(private readonly config: ClientConfig) {
    this.clock = config.clock ?? systemClock;
    this.random = config.random ?? Math.random;
    this.limiter = config.limiter ?? new RateLimiter(LIMITS.requestsPerSecond, 1000, this.clock);
  }

  get legacy(): boolean {
    return Boolean(this.config.legacyApi);
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const target = { functionName: req.functionName, namespace: req.namespace };
    if (this.legacy) {
      const reply = await this.send({
        action: 'Invoke',
        legacyAction: 'InvokeFunction',
        target,
        params: {
          functionName: req.functionName,
          invokeType: req.invocationType,
          param: req.clientContext,
          logType: req.logType,
          namespace: req.namespace,
          qualifier: req.qualifier,
        },
      });
      const data = (typeof reply.data === 'string' ? safeJson(reply.data) : reply.data) ?? {};
      return {
        functionRequestId: str(data.requestId),
        retMsg: str(data.retMsg ?? data.payLoad),
        errMsg: str(data.errMsg),
        log: str(data.log ?? data.logMsg),
        duration: num(data.duration),
        billDuration: num(data.billDuration),
        memUsage: num(data.memUsage ?? data.memSize),
        apiRequestId: str(reply.requestId ?? data.requestId),
      };
    }
    const reply = await this.send({
      action: 'Invoke',
      target,
      params: {
        FunctionName: req.functionName,
        InvocationType: req.invocationType,
        Qualifier: req.qualifier,
        ClientContext: req.clientContext,
        LogType: req.logType,
        Namespace: req.namespace,
      },
    });
    const result = reply.Result ?? {};
    return {
      functionRequestId: str(result.FunctionRequestId),
      retMsg: str(result.RetMsg),
      errMsg: str(result.ErrMsg),
      log: str(result.Log),
      duration: num(result.Duration),
      billDuration: num(result.BillDuration),
      memUsage: num(result.MemUsage),
      apiRequestId: str(reply.RequestId),
    };
  }

  async getFunctionLogs(req: GetFunctionLogsRequest): Promise<GetFunctionLogsResult> {
    const target = { functionName: req.functionName, namespace: req.namespace };
    if (this.legacy) {
      const reply = await this.send({
        action: 'GetFunctionLogs',
        target,
        params: {
          functionName: req.functionName,
          namespace: req.namespace,
          qualifier: req.qualifier,
          offset: req.offset,
          limit: req.limit,
          order: req.order,
          orderby: req.orderBy,
          filter: req.retCode ? { retCode: req.retCode } : undefined,
          requestId: req.functionRequestId,
          startTime: req.startTime,
          endTime: req.endTime,
        },
      });
      return {
        totalCount: num(reply.total),
        entries: list(reply.data).map((d) => logEntry(d, false)),
        apiRequestId: str(reply.requestId),
      };
    }
    const reply = await this.send({
      action: 'GetFunctionLogs',
      target,
      params: {
        FunctionName: req.functionName,
        Namespace: req.namespace,
        Qualifier: req.qualifier,
        Offset: req.offset,
        Limit: req.limit,
        Order: req.order,
        OrderBy: req.orderBy,
        Filter: req.retCode ? { RetCode: req.retCode } : undefined,
        FunctionRequestId: req.functionRequestId,
        StartTime: req.startTime,
        EndTime: req.endTime,
      },
    });
    return {
      totalCount: num(reply.TotalCount),
      entries: list(reply.Data).map((d) => logEntry(d, true)),
      apiRequestId: str(reply.RequestId),
    };
  }

  async getRequestStatus(req: GetRequestStatusRequest): Promise<GetRequestStatusResult> {
    if (this.legacy) return this.legacyRequestStatus(req);
    const reply = await this.send({
      action: 'GetRequestStatus',
      target: req,
      params: {
        FunctionName: req.functionName,
        FunctionRequestId: req.functionRequestId,
        Namespace: req.namespace,
        StartTime: req.startTime,
        EndTime: req.endTime,
      },
    });
    return {
      totalCount: num(reply.TotalCount),
      statuses: list(reply.Data).map((d) => ({
        functionName: str(d.FunctionName),
        requestId: str(d.RequestId),
        startTime: str(d.StartTime),
        retCode: num(d.RetCode),
        retMsg: str(d.RetMsg),
        duration: num(d.Duration),
        memUsage: num(d.MemUsage),
        retryNum: num(d.RetryNum),
      })),
      apiRequestId: str(reply.RequestId),
    };
  }

  /** The legacy API has no GetRequestStatus: the request's log entry tells the same (running, done, failed). */
  private async legacyRequestStatus(req: GetRequestStatusRequest): Promise<GetRequestStatusResult> {
    const logs = await this.getFunctionLogs({
      functionName: req.functionName,
      namespace: req.namespace,
      functionRequestId: req.functionRequestId,
      startTime: req.startTime,
      endTime: req.endTime,
      limit: 1,
    });
    return {
      totalCount: logs.entries.length,
      statuses: logs.entries.map((e) => ({
        functionName: e.functionName,
        requestId: e.requestId,
        startTime: e.startTime,
        retCode: e.invokeFinished !== 1 || e.retCode === 2 ? 1 : e.retCode === 0 ? 0 : -1,
        retMsg: e.retMsg,
        duration: e.duration,
        memUsage: e.memUsage / (1024 * 1024),
        retryNum: e.retryNum,
      })),
      apiRequestId: logs.apiRequestId,
    };
  }

  async listAsyncEvents(req: ListAsyncEventsRequest): Promise<ListAsyncEventsResult> {
    this.requireApi3('ListAsyncEvents');
    const interval = (i?: { start: string; end: string }) => (i ? { Start: i.start, End: i.end } : undefined);
    const reply = await this.send({
      action: 'ListAsyncEvents',
      target: req,
      params: {
        FunctionName: req.functionName,
        Namespace: req.namespace,
        Qualifier: req.qualifier,
        InvokeType: req.invokeType,
        Status: req.status,
        StartTimeInterval: interval(req.startTimeInterval),
        EndTimeInterval: interval(req.endTimeInterval),
        Order: req.order,
        Orderby: req.orderBy,
        Offset: req.offset,
        Limit: req.limit,
        InvokeRequestId: req.invokeRequestId,
      },
    });
    return {
      totalCount: num(reply.TotalCount),
      events: list(reply.EventList).map(
        (e): AsyncEvent => ({
          invokeRequestId: str(e.InvokeRequestId),
          invokeType: str(e.InvokeType),
          qualifier: str(e.Qualifier),
          status: str(e.Status) as AsyncEventStatus,
          startTime: str(e.StartTime),
          endTime: str(e.EndTime),
        }),
      ),
      apiRequestId: str(reply.RequestId),
    };
  }

  async terminateAsyncEvent(req: TerminateAsyncEventRequest): Promise<TerminateAsyncEventResult> {
    this.requireApi3('TerminateAsyncEvent');
    const reply = await this.send({
      action: 'TerminateAsyncEvent',
      target: req,
      params: {
        FunctionName: req.functionName,
        InvokeRequestId: req.invokeRequestId,
        Namespace: req.namespace,
        GraceShutdown: req.graceShutdown,
      },
    });
    return { apiRequestId: str(reply.RequestId) };
  }

  private requireApi3(action: Action): void {
    if (this.legacy) {
      throw new ScfError('Plugin.Unsupported', `${action} is not part of the legacy API: remove provider.legacyApi to use it.`);
    }
  }

  private getCredentials(): Credentials {
    if (!this.credentials) {
      const c = this.config.credentials;
      this.credentials = typeof c === 'function' ? c() : c;
    }
    return this.credentials;
  }

  /** One logical call: rate limit, sign, send, parse, and retry where that is safe. */
  private async send(call: Call): Promise<Json> {
    const credentials = this.getCredentials();
    const maxAttempts = this.config.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const release = await this.limiter.acquire(call.action);
      const started = this.clock.now();
      let reply: Json;
      try {
        reply = this.legacy ? await this.sendLegacy(call, credentials) : await this.sendApi3(call, credentials);
      } catch (error) {
        release();
        if (!(error instanceof ScfError)) throw error;
        const retryable = call.action === 'Invoke' ? error.provablyNotRun : error.retryableRead;
        this.debug(`${call.action} failed in ${this.clock.now() - started} ms (attempt ${attempt}): ${error.code}`);
        if (!retryable || attempt >= maxAttempts) throw error;
        await this.clock.sleep(this.backoff(attempt, error.code === 'RequestLimitExceeded'));
        continue;
      }
      release();
      this.debug(`${call.action} ok in ${this.clock.now() - started} ms (attempt ${attempt})`);
      return reply;
    }
  }

  /** Exponential backoff with full jitter; throttling waits at least a fraction of the limiter's window. */
  private backoff(attempt: number, throttled: boolean): number {
    const base = this.config.backoffBaseMs ?? 200;
    const cap = this.config.backoffCapMs ?? 5000;
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    const floor = throttled ? Math.min(ceiling, base) / 2 : 0;
    return Math.round(floor + (ceiling - floor) * this.random());
  }

  private timeoutFor(call: Call): number {
    const sync = call.action === 'Invoke' && (call.params.InvocationType ?? call.params.invokeType) !== 'Event';
    return sync ? (this.config.invokeTimeoutMs ?? 330_000) : (this.config.timeoutMs ?? 15_000);
  }

  private errorContext(call: Call, credentials: Credentials) {
    return {
      action: call.action,
      functionName: call.target?.functionName,
      namespace: call.target?.namespace,
      region: this.config.region,
      credentialsSource: credentials.source,
      endpoint: this.config.endpoint.origin,
    };
  }

  private async sendApi3(call: Call, credentials: Credentials): Promise<Json> {
    const { endpoint, region } = this.config;
    const body = JSON.stringify(dropEmpty(call.params));
    const timestamp = Math.floor(this.clock.now() / 1000);
    const { authorization } = signTc3({
      method: 'POST',
      host: endpoint.hostname,
      contentType: JSON_CONTENT_TYPE,
      payload: body,
      service: 'scf',
      timestamp,
      secretId: credentials.secretId,
      secretKey: credentials.secretKey,
    });
    const headers: Record<string, string> = {
      'Content-Type': JSON_CONTENT_TYPE,
      Authorization: authorization,
      'X-TC-Action': call.action,
      'X-TC-Version': API_VERSION,
      'X-TC-Region': region,
      'X-TC-Timestamp': String(timestamp),
      'X-TC-RequestClient': CLIENT_NAME,
    };
    if (credentials.token) headers['X-TC-Token'] = credentials.token;
    const response = await this.http(call, credentials, endpoint.origin + '/', headers, body);
    const parsed = this.parseJson(call, credentials, response);
    const reply = parsed?.Response;
    if (!reply || typeof reply !== 'object') throw this.invalidReply(call, credentials, response, 'no "Response" object');
    if (reply.Error) {
      const context = { ...this.errorContext(call, credentials), requestId: str(reply.RequestId) };
      const code = str(reply.Error.Code) || 'UnknownError';
      if (code === 'AuthFailure.SignatureExpire') {
        Object.assign(context, { clockSkewSeconds: clockSkew(response.headers.date, timestamp) });
      }
      throw apiError(code, str(reply.Error.Message), context);
    }
    return reply;
  }

  private async sendLegacy(call: Call, credentials: Credentials): Promise<Json> {
    const { endpoint, region } = this.config;
    const signatureMethod = this.config.legacySignatureMethod ?? 'HmacSHA256';
    const params: Record<string, string | number> = {
      ...flattenParams(call.params),
      Action: call.legacyAction ?? call.action,
      Region: region,
      Timestamp: Math.floor(this.clock.now() / 1000),
      Nonce: randomInt(1, 2 ** 31 - 1),
      SecretId: credentials.secretId,
      SignatureMethod: signatureMethod,
      RequestClient: CLIENT_NAME,
    };
    if (credentials.token) params.Token = credentials.token;
    params.Signature = signLegacy({
      method: 'POST',
      host: endpoint.host,
      path: LEGACY_PATH,
      params,
      secretKey: credentials.secretKey,
      signatureMethod,
    });
    const body = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const response = await this.http(call, credentials, endpoint.origin + LEGACY_PATH, { 'Content-Type': 'application/x-www-form-urlencoded' }, body);
    const reply = this.parseJson(call, credentials, response);
    if (!reply || typeof reply !== 'object' || !('code' in reply)) throw this.invalidReply(call, credentials, response, 'no "code" field');
    if (reply.code !== 0) {
      const code = str(reply.codeDesc) || `LegacyError${reply.code}`;
      throw apiError(code, str(reply.message), { ...this.errorContext(call, credentials), requestId: str(reply.requestId) || undefined });
    }
    return reply;
  }

  private async http(call: Call, credentials: Credentials, url: string, headers: Record<string, string>, body: string): Promise<Response<string>> {
    const timeout = this.timeoutFor(call);
    try {
      return await got.post(url, {
        headers,
        body,
        timeout: { connect: Math.min(timeout, 5000), request: timeout },
        retry: 0,
        throwHttpErrors: false,
        followRedirect: false,
        responseType: 'text',
      });
    } catch (error) {
      throw transportError(error, this.errorContext(call, credentials), timeout);
    }
  }

  private parseJson(call: Call, credentials: Credentials, response: Response<string>): any {
    let parsed: any;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      throw this.invalidReply(call, credentials, response, 'not JSON');
    }
    return parsed;
  }

  private invalidReply(call: Call, credentials: Credentials, response: Response<string>, why: string): ScfError {
    const context = { ...this.errorContext(call, credentials), ambiguous: true };
    const status = response.statusCode;
    if (status >= 300) {
      return new ScfError('Transport.HttpStatus', `${call.action} got HTTP ${status} from ${context.endpoint} instead of an API reply.${mayHaveRun(call.action)}`, context);
    }
    return new ScfError('Transport.InvalidReply', `${call.action} got a reply from ${context.endpoint} that is not an SCF API reply (${why}).${mayHaveRun(call.action)}`, context);
  }

  private debug(message: string): void {
    this.config.debug?.(message);
  }
}

/** Said after an Invoke failed in a way that leaves open whether the function ran. */
function mayHaveRun(action: string | undefined): string {
  return action === 'Invoke' ? ' The function may have run: check `sls logs` before invoking again.' : '';
}

/** Classifies a failure of the HTTP exchange itself. */
function transportError(error: any, context: ReturnType<ScfClient['errorContext']>, timeoutMs: number): ScfError {
  const code: string = error?.code ?? '';
  const endpoint = context.endpoint;
  if (code === 'ECONNREFUSED') {
    return new ScfError('Transport.ConnectionRefused', `Cannot reach the SCF endpoint ${endpoint}: connection refused.`, { ...context, ambiguous: false, cause: error });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ScfError('Transport.HostNotFound', `Cannot reach the SCF endpoint ${endpoint}: its host name does not resolve.`, { ...context, ambiguous: false, cause: error });
  }
  if (error?.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const phase = error?.event === 'connect' ? 'connecting' : 'waiting for the reply';
    return new ScfError(
      'Transport.Timeout',
      `${context.action} timed out after ${error?.event === 'connect' ? Math.min(timeoutMs, 5000) : timeoutMs} ms ${phase} from ${endpoint}.${error?.event === 'connect' ? '' : mayHaveRun(context.action)}`,
      { ...context, ambiguous: error?.event !== 'connect', cause: error },
    );
  }
  return new ScfError(
    'Transport.Failed',
    `${context.action} to ${endpoint} failed: ${code || error?.message || 'connection error'}.${mayHaveRun(context.action)}`,
    { ...context, ambiguous: true, cause: error },
  );
}

/** Server clock minus ours, from the reply's Date header; undefined when it does not tell. */
function clockSkew(dateHeader: string | undefined, ourTimestamp: number): number | undefined {
  if (!dateHeader) return undefined;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return undefined;
  return ourTimestamp - Math.floor(server / 1000);
}

/** Legacy parameters are flat: nested objects become dotted names, arrays `name.N` from 0. */
export function flattenParams(params: Json, prefix = ''): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const name = prefix + key;
    if (typeof value === 'object') Object.assign(out, flattenParams(value, name + '.'));
    else out[name] = typeof value === 'boolean' ? String(value) : value;
  }
  return out;
}

function dropEmpty(params: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null) out[key] = value;
  return out;
}

function logEntry(d: Json, pascal: boolean): LogEntry {
  const f = (name: string) => d[pascal ? name : name[0].toLowerCase() + name.slice(1)];
  return {
    functionName: str(f('FunctionName')),
    requestId: str(f('RequestId')),
    startTime: str(f('StartTime')),
    retCode: num(f('RetCode')),
    retMsg: str(f('RetMsg')),
    invokeFinished: num(f('InvokeFinished') ?? 1),
    duration: num(f('Duration')),
    billDuration: num(f('BillDuration')),
    memUsage: num(f('MemUsage')),
    log: str(f('Log')),
    retryNum: num(f('RetryNum')),
  };
}

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value : [];
}

function safeJson(text: string): Json | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

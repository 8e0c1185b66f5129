// The one transport for every Tencent Cloud API the plugin speaks (SCF, CLS, Tag): it signs (TC3-HMAC-SHA256,
// or the legacy HmacSHA* query signature), sends with got, holds each action to its own rate from the limits
// table, retries what is safe to retry, bounds every reply, and turns every failure into the one error type.
// It knows nothing of serverless, and nothing of what the actions mean: the facades (scf.ts, cls.ts) do.
import got, { type Response } from 'got';
import { randomInt } from 'crypto';
import type { Credentials } from '../config/credentials';
import type { Endpoint } from '../config/settings';
import { apiError, ScfError, type ScfErrorContext } from './errors';
import { actionRate, BYTE_LIMITS, isReadAction, type ServiceName } from './limits';
import { type Clock, RateLimiter, systemClock } from './limiter';
import { JSON_CONTENT_TYPE, type LegacySignatureMethod, signLegacy, signTc3 } from './signing';

export const CLIENT_NAME = 'serverless-tencent-scf';
export const LEGACY_PATH = '/v2/index.php';

export type Json = Record<string, any>;

/** Where a service is reached and which API version it speaks. */
export interface ServiceApi {
  service: ServiceName;
  version: string;
  endpoint: Endpoint;
}

export interface TransportConfig {
  region: string;
  /** Resolved once, on the first request: a command that fails on its input never reads credentials. */
  credentials: Credentials | (() => Credentials);
  legacySignatureMethod?: LegacySignatureMethod;
  /** Per request, unless the call says otherwise. */
  timeoutMs?: number;
  maxAttempts?: number;
  /** Base and cap of the exponential backoff, ms. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** Largest reply accepted, bytes. */
  maxReplyBytes?: number;
  clock?: Clock;
  random?: () => number;
  limiter?: RateLimiter;
  debug?: (message: string) => void;
}

export interface ApiCall {
  api: ServiceApi;
  action: string;
  params: Json;
  /** This call's own timeout (a sync Invoke waits for the function). */
  timeoutMs?: number;
  /** For error sentences. */
  target?: { functionName?: string; namespace?: string };
}

export interface LegacyCall extends ApiCall {
  /** The legacy name of the action. */
  legacyAction: string;
}

export class Transport {
  readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly random: () => number;
  private resolvedCredentials?: Credentials;

  constructor(readonly config: TransportConfig) {
    this.clock = config.clock ?? systemClock;
    this.random = config.random ?? Math.random;
    this.limiter = config.limiter ?? new RateLimiter((key) => actionRate(key.split(':')[0] as ServiceName, key.split(':')[1]), 1000, this.clock);
  }

  get region(): string {
    return this.config.region;
  }

  /** An API 3.0 call: the reply's `Response`, without its `RequestId` checked away (it is kept). */
  call(call: ApiCall): Promise<Json> {
    return this.execute(call, (credentials) => this.sendApi3(call, credentials));
  }

  /** A call of the legacy API: the whole reply (`code` 0). */
  callLegacy(call: LegacyCall): Promise<Json> {
    return this.execute(call, (credentials) => this.sendLegacy(call, credentials));
  }

  /** Rate limit, send, and retry where that is safe: any retryable failure for a read, only a provably unsent request otherwise. */
  private async execute(call: ApiCall, send: (credentials: Credentials) => Promise<Json>): Promise<Json> {
    const credentials = this.getCredentials();
    const maxAttempts = this.config.maxAttempts ?? 5;
    const read = isReadAction(call.action);
    for (let attempt = 1; ; attempt++) {
      const release = await this.limiter.acquire(`${call.api.service}:${call.action}`);
      const started = this.clock.now();
      let reply: Json;
      try {
        reply = await send(credentials);
      } catch (error) {
        release();
        if (!(error instanceof ScfError)) throw error;
        const retryable = read ? error.retryableRead : error.provablyNotRun;
        this.debug(`${call.action} failed in ${this.clock.now() - started} ms (attempt ${attempt}): ${error.code}`);
        if (!retryable || attempt >= maxAttempts) throw error;
        await this.clock.sleep(this.backoff(attempt, error.throttled));
        continue;
      }
      release();
      this.debug(`${call.action} ok in ${this.clock.now() - started} ms (attempt ${attempt})`);
      return reply;
    }
  }

  /** The credentials every call signs with (for the COS upload, which the vendor's COS SDK signs). */
  credentials(): Credentials {
    return this.getCredentials();
  }

  private getCredentials(): Credentials {
    if (!this.resolvedCredentials) {
      const c = this.config.credentials;
      this.resolvedCredentials = typeof c === 'function' ? c() : c;
    }
    return this.resolvedCredentials;
  }

  /** Exponential backoff with full jitter; throttling waits at least a fraction of the limiter's window. */
  private backoff(attempt: number, throttled: boolean): number {
    const base = this.config.backoffBaseMs ?? 200;
    const cap = this.config.backoffCapMs ?? 5000;
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    const floor = throttled ? Math.min(ceiling, base) / 2 : 0;
    return Math.round(floor + (ceiling - floor) * this.random());
  }

  errorContext(call: ApiCall, credentials?: Credentials): ScfErrorContext {
    return {
      action: call.action,
      functionName: call.target?.functionName,
      namespace: call.target?.namespace,
      region: this.config.region,
      credentialsSource: credentials?.source,
      credentialFields: credentials?.fields,
      endpoint: call.api.endpoint.origin,
      service: call.api.service,
    };
  }

  private async sendApi3(call: ApiCall, credentials: Credentials): Promise<Json> {
    const { endpoint, version } = call.api;
    const body = JSON.stringify(dropEmpty(call.params));
    const timestamp = Math.floor(this.clock.now() / 1000);
    const { authorization } = signTc3({
      method: 'POST',
      host: endpoint.hostname,
      contentType: JSON_CONTENT_TYPE,
      extraHeaders: { 'x-tc-action': call.action },
      payload: body,
      service: call.api.service,
      timestamp,
      secretId: credentials.secretId,
      secretKey: credentials.secretKey,
    });
    const headers: Record<string, string> = {
      'Content-Type': JSON_CONTENT_TYPE,
      Authorization: authorization,
      'X-TC-Action': call.action,
      'X-TC-Version': version,
      'X-TC-Region': this.config.region,
      'X-TC-Timestamp': String(timestamp),
      'X-TC-RequestClient': CLIENT_NAME,
    };
    if (credentials.token) headers['X-TC-Token'] = credentials.token;
    const response = await this.http(call, credentials, endpoint.origin + '/', headers, body);
    const parsed = this.parseJson(call, credentials, response);
    const reply = parsed?.Response;
    if (!isObject(reply)) throw this.invalidReply(call, credentials, response, 'no "Response" object');
    if (reply.Error !== undefined) {
      if (!isObject(reply.Error)) throw this.invalidReply(call, credentials, response, '"Error" is not an object');
      const context: ScfErrorContext = { ...this.errorContext(call, credentials), requestId: str(reply.RequestId) };
      const code = str(reply.Error.Code) || 'UnknownError';
      if (code === 'AuthFailure.SignatureExpire') context.clockSkewSeconds = clockSkew(response.headers.date, timestamp);
      throw apiError(code, str(reply.Error.Message), context);
    }
    return reply;
  }

  private async sendLegacy(call: LegacyCall, credentials: Credentials): Promise<Json> {
    const { endpoint } = call.api;
    const signatureMethod = this.config.legacySignatureMethod ?? 'HmacSHA256';
    const params: Record<string, string | number> = {
      ...flattenParams(call.params),
      Action: call.legacyAction,
      Region: this.config.region,
      Timestamp: Math.floor(this.clock.now() / 1000),
      Nonce: randomInt(1, 2 ** 31 - 1),
      SecretId: credentials.secretId,
      SignatureMethod: signatureMethod,
      RequestClient: CLIENT_NAME,
    };
    if (credentials.token) params.Token = credentials.token;
    params.Signature = signLegacy({ method: 'POST', host: endpoint.host, path: LEGACY_PATH, params, secretKey: credentials.secretKey, signatureMethod });
    const body = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const response = await this.http(call, credentials, endpoint.origin + LEGACY_PATH, { 'Content-Type': 'application/x-www-form-urlencoded' }, body);
    const reply = this.parseJson(call, credentials, response);
    if (!isObject(reply) || !('code' in reply)) throw this.invalidReply(call, credentials, response, 'no "code" field');
    if (reply.code !== 0) {
      const code = str(reply.codeDesc) || `LegacyError${reply.code}`;
      throw apiError(code, str(reply.message), { ...this.errorContext(call, credentials), requestId: str(reply.requestId) || undefined });
    }
    return reply;
  }

  private async http(call: ApiCall, credentials: Credentials, url: string, headers: Record<string, string>, body: string): Promise<Response<string>> {
    const timeout = call.timeoutMs ?? this.config.timeoutMs ?? 15_000;
    const cap = this.config.maxReplyBytes ?? BYTE_LIMITS.reply;
    const request = got.post(url, {
      headers,
      body,
      timeout: { connect: Math.min(timeout, 5000), request: timeout },
      retry: 0,
      throwHttpErrors: false,
      followRedirect: false,
      responseType: 'text',
    });
    let tooLarge = false;
    const refuse = () => {
      tooLarge = true;
      request.cancel();
    };
    request.on('response', (response) => {
      if (Number(response.headers['content-length']) > cap) refuse();
    });
    request.on('downloadProgress', (progress) => {
      if (progress.transferred > cap) refuse();
    });
    try {
      const response = await request;
      if (Buffer.byteLength(response.body) > cap) refuse();
      if (tooLarge) throw new Error('reply too large');
      return response;
    } catch (error) {
      const context = this.errorContext(call, credentials);
      if (tooLarge) {
        return Promise.reject(
          new ScfError('Transport.ReplyTooLarge', `${call.action} got a reply from ${context.endpoint} larger than ${Math.round(cap / 1048576)} MB: refused.${mayHaveRun(call.action)}`, {
            ...context,
            ambiguous: true,
          }),
        );
      }
      throw transportError(error, context, timeout);
    }
  }

  private parseJson(call: ApiCall, credentials: Credentials, response: Response<string>): any {
    try {
      return JSON.parse(response.body);
    } catch {
      throw this.invalidReply(call, credentials, response, 'not JSON');
    }
  }

  private invalidReply(call: ApiCall, credentials: Credentials, response: Response<string>, why: string): ScfError {
    const context = { ...this.errorContext(call, credentials), ambiguous: true };
    const status = response.statusCode;
    if (status >= 300) {
      return new ScfError('Transport.HttpStatus', `${call.action} got HTTP ${status} from ${context.endpoint} instead of an API reply.${mayHaveRun(call.action)}`, context);
    }
    return new ScfError('Transport.InvalidReply', `${call.action} got a reply from ${context.endpoint} that is not a Tencent Cloud API reply (${why}).${mayHaveRun(call.action)}`, context);
  }

  private debug(message: string): void {
    this.config.debug?.(message);
  }
}

/** A reply that does not have the shape its action promises: an error naming the action, never a success. */
export function malformedReply(call: Pick<ApiCall, 'action' | 'api'>, why: string): ScfError {
  return new ScfError('Transport.InvalidReply', `${call.action} got a reply from ${call.api.endpoint.origin} that does not have the API's shape (${why}).${mayHaveRun(call.action)}`, {
    action: call.action,
    endpoint: call.api.endpoint.origin,
    ambiguous: true,
  });
}

/** Said after a call failed in a way that leaves open whether it was carried out. */
export function mayHaveRun(action: string | undefined): string {
  if (action === 'Invoke') return ' The function may have run: check its logs before invoking again.';
  if (action && !isReadAction(action)) return ` ${action} may have been carried out.`;
  return '';
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** Classifies a failure of the HTTP exchange itself. */
export function transportError(error: any, context: ScfErrorContext, timeoutMs: number): ScfError {
  const code: string = error?.code ?? '';
  const endpoint = `${(context.service ?? 'API').toUpperCase()} endpoint ${context.endpoint}`;
  if (code === 'ECONNREFUSED') {
    return new ScfError('Transport.ConnectionRefused', `Cannot reach the ${endpoint}: connection refused.`, { ...context, ambiguous: false, cause: error });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ScfError('Transport.HostNotFound', `Cannot reach the ${endpoint}: its host name does not resolve.`, { ...context, ambiguous: false, cause: error });
  }
  if (TLS_CODES.has(code)) {
    // The handshake failed before the request was written: nothing was sent.
    return new ScfError('Transport.CertificateNotTrusted', `The certificate of the ${endpoint} is not trusted (${code}): nothing was sent.`, { ...context, ambiguous: false, cause: error });
  }
  if (error?.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const connecting = error?.event === 'connect';
    return new ScfError(
      'Transport.Timeout',
      connecting
        ? `Cannot reach the ${endpoint}: no connection within ${Math.min(timeoutMs, 5000)} ms.`
        : `${context.action} timed out after ${timeoutMs} ms waiting for the reply from ${context.endpoint}.${mayHaveRun(context.action)}`,
      { ...context, ambiguous: !connecting, cause: error },
    );
  }
  return new ScfError('Transport.Failed', `${context.action} to ${context.endpoint} failed: ${code || error?.message || 'connection error'}.${mayHaveRun(context.action)}`, {
    ...context,
    ambiguous: true,
    cause: error,
  });
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

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value);
}

export function num(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

// The one transport for every Tencent Cloud API the plugin speaks (SCF, CLS, Tag): it signs (TC3-HMAC-SHA256,
// or the legacy HmacSHA* query signature), sends with got, holds each action to its own rate from the limits
// table, retries what is safe to retry, bounds every reply, and turns every failure into the one error type.
// It knows nothing of serverless, and nothing of what the actions mean: the facades (scf.ts, cls.ts) do.
import got from 'got';
import { randomInt } from 'crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'http';
import type { Readable } from 'stream';
import * as zlib from 'zlib';
import type { Credentials } from '../config/credentials';
import type { Endpoint } from '../config/settings';
import { apiError, plainText, ScfError, type ScfErrorContext } from './errors';
import { actionRate, BYTE_LIMITS, isReadAction, type ServiceName } from './limits';
import { type Clock, RateLimiter, systemClock } from './limiter';
import { JSON_CONTENT_TYPE, type LegacySignatureMethod, signLegacy, signTc3 } from './signing';

export const CLIENT_NAME = 'serverless-tencent-scf';
export const LEGACY_PATH = '/v2/index.php';

export type Json = Record<string, any>;

/** A reply as read: its status, headers and body (decompressed). */
interface Reply {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Where a service is reached and which API version it speaks. */
export interface ServiceApi {
  service: ServiceName;
  version: string;
  endpoint: Endpoint;
}

/**
 * Credentials that change while a command runs (a role's temporary keys, refreshed before they expire): asked
 * for before every request.
 */
export interface CredentialSource {
  get(): Promise<Credentials>;
}

export interface TransportConfig {
  region: string;
  /**
   * Resolved once, on the first request: a command that fails on its input never reads credentials. A
   * CredentialSource (or a function answering one) is asked again before every request.
   */
  credentials: Credentials | CredentialSource | (() => Credentials | CredentialSource);
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
  /**
   * Sent with `Authorization: SKIP` and no credentials (STS AssumeRoleWithWebIdentity: the web identity token in
   * the body is what proves who asks).
   */
  unsigned?: boolean;
}

export interface LegacyCall extends ApiCall {
  /** The legacy name of the action. */
  legacyAction: string;
}

export class Transport {
  readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly random: () => number;
  private resolvedCredentials?: Credentials | CredentialSource;

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
    const maxAttempts = this.config.maxAttempts ?? 5;
    const read = isReadAction(call.action);
    for (let attempt = 1; ; attempt++) {
      const credentials = call.unsigned ? UNSIGNED : await this.credentials();
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

  /** The credentials the next call signs with (also for COS, which the vendor's COS SDK signs). */
  async credentials(): Promise<Credentials> {
    if (!this.resolvedCredentials) {
      const c = this.config.credentials;
      this.resolvedCredentials = typeof c === 'function' ? c() : c;
    }
    const resolved = this.resolvedCredentials;
    return isCredentialSource(resolved) ? resolved.get() : resolved;
  }

  /**
   * Exponential backoff with full jitter; a throttle waits at least half of it ("equal jitter"): the server counts
   * the last second's arrivals of every client of the account, so retries sooner than that second has passed are
   * refused again. With the defaults, four retries wait at least 1.5 s in all.
   */
  private backoff(attempt: number, throttled: boolean): number {
    const base = this.config.backoffBaseMs ?? 200;
    const cap = this.config.backoffCapMs ?? 5000;
    const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
    const floor = throttled ? ceiling / 2 : 0;
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
    const { authorization } = call.unsigned ? { authorization: 'SKIP' } : signTc3({
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
    if (credentials.token && !call.unsigned) headers['X-TC-Token'] = credentials.token;
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

  /**
   * Sends one request and reads its reply, counting the reply's bytes as they arrive after decompression: a
   * reply larger than the cap is refused as soon as it is, whatever its headers say (a small gzip body can
   * unpack to gigabytes).
   */
  private http(call: ApiCall, credentials: Credentials, url: string, headers: Record<string, string>, body: string): Promise<Reply> {
    const timeout = call.timeoutMs ?? this.config.timeoutMs ?? 15_000;
    const cap = this.config.maxReplyBytes ?? BYTE_LIMITS.reply;
    return new Promise<Reply>((resolve, reject) => {
      let settled = false;
      const stream = got.stream.post(url, {
        headers: { 'Accept-Encoding': 'gzip, deflate, br', ...headers },
        body,
        timeout: { connect: Math.min(timeout, 5000), request: timeout },
        retry: 0,
        throwHttpErrors: false,
        followRedirect: false,
        // Decompressed here, where every byte is counted.
        decompress: false,
      });
      const fail = (error: ScfError) => {
        if (settled) return;
        settled = true;
        stream.destroy();
        reject(error);
      };
      const tooLarge = () => {
        const context = this.errorContext(call, credentials);
        fail(
          new ScfError('Transport.ReplyTooLarge', `${call.action} got a reply from ${context.endpoint} larger than ${Math.round(cap / 1048576)} MB: refused.${mayHaveRun(call.action)}`, {
            ...context,
            ambiguous: true,
          }),
        );
      };
      stream.on('error', (error) => fail(transportError(error, this.errorContext(call, credentials), timeout)));
      stream.on('response', (response: IncomingMessage) => {
        if (Number(response.headers['content-length']) > cap) return tooLarge();
        const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
        const decoder = encoding === 'gzip' || encoding === 'x-gzip' || encoding === 'deflate' ? zlib.createUnzip() : encoding === 'br' ? zlib.createBrotliDecompress() : undefined;
        if (encoding && encoding !== 'identity' && !decoder) {
          return fail(this.invalidReply(call, credentials, { statusCode: response.statusCode ?? 0 }, `content encoding "${plainText(encoding).slice(0, 40)}"`));
        }
        const source: Readable = decoder ? stream.pipe(decoder) : stream;
        const chunks: Buffer[] = [];
        let size = 0;
        source.on('data', (chunk: Buffer) => {
          if (settled) return;
          size += chunk.length;
          if (size > cap) return tooLarge();
          chunks.push(chunk);
        });
        source.on('error', () => fail(this.invalidReply(call, credentials, { statusCode: response.statusCode ?? 0 }, `its ${encoding} body does not decompress`)));
        source.on('end', () => {
          if (settled) return;
          settled = true;
          resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
    });
  }

  private parseJson(call: ApiCall, credentials: Credentials, response: Reply): any {
    try {
      return JSON.parse(response.body);
    } catch {
      throw this.invalidReply(call, credentials, response, 'not JSON');
    }
  }

  private invalidReply(call: ApiCall, credentials: Credentials, response: Pick<Reply, 'statusCode'>, why: string): ScfError {
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

/** What an unsigned call carries instead of credentials: nothing to sign with, nothing to name in an error. */
const UNSIGNED = Object.freeze({ secretId: '', secretKey: '', token: undefined, source: undefined, fields: undefined }) as unknown as Credentials;

function isCredentialSource(value: Credentials | CredentialSource): value is CredentialSource {
  return typeof (value as CredentialSource).get === 'function';
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

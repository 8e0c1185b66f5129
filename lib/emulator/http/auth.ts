// Who is asking: the checks a request passes before anything of it is parsed or acted on. TC3-HMAC-SHA256 is
// checked in two steps: its header alone (before the body is read, so a refused request's body is never
// kept), then the signature over the request's own SignedHeaders and body. The v1 HmacSHA* signature (legacy
// API, and API 3.0 without an Authorization header) covers the parameters, and refuses a Nonce it has seen.
import { ApiFault } from '../api-fault';
import {
  canonicalHeaders,
  type LegacySignatureMethod,
  type ParsedTc3Authorization,
  parseTc3Authorization,
  sameSignature,
  sha256Hex,
  signCanonicalRequest,
  signLegacy,
  TC3_ALGORITHM,
  utcDate,
} from '../../cloud/signing';
import type { FlatParams } from './params';

export interface EmulatorCredentials {
  secretId: string;
  secretKey: string;
  /** When set, requests must carry this session token. */
  token?: string;
}

/** The window either side of the server's clock a signed request may be from. */
export const SIGNATURE_WINDOW_SECONDS = 300;

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function checkTime(timestamp: number, nowSeconds: number): ApiFault | undefined {
  const skew = timestamp - nowSeconds;
  if (Math.abs(skew) > SIGNATURE_WINDOW_SECONDS) {
    return new ApiFault('AuthFailure.SignatureExpire', `Signature expired. Timestamp ${timestamp} is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} server time ${nowSeconds}.`);
  }
  return undefined;
}

/** The TC3 header alone: well-formed, this account's SecretId, a fresh timestamp, host and content-type signed. */
export function preflightTc3(headers: Headers, credentials: EmulatorCredentials, nowSeconds: number): ParsedTc3Authorization | ApiFault {
  const auth = parseTc3Authorization(header(headers, 'authorization'));
  if (!auth) return new ApiFault('AuthFailure.InvalidAuthorization', `The Authorization header is not a well-formed ${TC3_ALGORITHM} authorization.`);
  const timestamp = Number(header(headers, 'x-tc-timestamp'));
  if (!Number.isInteger(timestamp)) return new ApiFault('MissingParameter', 'The request is missing X-TC-Timestamp.');
  const expired = checkTime(timestamp, nowSeconds);
  if (expired) return expired;
  if (auth.secretId !== credentials.secretId) return new ApiFault('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
  if (auth.date !== utcDate(timestamp)) return new ApiFault('AuthFailure.SignatureFailure', 'The credential scope date does not match X-TC-Timestamp.');
  if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('content-type')) {
    return new ApiFault('AuthFailure.SignatureFailure', 'SignedHeaders must include content-type and host.');
  }
  return auth;
}

export interface Tc3Request {
  method: string;
  headers: Headers;
  /** The raw query string (GET), '' for POST. */
  query: string;
  body: Buffer;
}

/**
 * The TC3 signature over the request's own SignedHeaders: every header it lists must be present and is
 * checked, so a signed `x-tc-action` cannot be swapped. `host` is tried with and without the port, as the
 * vendor SDK signs the host name alone.
 */
export function verifyTc3(auth: ParsedTc3Authorization, request: Tc3Request, credentials: EmulatorCredentials, paths: readonly string[] = ['/']): ApiFault | undefined {
  const values = new Map<string, string>();
  for (const name of auth.signedHeaders) {
    const value = header(request.headers, name.toLowerCase());
    if (value === undefined) return new ApiFault('AuthFailure.SignatureFailure', `The signed header \`${name}\` is not in the request.`);
    values.set(name.toLowerCase(), value);
  }
  const hostHeader = values.get('host') ?? '';
  const timestamp = Number(header(request.headers, 'x-tc-timestamp'));
  const payloadHash = sha256Hex(request.body);
  for (const host of new Set([hostHeader, hostHeader.replace(/:\d+$/, '')])) {
    values.set('host', host);
    const { canonical, signedHeaders } = canonicalHeaders(Object.fromEntries(values));
    for (const uri of paths) {
      const canonicalRequest = [request.method, uri, request.query, canonical, signedHeaders, payloadHash].join('\n');
      const { signature } = signCanonicalRequest(canonicalRequest, timestamp, auth.service, credentials.secretKey);
      if (sameSignature(signature, auth.signature)) return checkToken(header(request.headers, 'x-tc-token'), credentials);
    }
  }
  return new ApiFault('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
}

function checkToken(token: string | undefined, credentials: EmulatorCredentials): ApiFault | undefined {
  if ((token || credentials.token) && token !== credentials.token) return new ApiFault('AuthFailure.TokenFailure', 'The session token is invalid.');
  return undefined;
}

/** Nonces seen within the signature window, per SecretId: a request carrying one again is a replay. */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  private sweptAt = 0;

  constructor(private readonly windowMs = SIGNATURE_WINDOW_SECONDS * 2000) {}

  /** True the first time (secretId, nonce) is seen within the window. */
  claim(secretId: string, nonce: string, nowMs: number): boolean {
    if (nowMs - this.sweptAt > 10_000) {
      for (const [key, expires] of this.seen) if (expires <= nowMs) this.seen.delete(key);
      this.sweptAt = nowMs;
    }
    const key = `${secretId}\u0000${nonce}`;
    const expires = this.seen.get(key);
    if (expires !== undefined && expires > nowMs) return false;
    this.seen.set(key, nowMs + this.windowMs);
    return true;
  }
}

export interface V1Request {
  method: string;
  /** The Host header. */
  host: string;
  path: string;
  params: FlatParams;
}

/** An HmacSHA1/HmacSHA256 request: signature over the parameters, fresh time, a Nonce not seen before. */
export function verifyV1(request: V1Request, credentials: EmulatorCredentials, nonces: NonceCache, nowMs: number): ApiFault | undefined {
  const { params } = request;
  if (!params.Signature) return new ApiFault('AuthFailure.SignatureFailure', 'The request carries no signature.');
  const timestamp = Number(params.Timestamp);
  if (!Number.isInteger(timestamp) || !params.Nonce) return new ApiFault('MissingParameter', 'The request is missing Timestamp or Nonce.');
  const expired = checkTime(timestamp, Math.floor(nowMs / 1000));
  if (expired) return expired;
  if (params.SecretId !== credentials.secretId) return new ApiFault('AuthFailure.SecretIdNotFound', 'The SecretId is not found.');
  const method = (params.SignatureMethod ?? 'HmacSHA1') as LegacySignatureMethod;
  if (method !== 'HmacSHA1' && method !== 'HmacSHA256') return new ApiFault('InvalidParameterValue', 'SignatureMethod must be HmacSHA1 or HmacSHA256.');
  const ok = [request.host, request.host.replace(/:\d+$/, '')].some((host) =>
    sameSignature(signLegacy({ method: request.method === 'GET' ? 'GET' : 'POST', host, path: request.path, params, secretKey: credentials.secretKey, signatureMethod: method }), params.Signature),
  );
  if (!ok) return new ApiFault('AuthFailure.SignatureFailure', 'The provided credentials could not be validated. Please check your signature is correct.');
  const tokenFault = checkToken(params.Token, credentials);
  if (tokenFault) return tokenFault;
  // Checked last: only a correctly signed request spends its nonce.
  if (!nonces.claim(params.SecretId, params.Nonce, nowMs)) return new ApiFault('AuthFailure.SignatureFailure', 'The Nonce was used before: the request is a replay.');
  return undefined;
}

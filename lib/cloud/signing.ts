// Request signing for both SCF protocols. Every function here is pure: a function of the request, the
// credentials and the time it is given, with no I/O and no clock of its own, so that the vendor's signer can be
// used as an oracle in tests and the emulator can verify with exactly the same code.
import { createHash, createHmac } from 'crypto';

export const TC3_ALGORITHM = 'TC3-HMAC-SHA256';
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface Tc3Input {
  method: 'POST' | 'GET';
  /** Host name the request goes to, as it appears in the canonical `host:` header. */
  host: string;
  /** Canonical URI: `/` for the API. */
  path?: string;
  /** The raw query string without `?` (GET only; "" for POST). */
  query?: string;
  contentType: string;
  payload: string | Buffer;
  /**
   * Headers signed besides content-type and host (names in any case), e.g. `x-tc-action`: a signed header
   * cannot be changed on the way without breaking the signature.
   */
  extraHeaders?: Record<string, string>;
  /** Service named in the credential scope: `scf` for our client. */
  service: string;
  /** Unix seconds. */
  timestamp: number;
  secretId: string;
  secretKey: string;
}

export interface Tc3Signature {
  authorization: string;
  signature: string;
  credentialScope: string;
  stringToSign: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** The UTC calendar date of a unix timestamp, `YYYY-MM-DD`, as the credential scope wants it. */
export function utcDate(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/**
 * The canonical headers and their names, as TC3 wants them: lower-case names sorted, values lower-cased and
 * trimmed, one `name:value` a line.
 */
export function canonicalHeaders(headers: Record<string, string>): { canonical: string; signedHeaders: string } {
  const entries = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value).trim().toLowerCase()] as const);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { canonical: entries.map(([name, value]) => `${name}:${value}\n`).join(''), signedHeaders: entries.map(([name]) => name).join(';') };
}

/** The TC3 signature of a canonical request: the scope, the string to sign, and its HMAC chain. */
export function signCanonicalRequest(canonicalRequest: string, timestamp: number, service: string, secretKey: string) {
  const date = utcDate(timestamp);
  const credentialScope = `${date}/${service}/tc3_request`;
  const stringToSign = [TC3_ALGORITHM, String(timestamp), credentialScope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac('TC3' + secretKey, date);
  const kService = hmac(kDate, service);
  const kSigning = hmac(kService, 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return { signature, credentialScope, stringToSign };
}

export function signTc3(input: Tc3Input): Tc3Signature {
  const { canonical, signedHeaders } = canonicalHeaders({ ...input.extraHeaders, 'content-type': input.contentType, host: input.host });
  const canonicalRequest = [input.method, input.path ?? '/', input.query ?? '', canonical, signedHeaders, sha256Hex(input.payload)].join('\n');
  const { signature, credentialScope, stringToSign } = signCanonicalRequest(canonicalRequest, input.timestamp, input.service, input.secretKey);
  return {
    authorization: `${TC3_ALGORITHM} Credential=${input.secretId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signature,
    credentialScope,
    stringToSign,
  };
}

export interface ParsedTc3Authorization {
  secretId: string;
  date: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

/** Reads an `Authorization: TC3-HMAC-SHA256 ...` header; undefined when it is not one. */
export function parseTc3Authorization(header: string | undefined): ParsedTc3Authorization | undefined {
  if (!header) return undefined;
  const match = /^TC3-HMAC-SHA256\s+Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$/.exec(
    header,
  );
  if (!match) return undefined;
  return {
    secretId: match[1],
    date: match[2],
    service: match[3],
    signedHeaders: match[4].split(';'),
    signature: match[5],
  };
}

export type LegacySignatureMethod = 'HmacSHA1' | 'HmacSHA256';

export interface LegacyInput {
  method: 'GET' | 'POST';
  /** Host as the client addresses it, with the port when it is not the scheme's default. */
  host: string;
  path: string;
  /** Every parameter that is sent, `Signature` excepted; values as they are, not URL-encoded. */
  params: Record<string, string | number>;
  secretKey: string;
  signatureMethod: LegacySignatureMethod;
}

/** The string a legacy request signs: METHOD + host + path + "?" + sorted raw key=value pairs. */
export function legacyStringToSign(input: Omit<LegacyInput, 'secretKey' | 'signatureMethod'>): string {
  const joined = Object.keys(input.params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${key}=${input.params[key]}`)
    .join('&');
  return `${input.method}${input.host}${input.path}?${joined}`;
}

export function signLegacy(input: LegacyInput): string {
  const algorithm = input.signatureMethod === 'HmacSHA256' ? 'sha256' : 'sha1';
  return createHmac(algorithm, input.secretKey).update(legacyStringToSign(input), 'utf8').digest('base64');
}

/** Constant-time comparison of two signatures. */
export function sameSignature(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

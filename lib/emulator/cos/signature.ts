// The COS XML API request signature (`q-sign-algorithm=sha1&q-ak=...&q-signature=...`), as COS computes it:
// SignKey = HMAC-SHA1(SecretKey, KeyTime); the format string is method, path, the signed query parameters and
// the signed headers (names lower-cased and URL-encoded, values URL-encoded, sorted); the signature is
// HMAC-SHA1(SignKey, "sha1\n" + SignTime + "\n" + SHA1(format string) + "\n"). Pure functions.
import { createHash, createHmac, timingSafeEqual } from 'crypto';

export interface CosAuthorization {
  accessKeyId: string;
  signStart: number;
  signEnd: number;
  /** `q-sign-time` as sent: `start;end`. */
  signTime: string;
  /** `q-key-time` as sent. */
  keyTime: string;
  /** Lower-case names, in the order given. */
  headerList: string[];
  paramList: string[];
  signature: string;
}

/** encodeURIComponent, also escaping `!'()*`, as COS does. */
export function cosUrlEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Reads an Authorization header (or the same fields from a pre-signed URL's query); undefined if malformed. */
export function parseCosAuthorization(text: string | undefined): CosAuthorization | undefined {
  if (!text) return undefined;
  const fields = new Map<string, string>();
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  if (fields.get('q-sign-algorithm') !== 'sha1') return undefined;
  const signTime = fields.get('q-sign-time') ?? '';
  const match = /^(\d+);(\d+)$/.exec(signTime);
  const signature = fields.get('q-signature') ?? '';
  const accessKeyId = fields.get('q-ak') ?? '';
  if (!match || !/^[0-9a-f]{40}$/.test(signature) || !accessKeyId) return undefined;
  const list = (name: string) => (fields.get(name) ? fields.get(name)!.split(';').filter(Boolean) : []);
  return {
    accessKeyId,
    signStart: Number(match[1]),
    signEnd: Number(match[2]),
    signTime,
    keyTime: fields.get('q-key-time') ?? signTime,
    headerList: list('q-header-list'),
    paramList: list('q-url-param-list'),
    signature,
  };
}

export interface CosSignInput {
  secretKey: string;
  keyTime: string;
  signTime: string;
  method: string;
  /** The object path as signed: `/` + key, not URL-encoded. */
  pathname: string;
  /** Signed query parameters: name (any case) and value. */
  params: Array<[string, string]>;
  /** Signed headers: name (any case) and value. */
  headers: Array<[string, string]>;
}

function canonicalPairs(pairs: Array<[string, string]>): string {
  return pairs
    .map(([name, value]) => [cosUrlEncode(name).toLowerCase(), cosUrlEncode(value)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
}

/** The hex `q-signature` of a request. */
export function cosSignature(input: CosSignInput): string {
  const signKey = createHmac('sha1', input.secretKey).update(input.keyTime).digest('hex');
  const formatString = [input.method.toLowerCase(), input.pathname, canonicalPairs(input.params), canonicalPairs(input.headers), ''].join('\n');
  const digest = createHash('sha1').update(Buffer.from(formatString, 'utf8')).digest('hex');
  const stringToSign = ['sha1', input.signTime, digest, ''].join('\n');
  return createHmac('sha1', signKey).update(stringToSign).digest('hex');
}

/** Compares two hex signatures in constant time. */
export function sameCosSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

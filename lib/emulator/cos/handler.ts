// The COS XML API as far as deploying needs it: PUT (with x-cos-forbid-overwrite), GET, HEAD and DELETE of
// objects, PUT and HEAD of buckets, GET Bucket and its versioning (bucket-api.ts), signed as COS signs (verified
// with the emulator's credentials or a temporary key its STS issued), answered with COS's XML errors.
//
// Addressing. cos-nodejs-sdk-v5 speaks virtual-host style only (`ForcePathStyle` throws). Two ways point it at
// the emulator, and both are served:
//  - `new COS({ ..., Protocol: 'http:', Ip: '127.0.0.1:PORT' })`: requests go to 127.0.0.1 with the real
//    `Host: <bucket>-<appid>.cos.<region>.myqcloud.com` (bucket and region from the Host);
//  - `new COS({ ..., Protocol: 'http:', Domain: '127.0.0.1:PORT/{Bucket}' })`: requests go to
//    `/<bucket>-<appid>/<key>` with `Host: 127.0.0.1:PORT`, and the SDK signs the path without the bucket.
// A request is COS's (`isCosRequest`) when its Authorization (or a pre-signed URL's query) carries
// `q-sign-algorithm=`, or its Host is a COS domain.
import type * as http from 'http';
import { createHash, randomBytes } from 'crypto';
import { type BucketRecord, type CosStore, normaliseKey, parseBucketName } from './store';
import { cosSignature, type CosAuthorization, parseCosAuthorization, sameCosSignature } from './signature';
import { BucketApiError, LIST_PARAMETERS, listObjects, putVersioning, refusesOverwrite, versioningXml } from './bucket-api';

export interface CosCredentials {
  secretId: string;
  secretKey: string;
  /** When set, requests must carry it as `x-cos-security-token`. */
  token?: string;
}

/** The keys a SecretId stands for ('expired': a temporary key past its time), undefined for one not known. */
export type CosKeys = (secretId: string) => CosCredentials | 'expired' | undefined;

/**
 * Serves one COS request. The body is read (through `readBody`, which answers undefined past the size limit)
 * only once the signature has been checked: a refused upload's body is never kept.
 */
export type CosRequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, readBody: () => Promise<Buffer | undefined>) => Promise<void>;

const COS_HOST = /^([a-z0-9-]+-\d+)\.cos\.([a-z0-9-]+)\.myqcloud\.com(?::\d+)?$/i;
/** How far a signature's start may lie in the future (client clocks drift). */
const CLOCK_SKEW_S = 300;

/** True for a request meant for COS rather than for a Tencent Cloud API 3.0 service. */
export function isCosRequest(req: http.IncomingMessage): boolean {
  if (String(req.headers.authorization ?? '').startsWith('q-sign-algorithm=')) return true;
  if (COS_HOST.test(String(req.headers.host ?? ''))) return true;
  return /[?&]q-sign-algorithm=/.test(req.url ?? '');
}

class CosError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xmlEscape = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

interface Target {
  bucket: string;
  region: string;
  /** The object key, '' for the bucket itself. */
  key: string;
  /** The paths a signature may cover: with the bucket in the path, the SDK signs without it. */
  signedPaths: string[];
}

function target(req: http.IncomingMessage, url: URL): Target {
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    throw new CosError(400, 'InvalidURI', 'Could not parse the specified URI.');
  }
  const host = COS_HOST.exec(String(req.headers.host ?? ''));
  if (host) return { bucket: host[1].toLowerCase(), region: host[2].toLowerCase(), key: normaliseKey(pathname), signedPaths: [pathname] };
  const slash = pathname.indexOf('/', 1);
  const bucket = slash < 0 ? pathname.slice(1) : pathname.slice(1, slash);
  const rest = slash < 0 ? '/' : pathname.slice(slash);
  return { bucket, region: '', key: normaliseKey(rest), signedPaths: [rest, pathname] };
}

function authorize(req: http.IncomingMessage, url: URL, where: Target, keys: CosKeys, nowS: number): void {
  const header = req.headers.authorization;
  let auth: CosAuthorization | undefined;
  if (header) auth = parseCosAuthorization(header);
  else if (url.searchParams.has('q-sign-algorithm')) {
    const fields = [...url.searchParams].filter(([name]) => name.startsWith('q-')).map(([name, value]) => `${name}=${value}`);
    auth = parseCosAuthorization(fields.join('&'));
  } else throw new CosError(403, 'AccessDenied', 'Access Denied: the request is not signed.');
  if (!auth) throw new CosError(403, 'AccessDenied', 'The Authorization is malformed.');
  const credentials = keys(auth.accessKeyId);
  if (credentials === 'expired') throw new CosError(400, 'ExpiredToken', 'The provided token has expired.');
  if (!credentials) throw new CosError(403, 'InvalidAccessKeyId', 'The access key Id format you provided is invalid.');
  if (nowS > auth.signEnd || nowS + CLOCK_SKEW_S < auth.signStart) throw new CosError(403, 'AccessDenied', 'Request has expired');
  const headerValue = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(',') : (value ?? '');
  };
  const paramValue = (name: string) => {
    for (const [key, value] of url.searchParams) if (key.toLowerCase() === name) return value;
    return '';
  };
  const headers = auth.headerList.map((name) => [name, headerValue(name)] as [string, string]);
  const params = auth.paramList.map((name) => [name, paramValue(name)] as [string, string]);
  const ok = where.signedPaths.some((pathname) =>
    sameCosSignature(
      cosSignature({ secretKey: credentials.secretKey, keyTime: auth!.keyTime, signTime: auth!.signTime, method: req.method ?? 'GET', pathname, params, headers }),
      auth!.signature,
    ),
  );
  if (!ok) throw new CosError(403, 'SignatureDoesNotMatch', 'The Signature you specified does not match.');
  const token = req.headers['x-cos-security-token'] ?? url.searchParams.get('x-cos-security-token') ?? undefined;
  if ((token || credentials.token) && token !== credentials.token) throw new CosError(403, 'InvalidAccessKeyId', 'The security token is invalid.');
}

/** The handler for COS requests, over `store`, verifying with `credentials`. */
/** The largest object one PUT may carry here (the large-package path: zips too big to send inline). */
export const COS_MAX_OBJECT_BYTES = 128 * 1024 * 1024;

/** A bucket this account does not have, and how to give it one. */
export function noSuchBucket(bucket: string): CosError {
  return new CosError(404, 'NoSuchBucket', `The bucket ${bucket.slice(0, 70)} does not exist: start the emulator with --cos-bucket ${bucket.slice(0, 70)} (a bucket is named <name>-<appid>), or create it with PUT Bucket.`);
}

export function createCosHandler(store: CosStore, credentials: CosCredentials | CosKeys, now: () => number = Date.now): CosRequestHandler {
  const keys: CosKeys = typeof credentials === 'function' ? credentials : (id) => (id === credentials.secretId ? credentials : undefined);
  return async (req, res, readBody) => {
    const requestId = randomBytes(16).toString('base64url');
    let bodyRead = false;
    const send = (status: number, headers: http.OutgoingHttpHeaders, payload?: Buffer | string) => {
      const data = payload === undefined ? undefined : Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
      // A body left unread is drained, and the connection closed after the answer.
      if (!bodyRead) {
        req.resume();
        headers = { ...headers, Connection: 'close' };
      }
      res.writeHead(status, { Server: 'tencent-cos', 'x-cos-request-id': requestId, 'Content-Length': data?.length ?? 0, ...headers });
      res.end(req.method === 'HEAD' ? undefined : data);
    };
    let url: URL;
    let where: Target | undefined;
    try {
      url = new URL(req.url ?? '/', 'http://cos');
      where = target(req, url);
      authorize(req, url, where, keys, Math.floor(now() / 1000));
      const body = await readBody();
      bodyRead = true;
      if (body === undefined) {
        throw new CosError(400, 'EntityTooLarge', `Your proposed upload exceeds ${COS_MAX_OBJECT_BYTES / 1048576} MB, the largest object this emulator takes in one PUT.`);
      }
      await serve(req, url, where, body, store, send);
    } catch (error) {
      const fault = error instanceof CosError || error instanceof BucketApiError ? error : new CosError(500, 'InternalError', `The emulator failed: ${(error as Error).message}`);
      const resource = where ? `${where.bucket}/${where.key}` : '';
      const xml =
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${xmlEscape(fault.message)}</Message>` +
        `<Resource>${xmlEscape(resource)}</Resource><RequestId>${requestId}</RequestId><TraceId>${requestId}</TraceId></Error>`;
      send(fault.status, { 'Content-Type': 'application/xml' }, xml);
    }
  };
}

type Send = (status: number, headers: http.OutgoingHttpHeaders, payload?: Buffer | string) => void;

async function serve(req: http.IncomingMessage, url: URL, where: Target, body: Buffer, store: CosStore, send: Send): Promise<void> {
  const method = req.method ?? 'GET';
  // Sub-resources (?acl, ?uploads, ?tagging, ...) are more COS than a deploy needs.
  // GET Bucket takes listing parameters, and the bucket's ?versioning is served (a deploy lock looks at it).
  const served = (name: string) => !where.key && (name === 'versioning' || (method === 'GET' && LIST_PARAMETERS.has(name)));
  const subResources = [...url.searchParams.keys()].filter((name) => !name.startsWith('q-') && name !== 'x-cos-security-token' && !name.startsWith('response-') && !served(name));
  if (subResources.length) throw new CosError(501, 'NotImplemented', `This emulator does not serve ?${subResources[0]}.`);
  const parsed = parseBucketName(where.bucket);
  if (!parsed) throw new CosError(400, 'InvalidBucketName', 'The specified bucket is not valid.');
  if (parsed.appId !== store.appId) throw new CosError(403, 'AccessDenied', `The bucket belongs to APPID ${parsed.appId}, not to this account (${store.appId}).`);

  if (!where.key) {
    if (url.searchParams.has('versioning')) {
      const existing = store.buckets.get(where.bucket);
      if (!existing) throw noSuchBucket(where.bucket);
      if (method === 'GET') return send(200, { 'Content-Type': 'application/xml' }, versioningXml(existing));
      if (method === 'PUT') {
        putVersioning(existing, body);
        store.updated();
        return send(200, {});
      }
    }
    if (method === 'PUT') {
      if (store.buckets.has(where.bucket)) throw new CosError(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
      store.createBucket(where.bucket, where.region);
      return send(200, {});
    }
    if (method === 'HEAD') {
      if (!store.buckets.has(where.bucket)) throw noSuchBucket(where.bucket);
      return send(200, {});
    }
    if (method === 'GET') {
      const existing = store.buckets.get(where.bucket);
      if (!existing) throw noSuchBucket(where.bucket);
      return send(200, { 'Content-Type': 'application/xml' }, listObjects(existing, url.searchParams, store.appId));
    }
    throw new CosError(405, 'MethodNotAllowed', `${method} on a bucket is not served by this emulator.`);
  }

  const bucket: BucketRecord | undefined = store.buckets.get(where.bucket);
  if (!bucket) throw noSuchBucket(where.bucket);
  if (method === 'PUT') {
    if (req.headers['x-cos-copy-source']) throw new CosError(501, 'NotImplemented', 'This emulator does not copy objects.');
    const md5 = req.headers['content-md5'];
    if (typeof md5 === 'string' && md5 !== createHash('md5').update(body).digest('base64')) {
      throw new CosError(400, 'BadDigest', 'The Content-MD5 you specified did not match what was received.');
    }
    const refused = refusesOverwrite(bucket, where.key, req.headers['x-cos-forbid-overwrite']);
    if (refused) throw refused;
    const meta = store.put(bucket, where.key, body, String(req.headers['content-type'] ?? 'application/octet-stream'));
    return send(200, { ETag: `"${meta.md5}"` });
  }
  if (method === 'GET' || method === 'HEAD') {
    const found = store.get(bucket, where.key);
    if (!found) throw new CosError(404, 'NoSuchKey', 'The specified key does not exist.');
    return send(
      200,
      { 'Content-Type': found.meta.contentType, ETag: `"${found.meta.md5}"`, 'Last-Modified': new Date(found.meta.lastModified).toUTCString(), 'Content-Length': found.meta.size },
      found.body,
    );
  }
  if (method === 'DELETE') {
    store.delete(bucket, where.key);
    return send(204, {});
  }
  throw new CosError(405, 'MethodNotAllowed', `${method} is not served by this emulator.`);
}

// Where deployed code comes from (an inline base64 ZipFile or a COS object), checked as SCF checks it, and
// where it can be fetched back (GetFunctionAddress's Url: a signed, expiring address on the emulator).
import { createHmac, randomBytes, timingSafeEqual } from 'crypto';
import * as fs from 'fs';
import type * as http from 'http';
import { ApiFault } from '../api-fault';
import type { CodeRecord } from '../store/account';
import type { ScfContext } from './context';
import type { Params } from './params';

export const MB = 1024 * 1024;
/** CreateFunction's `Code.ZipFile` limit. */
export const CREATE_ZIP_BYTES = 50 * MB;
/** UpdateFunctionCode's `ZipFile` limit. */
export const UPDATE_ZIP_BYTES = 20 * MB;

const COS_FIELDS = ['CosBucketName', 'CosObjectName', 'CosBucketRegion'] as const;

/** Strict base64: what Python's binascii (SCF's decoder) accepts, without whitespace. */
export function decodeZipBase64(text: unknown): Buffer {
  if (typeof text !== 'string' || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new ApiFault('InvalidParameterValue.ZipFileBase64BinasciiError', 'Failed to Base64-decode the compressed file: `Incorrect padding`. Please fix it and try again.');
  }
  return Buffer.from(text, 'base64');
}

/** The code fields of a request: CreateFunction's `Code`, or UpdateFunctionCode's top-level or `Code` fields. */
export interface CodeSource {
  zipFile?: unknown;
  cosBucketName?: unknown;
  cosObjectName?: unknown;
  cosBucketRegion?: unknown;
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Reads a `Code` object (or the top-level code fields) into a source; refuses what SCF refuses. */
export function codeSource(code: Params, codeSourceParam?: unknown): CodeSource | undefined {
  if (typeof code !== 'object' || code === null || Array.isArray(code)) throw new ApiFault('InvalidParameterValue.Code', 'Code must be an object.');
  if (present(code.TempCosObjectName)) throw new ApiFault('InvalidParameterValue.TempCosObjectName', 'TempCos is not offered by this account: upload to a COS bucket of your own.');
  if (present(code.ImageConfig)) throw new ApiFault('UnsupportedOperation', 'Image deployment is not offered by this emulator.');
  if (present(code.DemoId)) throw new ApiFault('ResourceNotFound.Demo', 'No demo templates here.');
  if (present(code.GitUrl)) throw new ApiFault('InvalidParameterValue.GitUrl', 'Git deployment has gone offline.');
  const hasZip = present(code.ZipFile);
  const hasCos = COS_FIELDS.some((field) => present(code[field]));
  if (hasZip && hasCos) throw new ApiFault('InvalidParameterValue.Code', 'Code may hold ZipFile or the Cos fields, not both.');
  if (!hasZip && !hasCos) return undefined;
  if (present(codeSourceParam) && codeSourceParam !== (hasZip ? 'ZipFile' : 'Cos')) {
    throw new ApiFault('InvalidParameterValue.CodeSource', `CodeSource \`${String(codeSourceParam).slice(0, 20)}\` does not match the code given.`);
  }
  return hasZip ? { zipFile: code.ZipFile } : { cosBucketName: code.CosBucketName, cosObjectName: code.CosObjectName, cosBucketRegion: code.CosBucketRegion };
}

/** The zip a source names: decoded inline (at most `inlineLimit`) or read from the account's COS. */
export function readZip(ctx: ScfContext, source: CodeSource, inlineLimit: number): Buffer {
  if (source.zipFile !== undefined) {
    const zip = decodeZipBase64(source.zipFile);
    if (zip.length > inlineLimit) {
      throw new ApiFault('InvalidParameterValue.ZipFile', `The zip is ${(zip.length / MB).toFixed(1)} MB: inline ZipFile takes at most ${inlineLimit / MB} MB, use COS for larger packages.`);
    }
    return zip;
  }
  const bucketName = source.cosBucketName;
  const objectName = source.cosObjectName;
  const region = source.cosBucketRegion;
  if (typeof bucketName !== 'string' || !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(bucketName)) {
    throw new ApiFault('InvalidParameterValue.CosBucketName', 'CosBucketName must be the bucket name without its -<appid> suffix.');
  }
  if (typeof objectName !== 'string' || !objectName.startsWith('/') || objectName.length < 2) {
    throw new ApiFault('InvalidParameterValue.CosObjectName', 'CosObjectName must be the object key starting with /.');
  }
  if (region !== undefined && region !== null && region !== '' && (typeof region !== 'string' || !/^[a-z]+-[a-z]+(-\d+)?$/.test(region))) {
    throw new ApiFault('InvalidParameterValue.CosBucketRegion', 'CosBucketRegion must be a region such as ap-guangzhou.');
  }
  const bucket = ctx.cos.byShortName(bucketName);
  if (!bucket) {
    throw new ApiFault('InvalidParameterValue.CosBucketName', `The bucket \`${bucketName}-${ctx.cos.appId}\` does not exist: start the emulator with --cos-bucket ${bucketName}-${ctx.cos.appId}.`);
  }
  if (typeof region === 'string' && region && bucket.region && region !== bucket.region) {
    throw new ApiFault('InvalidParameterValue.CosBucketRegion', `The bucket \`${bucket.name}\` is in ${bucket.region}, not ${region}.`);
  }
  const object = ctx.cos.get(bucket, objectName);
  if (!object) throw new ApiFault('InvalidParameterValue.CosObjectName', `The object \`${objectName.slice(0, 200)}\` does not exist in \`${bucket.name}\`.`);
  return object.body;
}

/** Reads and unpacks the code a source names. */
export async function deployCode(ctx: ScfContext, source: CodeSource, inlineLimit: number): Promise<CodeRecord> {
  return ctx.packages.unpack(readZip(ctx, source, inlineLimit));
}

/** Where the emulator serves deployed zips. */
export const CODE_PATH_PREFIX = '/__code/';
const URL_LIFETIME_S = 600;

/** Signs and checks code download addresses with a key that lives as long as the emulator. */
export class CodeUrls {
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  private sign(sha256: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${sha256}\n${expires}`).digest('hex');
  }

  /** The path and query of a download address valid for ten minutes. */
  path(sha256: string): string {
    const expires = Math.floor(this.now() / 1000) + URL_LIFETIME_S;
    return `${CODE_PATH_PREFIX}${sha256}.zip?expires=${expires}&sign=${this.sign(sha256, expires)}`;
  }

  /** The hash a download address names, when it is this emulator's and unexpired. */
  verify(url: URL): string | undefined {
    const match = /^\/__code\/([0-9a-f]{64})\.zip$/.exec(url.pathname);
    const expires = Number(url.searchParams.get('expires'));
    const sign = Buffer.from(url.searchParams.get('sign') ?? '');
    if (!match || !Number.isInteger(expires) || expires < this.now() / 1000) return undefined;
    const expected = Buffer.from(this.sign(match[1], expires));
    return sign.length === expected.length && timingSafeEqual(sign, expected) ? match[1] : undefined;
  }
}

/** Answers a GET of a download address: the zip, or 403/404. */
export async function serveCode(urls: CodeUrls, zipPath: (sha256: string) => string | undefined, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const sha256 = urls.verify(url);
  const file = sha256 && zipPath(sha256);
  if (req.method !== 'GET' || !sha256 || !file) {
    const status = req.method !== 'GET' ? 405 : !sha256 ? 403 : 404;
    const text = status === 403 ? 'AccessDenied: the address is not signed or has expired' : status === 404 ? 'NoSuchKey' : 'MethodNotAllowed';
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    return;
  }
  const size = fs.statSync(file).size;
  res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Length': size });
  await new Promise<void>((resolve, reject) => {
    const stream = fs.createReadStream(file);
    stream.on('error', reject);
    res.on('close', resolve);
    stream.pipe(res);
  });
}

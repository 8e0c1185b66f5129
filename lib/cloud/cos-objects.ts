// Small objects under one prefix of one COS bucket, through the vendor's COS SDK: what the deploy lock keeps its
// record in. `create` is COS's one atomic primitive here: PUT Object with `x-cos-forbid-overwrite: true` (the PUT
// Object page: refused with 409 FileAlreadyExists when the key exists, in a bucket that never had versioning).
import type { Credentials } from '../config/credentials';
import type { Endpoint } from '../config/settings';
import { cosSdk } from './cos';
import { ScfError } from './errors';

export interface ListedObject {
  key: string;
  /** Epoch ms, the server's clock. */
  lastModified: number;
}

/** What the deploy lock needs of a bucket (an interface: tested with a fake, run against COS or the emulator). */
export interface ObjectStore {
  /** Where it is, for messages: `bucket/prefix`. */
  readonly where: string;
  /** The objects whose keys start with `prefix`, in key order, and the server's time of the answer (epoch ms). */
  list(prefix: string): Promise<{ objects: ListedObject[]; serverTime: number }>;
  /** Writes the object only when the key is free: 'exists' when another has it. */
  create(key: string, body: string): Promise<'created' | 'exists'>;
  put(key: string, body: string): Promise<void>;
  /** The object's text, undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  remove(key: string): Promise<void>;
  /** The bucket's versioning: 'Enabled' or 'Suspended' (forbid-overwrite no longer holds), 'off', or 'unknown' (not allowed to ask). */
  versioning(): Promise<'Enabled' | 'Suspended' | 'off' | 'unknown'>;
}

interface SdkError {
  code?: string;
  statusCode?: number;
  message?: string;
  error?: { Code?: string; Message?: string } | string;
}

/** Codes a PUT with x-cos-forbid-overwrite meets when the key is taken (COS's, and the S3-compatible spellings). */
const TAKEN = new Set(['FileAlreadyExists', 'ObjectAlreadyExists', 'PreconditionFailed']);

export class CosObjects implements ObjectStore {
  readonly where: string;

  constructor(
    private readonly bucket: string,
    private readonly region: string,
    private readonly credentials: () => Promise<Credentials>,
    private readonly endpoint?: Endpoint,
  ) {
    this.where = `COS bucket ${bucket}`;
  }

  async list(prefix: string): Promise<{ objects: ListedObject[]; serverTime: number }> {
    const objects: ListedObject[] = [];
    let marker = '';
    let serverTime = Date.now();
    for (let page = 0; page < 100; page++) {
      const data: any = await this.call('GetBucket', (cos, done) => cos.getBucket({ Bucket: this.bucket, Region: this.region, Prefix: prefix, Marker: marker || undefined, MaxKeys: 1000 }, done));
      serverTime = dateOf(data?.headers) ?? serverTime;
      for (const entry of data?.Contents ?? []) {
        const key = String(entry?.Key ?? '');
        const lastModified = Date.parse(String(entry?.LastModified ?? ''));
        if (key.startsWith(prefix) && Number.isFinite(lastModified)) objects.push({ key, lastModified });
      }
      if (String(data?.IsTruncated) !== 'true') break;
      marker = String(data?.NextMarker || objects[objects.length - 1]?.key || '');
      if (!marker) break;
    }
    objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { objects, serverTime };
  }

  async create(key: string, body: string): Promise<'created' | 'exists'> {
    try {
      await this.call('PutObject', (cos, done) =>
        cos.putObject({ Bucket: this.bucket, Region: this.region, Key: key, Body: Buffer.from(body), ContentType: 'application/json', Headers: { 'x-cos-forbid-overwrite': 'true' } } as any, done),
      );
      return 'created';
    } catch (error) {
      if (error instanceof ScfError && (TAKEN.has(error.code.replace(/^Cos\./, '')) || error.context.httpStatus === 409)) return 'exists';
      throw error;
    }
  }

  async put(key: string, body: string): Promise<void> {
    await this.call('PutObject', (cos, done) => cos.putObject({ Bucket: this.bucket, Region: this.region, Key: key, Body: Buffer.from(body), ContentType: 'application/json' }, done));
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const data: any = await this.call('GetObject', (cos, done) => cos.getObject({ Bucket: this.bucket, Region: this.region, Key: key }, done));
      return Buffer.isBuffer(data?.Body) ? data.Body.toString('utf8') : String(data?.Body ?? '');
    } catch (error) {
      if (error instanceof ScfError && (error.code === 'Cos.NoSuchKey' || error.context.httpStatus === 404)) return undefined;
      throw error;
    }
  }

  async remove(key: string): Promise<void> {
    await this.call('DeleteObject', (cos, done) => cos.deleteObject({ Bucket: this.bucket, Region: this.region, Key: key }, done));
  }

  async versioning(): Promise<'Enabled' | 'Suspended' | 'off' | 'unknown'> {
    try {
      const data: any = await this.call('GetBucketVersioning', (cos, done) => cos.getBucketVersioning({ Bucket: this.bucket, Region: this.region }, done));
      const status = data?.VersioningConfiguration?.Status;
      return status === 'Enabled' || status === 'Suspended' ? status : 'off';
    } catch (error) {
      if (error instanceof ScfError && (error.context.httpStatus === 403 || error.code === 'Cos.AccessDenied')) return 'unknown';
      throw error;
    }
  }

  /** One SDK call, its failure turned into the one error type (code `Cos.<COS code>`, the HTTP status kept). */
  private async call(action: string, run: (cos: import('cos-nodejs-sdk-v5'), done: (error: unknown, data?: unknown) => void) => void): Promise<unknown> {
    const cos = cosSdk(await this.credentials(), this.endpoint, { timeoutMs: 15_000 });
    return new Promise((resolve, reject) => {
      run(cos, (error, data) => {
        if (!error) return resolve(data);
        const e = error as SdkError;
        const detail = typeof e.error === 'object' ? e.error : undefined;
        const code = detail?.Code ?? e.code ?? 'RequestFailed';
        const message = detail?.Message ?? e.message ?? '';
        reject(
          new ScfError(`Cos.${code}`, `${action} on COS bucket ${this.bucket} failed: ${code}${e.statusCode ? ` (HTTP ${e.statusCode})` : ''} ${message}`.trim(), {
            action,
            service: 'cos',
            cause: error,
            httpStatus: e.statusCode,
          }),
        );
      });
    });
  }
}

function dateOf(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.date ?? headers?.Date;
  const ms = value ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}

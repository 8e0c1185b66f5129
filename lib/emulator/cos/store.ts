// The emulated account's COS buckets and objects: enough of COS for the large-package path (upload a zip,
// name it in CreateFunction or UpdateFunctionCode). Object bodies live in files under the state directory,
// named by a hash of bucket and key (never by the key itself); their metadata lives in Maps.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { StateDir } from '../store/state-dir';
import { writeFileAtomic } from '../store/state-dir';

export interface CosObjectMeta {
  key: string;
  size: number;
  /** Hex MD5 of the body, as COS reports a single-part upload's ETag (without the quotes). */
  md5: string;
  contentType: string;
  lastModified: number;
}

export interface BucketRecord {
  /** The full name, `<name>-<appid>`. */
  name: string;
  /** The region it was created in, when the request said (a virtual-host address does). */
  region: string;
  addTime: number;
  objects: Map<string, CosObjectMeta>;
  /** Set once versioning was ever turned on (it can be suspended, never turned off): x-cos-forbid-overwrite no longer holds. */
  versioning?: 'Enabled' | 'Suspended';
}

export interface BucketJson {
  name: string;
  region: string;
  addTime: number;
  objects: CosObjectMeta[];
  versioning?: 'Enabled' | 'Suspended';
}

/** `<name>-<appid>`: lower-case letters, digits and `-`, not starting or ending with `-`, 60 characters at most. */
export function parseBucketName(full: string): { short: string; appId: string } | undefined {
  const match = /^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)-(\d+)$/.exec(full);
  if (!match || full.length > 60) return undefined;
  return { short: match[1], appId: match[2] };
}

/** Object keys are stored without the leading `/` a path (or SCF's CosObjectName) gives them. */
export function normaliseKey(key: string): string {
  return key.replace(/^\/+/, '');
}

export class CosStore {
  readonly buckets = new Map<string, BucketRecord>();

  constructor(
    private readonly state: StateDir,
    readonly appId: string,
    private readonly changed: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  private bodyFile(bucket: string, key: string): string {
    const name = createHash('sha256').update(`${bucket}\n${key}`).digest('hex');
    return path.join(this.state.sub('cos'), name);
  }

  createBucket(name: string, region: string): BucketRecord {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const record = { name, region, addTime: this.now(), objects: new Map<string, CosObjectMeta>() };
    this.buckets.set(name, record);
    this.changed();
    return record;
  }

  /** The bucket SCF's `CosBucketName` (the name without `-<appid>`) stands for. */
  byShortName(short: string): BucketRecord | undefined {
    return this.buckets.get(`${short}-${this.appId}`);
  }

  put(bucket: BucketRecord, key: string, body: Buffer, contentType: string): CosObjectMeta {
    const objectKey = normaliseKey(key);
    writeFileAtomic(this.bodyFile(bucket.name, objectKey), body);
    const meta = { key: objectKey, size: body.length, md5: createHash('md5').update(body).digest('hex'), contentType, lastModified: this.now() };
    bucket.objects.set(objectKey, meta);
    this.changed();
    return meta;
  }

  get(bucket: BucketRecord, key: string): { meta: CosObjectMeta; body: Buffer } | undefined {
    const objectKey = normaliseKey(key);
    const meta = bucket.objects.get(objectKey);
    if (!meta) return undefined;
    try {
      return { meta, body: fs.readFileSync(this.bodyFile(bucket.name, objectKey)) };
    } catch {
      return undefined;
    }
  }

  delete(bucket: BucketRecord, key: string): void {
    const objectKey = normaliseKey(key);
    if (!bucket.objects.delete(objectKey)) return;
    fs.rmSync(this.bodyFile(bucket.name, objectKey), { force: true });
    this.changed();
  }

  /** A bucket's settings changed (its versioning): kept with the account. */
  updated(): void {
    this.changed();
  }

  snapshot(): BucketJson[] {
    return [...this.buckets.values()].map((b) => ({ name: b.name, region: b.region, addTime: b.addTime, objects: [...b.objects.values()], ...(b.versioning ? { versioning: b.versioning } : {}) }));
  }

  restore(buckets: BucketJson[]): void {
    for (const b of buckets) {
      this.buckets.set(b.name, { name: b.name, region: b.region, addTime: b.addTime, objects: new Map(b.objects.map((o) => [o.key, { ...o }])), ...(b.versioning ? { versioning: b.versioning } : {}) });
    }
  }
}

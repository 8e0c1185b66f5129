// The parts of COS a deploy lock needs beyond PUT and GET of objects: GET Bucket (the objects under a prefix, in
// key order, as ListBucketResult XML), GET and PUT Bucket versioning, and the refusal of a PUT Object that
// carries `x-cos-forbid-overwrite: true` onto an existing key (409 FileAlreadyExists) in a bucket that never had
// versioning (where COS ignores the header).
import type { BucketRecord } from './store';

/** The most keys one GET Bucket lists (COS's max-keys ceiling). */
export const MAX_KEYS = 1000;

export class BucketApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const xmlText = (text: string) => text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The sub-resources and parameters of bucket requests this emulator serves. */
export const LIST_PARAMETERS = new Set(['prefix', 'marker', 'max-keys', 'delimiter', 'encoding-type']);

/** ListBucketResult of the objects whose keys start with `prefix`, after `marker`, at most `max-keys`. */
export function listObjects(bucket: BucketRecord, params: URLSearchParams, appId: string): string {
  if (params.get('delimiter')) throw new BucketApiError(501, 'NotImplemented', 'This emulator lists without a delimiter only.');
  const prefix = params.get('prefix') ?? '';
  const marker = params.get('marker') ?? '';
  const rawMax = params.get('max-keys');
  const max = rawMax === null ? MAX_KEYS : Number(rawMax);
  if (!Number.isInteger(max) || max < 0 || max > MAX_KEYS) throw new BucketApiError(400, 'InvalidArgument', `max-keys must be a whole number from 0 to ${MAX_KEYS}.`);
  const urlEncoded = params.get('encoding-type') === 'url';
  const keys = [...bucket.objects.keys()].filter((key) => key.startsWith(prefix) && key > marker).sort();
  const shown = keys.slice(0, max);
  const truncated = keys.length > shown.length;
  const name = (key: string) => xmlText(urlEncoded ? encodeURIComponent(key) : key);
  const contents = shown.map((key) => {
    const meta = bucket.objects.get(key)!;
    return (
      `<Contents><Key>${name(key)}</Key><LastModified>${new Date(meta.lastModified).toISOString()}</LastModified><ETag>"${meta.md5}"</ETag>` +
      `<Size>${meta.size}</Size><Owner><ID>${appId}</ID><DisplayName>${appId}</DisplayName></Owner><StorageClass>STANDARD</StorageClass></Contents>`
    );
  });
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${xmlText(bucket.name)}</Name>${urlEncoded ? '<EncodingType>url</EncodingType>' : ''}` +
    `<Prefix>${name(prefix)}</Prefix><Marker>${name(marker)}</Marker><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>` +
    `${truncated ? `<NextMarker>${name(shown[shown.length - 1])}</NextMarker>` : ''}${contents.join('')}</ListBucketResult>`
  );
}

export function versioningXml(bucket: BucketRecord): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration>${bucket.versioning ? `<Status>${bucket.versioning}</Status>` : ''}</VersioningConfiguration>`;
}

/** PUT Bucket versioning: Enabled or Suspended (once on, versioning is never off again). */
export function putVersioning(bucket: BucketRecord, body: Buffer): void {
  const status = /<Status>\s*(Enabled|Suspended)\s*<\/Status>/.exec(body.toString('utf8'))?.[1];
  if (!status) throw new BucketApiError(400, 'MalformedXML', 'The XML must be <VersioningConfiguration><Status>Enabled or Suspended</Status></VersioningConfiguration>.');
  if (status === 'Suspended' && !bucket.versioning) return;
  bucket.versioning = status as 'Enabled' | 'Suspended';
}

/** The refusal a PUT Object meets when it must not overwrite, and the key exists in a bucket that never had versioning. */
export function refusesOverwrite(bucket: BucketRecord, key: string, forbidOverwrite: string | string[] | undefined): BucketApiError | undefined {
  if (String(forbidOverwrite ?? '').toLowerCase() !== 'true') return undefined;
  if (bucket.versioning || !bucket.objects.has(key)) return undefined;
  return new BucketApiError(409, 'FileAlreadyExists', 'The object already exists and x-cos-forbid-overwrite is true.');
}

// Packages too large to send inline go through a COS bucket, uploaded with the vendor's own COS SDK
// (cos-nodejs-sdk-v5), loaded only when a deploy needs it. Against a loopback endpoint (the emulator) the SDK is
// pointed at it path-style, so the request carries a loopback Host.
import * as fs from 'fs';
import type { Credentials } from '../config/credentials';
import { type Endpoint, isLoopback } from '../config/settings';
import { ScfError } from './errors';

export interface CosObject {
  /** The full bucket name, `<name>-<appid>`. */
  bucket: string;
  region: string;
  /** The object key, without a leading `/`. */
  key: string;
}

/** `<name>-<appid>` → the short name SCF's CosBucketName wants. */
export function shortBucketName(bucket: string): string {
  return bucket.replace(/-\d+$/, '');
}

/** The vendor's COS SDK, signing with `credentials`, pointed at `endpoint` (path-style when it is a loopback one). */
export function cosSdk(credentials: Credentials, endpoint?: Endpoint, options: { timeoutMs?: number } = {}): import('cos-nodejs-sdk-v5') {
  const COS = require('cos-nodejs-sdk-v5') as typeof import('cos-nodejs-sdk-v5');
  const local = endpoint && isLoopback(endpoint.hostname);
  return new COS({
    SecretId: credentials.secretId,
    SecretKey: credentials.secretKey,
    SecurityToken: credentials.token,
    ...(options.timeoutMs ? { Timeout: options.timeoutMs } : {}),
    ...(endpoint ? { Protocol: endpoint.protocol, Domain: local ? `${endpoint.host}/{Bucket}` : endpoint.host } : {}),
  });
}

/** `onProgress` is told the bytes sent so far and the total, about once a second (the SDK's own pace). */
export async function uploadToCos(object: CosObject, file: string, credentials: Credentials, endpoint?: Endpoint, onProgress?: (loaded: number, total: number) => void): Promise<void> {
  const cos = cosSdk(credentials, endpoint);
  const size = fs.statSync(file).size;
  await new Promise<void>((resolve, reject) => {
    const progress = onProgress ? { onProgress: (info: { loaded: number; total: number }) => onProgress(Number(info.loaded) || 0, Number(info.total) || size) } : {};
    cos.putObject({ Bucket: object.bucket, Region: object.region, Key: object.key, Body: fs.createReadStream(file), ContentLength: size, ...progress }, (error) => {
      if (!error) return resolve();
      const e = error as { code?: string; message?: string; statusCode?: number };
      reject(
        new ScfError(
          `Cos.${e.code ?? 'UploadFailed'}`,
          `Uploading the package to COS bucket ${object.bucket} (${object.region}) failed: ${e.code ?? ''}${e.statusCode ? ` (HTTP ${e.statusCode})` : ''} ${e.message ?? ''}`.trim(),
          { action: 'PutObject', cause: error },
        ),
      );
    });
  });
}

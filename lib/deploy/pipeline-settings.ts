// The settings of custom.scf.deploy that are about pipelines rather than functions: the deploy lock (lock,
// lockBucket, lockTimeout, lockExpiry) and the results written as data (report, junit). Checked with the rest of
// serverless.yml, before anything is packaged or sent: one line per mistake.
import { Problems, show } from './problems';

export const PIPELINE_DEPLOY_KEYS = ['lock', 'lockBucket', 'lockTimeout', 'lockExpiry', 'report', 'junit'] as const;

export interface PipelineSettings {
  /** Take the stage's lock (default true). */
  lock: boolean;
  /** The bucket the lock lives in: lockBucket, else provider.deploymentBucket; undefined: no lock can be taken. */
  lockBucket?: string;
  /** Which setting named the bucket, for messages. */
  lockBucketSetting?: string;
  /** Seconds a run waits for a held lock before it fails. */
  lockTimeout: number;
  /** Seconds a lock outlives its holder's last sign of life. */
  lockExpiry: number;
  /** Files the deploy's results go to (relative to the service directory). */
  report?: string;
  junit?: string;
}

export const DEFAULT_LOCK_TIMEOUT = 600;
export const DEFAULT_LOCK_EXPIRY = 120;
/** A heartbeat every third of the expiry: shorter than this and a busy machine misses them. */
export const MIN_LOCK_EXPIRY = 5;

const BUCKET = /^[a-z0-9][a-z0-9-]*-\d+$/;

export function pipelineSettings(deploy: unknown, deploymentBucket: unknown): PipelineSettings {
  const where = 'custom.scf.deploy';
  const value = (deploy && typeof deploy === 'object' && !Array.isArray(deploy) ? deploy : {}) as Record<string, unknown>;
  const problems = new Problems();
  const settings: PipelineSettings = { lock: true, lockTimeout: DEFAULT_LOCK_TIMEOUT, lockExpiry: DEFAULT_LOCK_EXPIRY };
  if (value.lock !== undefined) {
    if (typeof value.lock !== 'boolean') problems.add(`${where}.lock`, `must be true or false, not ${show(value.lock)}`);
    else settings.lock = value.lock;
  }
  const seconds = (key: 'lockTimeout' | 'lockExpiry', min: number) => {
    if (value[key] === undefined) return;
    const n = Number(value[key]);
    if (typeof value[key] === 'boolean' || !Number.isInteger(n) || n < min || n > 86400) problems.add(`${where}.${key}`, `must be a whole number of seconds from ${min} to 86400, not ${show(value[key])}`);
    else settings[key] = n;
  };
  seconds('lockTimeout', 0);
  seconds('lockExpiry', MIN_LOCK_EXPIRY);
  if (value.lockBucket !== undefined) {
    if (typeof value.lockBucket !== 'string' || !BUCKET.test(value.lockBucket)) problems.add(`${where}.lockBucket`, `must be a COS bucket's full name, <name>-<appid>, not ${show(value.lockBucket)}`);
    else [settings.lockBucket, settings.lockBucketSetting] = [value.lockBucket, `${where}.lockBucket`];
  } else if (typeof deploymentBucket === 'string' && BUCKET.test(deploymentBucket)) {
    [settings.lockBucket, settings.lockBucketSetting] = [deploymentBucket, 'provider.deploymentBucket'];
  }
  for (const key of ['report', 'junit'] as const) {
    if (value[key] === undefined) continue;
    if (typeof value[key] !== 'string' || !(value[key] as string).trim()) problems.add(`${where}.${key}`, `must be a file name, not ${show(value[key])}`);
    else settings[key] = (value[key] as string).trim();
  }
  problems.throwIfAny();
  return settings;
}

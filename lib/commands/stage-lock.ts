// The deploy lock around the commands that change a stage (deploy, deploy function, rollback, remove): taken
// before anything is read, let go at the end, on failure and on Ctrl-C. A held lock is waited for with a line
// saying who holds it; `--force-unlock` takes it over, saying whose it was. The lock itself: lib/deploy/lock.ts.
import { randomBytes } from 'crypto';
import * as os from 'os';
import { plainText, ScfError } from '../cloud/errors';
import { CosObjects } from '../cloud/cos-objects';
import { systemClock } from '../cloud/limiter';
import type { TencentProvider } from '../provider';
import { actor, ciRun } from '../deploy/ci';
import { type Acquired, describeHolder, type Holder, type LockState, LockTimeout, StageLock } from '../deploy/lock';
import { pipelineSettings } from '../deploy/pipeline-settings';
import { formatLocal } from '../time/parse';
import { beforeInterruptedExit, exitOnLoneInterrupt } from './interrupt';
import { serviceCommit } from './release';

/** What the report tells of the lock. */
export interface LockRecord {
  bucket: string;
  key: string;
  waitedMs: number;
  /** When this run took it (ISO 8601, this machine's clock). */
  takenAt: string;
  /** The run whose lock this one took over (expired, or with --force-unlock). */
  tookOverFrom?: { holder: string; reason: 'expired' | 'force-unlock' };
}

export interface StageLockHandle {
  record: LockRecord;
  /** Lets go (once); a failure to is a warning: the lock then expires by itself. */
  release(): Promise<void>;
  /** Set when another run took the lock over while this one held it. */
  lostTo(): string | undefined;
}

/** The lock's objects: one prefix per service and stage in the bucket. */
export function lockPrefix(service: string, stage: string): string {
  return `sls-tencent-scf/${service}/${stage}/deploy-lock`;
}

export async function lockStage(provider: TencentProvider, command: string, options: { force?: boolean }): Promise<StageLockHandle | undefined> {
  const { log } = provider.io;
  const service = String(provider.serverless.service.service);
  const stage = provider.getStage();
  const region = provider.getRegion();
  const settings = pipelineSettings(provider.serverless.service.custom?.scf?.deploy, provider.providerConfig.deploymentBucket);
  const what = `${service} (stage ${stage})`;
  if (!settings.lock) {
    if (options.force) log.warning('--force-unlock: custom.scf.deploy.lock is false, there is no lock to take over.');
    log.verbose(`No deploy lock: custom.scf.deploy.lock is false.`);
    return undefined;
  }
  if (!settings.lockBucket) {
    log.warning(
      `No deploy lock for ${what}: the lock lives in a COS bucket, and neither provider.deploymentBucket nor custom.scf.deploy.lockBucket names one, so two deploys of this stage can run at once. Name a bucket (<name>-<appid>), or set custom.scf.deploy.lock: false to say you do not want one.`,
    );
    return undefined;
  }
  const clients = provider.clients();
  const store = new CosObjects(settings.lockBucket, region, () => clients.transport.credentials(), clients.cosEndpoint);
  const prefix = lockPrefix(service, stage);
  const holder: Holder = {
    id: randomBytes(12).toString('hex'),
    command,
    by: actor(provider.env, () => safely(() => os.userInfo().username) ?? 'someone'),
    host: os.hostname(),
    pid: process.pid,
    commit: serviceCommit(provider.serviceDir, provider.env as NodeJS.ProcessEnv),
    ci: ciRun(provider.env),
    startedAt: new Date().toISOString(),
    expirySeconds: settings.lockExpiry,
  };
  const where = `${store.where} (${settings.lockBucketSetting})`;
  const failure = (error: unknown): never => {
    if (!(error instanceof ScfError)) throw error;
    throw new ScfError(error.code, `The deploy lock of ${what} could not be taken in ${where}: ${error.message} Nothing was changed. (custom.scf.deploy.lock: false deploys without a lock.)`, error.context);
  };

  const versioning = await store.versioning().catch(failure);
  if (versioning === 'Enabled' || versioning === 'Suspended') {
    log.warning(
      `COS bucket ${settings.lockBucket} has (or had) versioning, and COS does not honour x-cos-forbid-overwrite there: two runs starting within moments of each other could both take the deploy lock. Keep the lock in a bucket that never had versioning (custom.scf.deploy.lockBucket).`,
    );
  } else if (versioning === 'unknown') log.verbose(`Could not read the versioning of COS bucket ${settings.lockBucket} (not allowed): the deploy lock assumes it has none.`);

  const described = (state: LockState) => plainText(describeHolder(state.holder, formatLocal, state.serverTime));
  let progress: ReturnType<typeof provider.io.progress.create> | undefined;
  let waited = false;
  let acquired: Acquired;
  try {
    acquired = await new StageLock(store, prefix, holder, systemClock).acquire({
      force: options.force,
      timeoutSeconds: settings.lockTimeout,
      onWait: (state) => {
        waited = true;
        // lockTimeout 0: the acquire gives up at once, and its error says so; there is no wait to announce.
        if (!settings.lockTimeout) return;
        log.notice(`The deploy lock of ${what} is held by ${described(state)}: waiting up to ${settings.lockTimeout} s for it (custom.scf.deploy.lockTimeout).`);
        progress ??= provider.io.progress.create({ message: `Waiting for the deploy lock of ${what}` });
      },
      onStillWaiting: (state, waitedMs) => progress?.update(`Waiting for the deploy lock of ${what} (${Math.round(waitedMs / 1000)} s): held by ${described(state)}`),
    });
  } catch (error) {
    if (error instanceof LockTimeout) {
      const expiry = error.state.holder?.expirySeconds || settings.lockExpiry;
      const held = settings.lockTimeout
        ? `still held by ${described(error.state)} after ${settings.lockTimeout} s of waiting (custom.scf.deploy.lockTimeout)`
        : `held by ${described(error.state)}, and custom.scf.deploy.lockTimeout is 0 (no waiting)`;
      throw new ScfError(
        'Plugin.LockTimeout',
        `The deploy lock of ${what} is ${held}. Nothing was changed. If that run is gone, its lock expires ${expiry} s after its last sign of life; sls ${command.replace(/^sls /, '')} --force-unlock takes it over now.`,
      );
    }
    return failure(error);
  } finally {
    progress?.remove();
  }

  const { lock, previous } = acquired;
  const record: LockRecord = { bucket: settings.lockBucket, key: lock.key, waitedMs: acquired.waitedMs, takenAt: new Date().toISOString() };
  if (options.force) {
    if (previous.status === 'free') log.notice(`--force-unlock: the deploy lock of ${what} was not held${previous.holder ? ` (last taken by ${described(previous)})` : ''}; this run holds it now.`);
    else {
      log.notice(`--force-unlock: took over the deploy lock of ${what} from ${described(previous)}.`);
      record.tookOverFrom = { holder: described(previous), reason: 'force-unlock' };
    }
  } else if (previous.status === 'expired') {
    const silent = Math.round((previous.serverTime - previous.lastAlive) / 1000);
    log.notice(`The deploy lock of ${what} was left by ${described(previous)}, silent for ${silent} s (its lock expires after ${previous.holder?.expirySeconds || settings.lockExpiry} s): taken over.`);
    record.tookOverFrom = { holder: described(previous), reason: 'expired' };
  } else if (waited) log.notice(`Took the deploy lock of ${what} after waiting ${Math.round(acquired.waitedMs / 1000)} s.`);
  log.verbose(`Deploy lock of ${what}: ${store.where}/${lock.key}`);

  let lost: string | undefined;
  lock.startHeartbeat(
    (state) => {
      lost = described(state);
      log.error(`The deploy lock of ${what} was taken over by ${lost} while this run held it: that run may be changing the stage now.`);
    },
    (error) => log.verbose(`The deploy lock's heartbeat failed (the next one tries again): ${(error as Error).message}`),
  );
  const release = async () => {
    unregister();
    stopListening();
    try {
      await lock.release();
    } catch (error) {
      log.warning(`The deploy lock of ${what} could not be let go (${(error as Error).message}): it expires by itself ${settings.lockExpiry} s from now.`);
    }
  };
  const unregister = beforeInterruptedExit(release);
  const stopListening = exitOnLoneInterrupt();
  return { record, release, lostTo: () => lost };
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

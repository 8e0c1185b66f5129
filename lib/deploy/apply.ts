// Carries out a function's plan through the SCF and Tag facades, waiting after every mutating call until the
// function is Active again (SCF refuses the next change otherwise). A step that fails ends the deploy with the
// function, the step, the API's error code and its request id; what was done stays done, and the next deploy
// plans from what it finds.
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import { TagClient } from '../cloud/tag';
import type { FunctionCode, FunctionInfo } from '../cloud/types';
import type { PollPool } from '../poll/pool';
import type { StatusBoard } from '../poll/status-board';
import type { FunctionPlan, PlanStep, RemovalStep } from './plan';
import { aliasDescription, parseAliasDescription, promote } from './strategy';
import { waitUntilActive, waitUntilCreated, waitUntilGone, type WaitOptions } from './wait';
import { runSettingsStep, settingsStepName } from './apply-settings';

export interface ApplyContext {
  scf: ScfClient;
  tag: Pick<TagClient, 'modifyResourceTags'>;
  region: string;
  clock: Clock;
  /** Seconds a function may take to become Active after a step (custom.scf.deploy.timeout). */
  timeoutMs: number;
  /**
   * Sends a function's code (inline or COS, by its serverless.yml key) with `send`: the deploy holds the package
   * in memory only meanwhile, and only so many bytes of packages at once.
   */
  withCode<T>(key: string, send: (code: FunctionCode) => Promise<T>): Promise<T>;
  /** The pool status waits share GetFunction's rate through (lib/poll/pool.ts); each its own when unset. */
  statusPool?: PollPool;
  /** Where creations and deletions are seen a namespace listing at a time (lib/poll/status-board.ts); GetFunction when unset. */
  statusBoard?: StatusBoard;
  /** The tags that record what a function's package holds (CODE_TAG), written with its code; none when unknown. */
  codeRecord?(key: string): Record<string, string>;
  /** What is going on now, for the function's progress line. */
  onProgress?(key: string, text: string): void;
  /** The description of the versions this deploy publishes (its deployment and commit). */
  versionDescription?: string;
  /** This deploy's id: an alias publishing moves names it in its description. */
  deployment?: string;
}

type Target = { functionName: string; namespace: string };

/** Codes that say a change was refused for the function's status, whatever the status. */
const STATUS_REFUSED = new Set(['UnauthorizedOperation.FunctionStatus', 'FailedOperation.FunctionStatusError']);
/** Codes that say so when the function is found busy (the API uses them for other refusals too). */
const REFUSED_WHEN_BUSY = /^FailedOperation\.(UpdateFunctionCode|UpdateFunctionConfiguration|PublishVersion|CreateTrigger|UpdateTrigger|DeleteTrigger|OperationConflict)$/;
/** A step refused for the function's status is tried this many times in all, waiting for Active in between. */
const STATUS_ATTEMPTS = 3;

function describe(step: PlanStep): string {
  switch (step.action) {
    case 'create':
      return 'CreateFunction';
    case 'recreate':
      return 'DeleteFunction, then CreateFunction (it was CreateFailed)';
    case 'wait':
      return `waiting for it to be ${step.until === 'gone' ? 'deleted' : 'Active'} (found ${step.status})`;
    case 'updateCode':
      return 'UpdateFunctionCode';
    case 'updateConfiguration':
      return 'UpdateFunctionConfiguration';
    case 'updateTags':
      return 'ModifyResourceTags';
    case 'publish':
      if (step.version) return `alias ${step.alias} to version ${step.version}`;
      return step.alias && !step.release ? `PublishVersion and alias ${step.alias}` : 'PublishVersion';
    case 'pin':
      return `PublishVersion of $LATEST as it is, and alias ${step.alias} on it`;
    case 'createTrigger':
      return `CreateTrigger ${step.trigger.type} ${step.trigger.name}`;
    case 'updateTrigger':
      return `UpdateTrigger ${step.trigger.type} ${step.trigger.name}`;
    case 'deleteTrigger':
      return `DeleteTrigger ${step.trigger.type} ${step.trigger.name}`;
    default:
      return settingsStepName(step);
  }
}

/**
 * The error that ends a deploy or remove: what was being done to which function (`Deploying api (shop-dev-api)`,
 * `Removing shop-dev-old`), which step, and the API's own code and request id.
 */
export function stepError(doing: string, target: Target, step: string, error: unknown): ScfError {
  if (!(error instanceof ScfError)) return error as ScfError;
  const requestId = error.requestId ? ` (${error.action ?? 'request'} RequestId ${error.requestId})` : '';
  const code = error.code.startsWith('Plugin.') || error.code.startsWith('Transport.') ? '' : ` [${error.code}]`;
  const message = error.message.replace(/ \([A-Za-z]+ RequestId [^)]+\)$/, '');
  return new ScfError(error.code, `${doing} failed at ${step}${code}: ${message}${requestId}`, { ...error.context, functionName: target.functionName, namespace: target.namespace });
}

export class PlanRunner {
  /** The version each function's publish step made, by serverless.yml key. */
  readonly published = new Map<string, string>();
  /** The version each function's pin step put its alias on. */
  readonly pinned = new Map<string, string>();

  constructor(private readonly ctx: ApplyContext) {}

  private waitOptions(key: string, extra: Partial<WaitOptions> = {}): WaitOptions {
    return { timeoutMs: this.ctx.timeoutMs, clock: this.ctx.clock, pool: this.ctx.statusPool, board: this.ctx.statusBoard, onStatus: (status) => this.ctx.onProgress?.(key, status), ...extra };
  }

  private active(key: string, target: Target, step: string, qualifier?: string): Promise<FunctionInfo> {
    return waitUntilActive(this.ctx.scf, target, step, this.waitOptions(key, { qualifier }));
  }

  /**
   * Runs every step of a function's plan, in order. A step refused because the function was not Active (someone
   * else changed it after the deploy read it) is sent again once it is: a refusal is not a change.
   */
  async run(plan: FunctionPlan): Promise<void> {
    const target = { functionName: plan.functionName, namespace: plan.namespace };
    for (const step of plan.steps) {
      const what = describe(step);
      for (let attempt = 1; ; attempt++) {
        this.ctx.onProgress?.(plan.key, what);
        try {
          await this.step(plan.key, target, step);
          break;
        } catch (error) {
          if (attempt < STATUS_ATTEMPTS && (await this.waitedAfterStatusRefusal(plan.key, target, what, error))) continue;
          throw stepError(`Deploying ${plan.key} (${target.functionName})`, target, what, error);
        }
      }
    }
  }

  /** When `error` refused a change for the function's status: waits until it is Active again, and says true. */
  private async waitedAfterStatusRefusal(key: string, target: Target, step: string, error: unknown): Promise<boolean> {
    if (!(error instanceof ScfError) || !(STATUS_REFUSED.has(error.code) || REFUSED_WHEN_BUSY.test(error.code))) return false;
    const info = await this.ctx.scf.getFunction(target);
    if (!info) return false;
    if (info.status === 'Active') return STATUS_REFUSED.has(error.code);
    this.ctx.onProgress?.(key, `${step} refused: found ${info.status} (changed meanwhile), waiting for it to be Active`);
    await this.active(key, target, `a change made by someone else during this deploy`);
    return true;
  }

  private async step(key: string, target: Target, step: PlanStep): Promise<void> {
    const { scf } = this.ctx;
    switch (step.action) {
      case 'wait':
        if (step.until === 'gone') await waitUntilGone(scf, target, this.waitOptions(key));
        else await this.active(key, target, 'a change made before this deploy');
        return;
      case 'recreate':
        await this.delete(key, target);
        await this.ctx.withCode(key, (code) => scf.createFunction(target, step.configuration, code, { ...step.tags, ...this.ctx.codeRecord?.(key) }));
        await this.active(key, target, 'CreateFunction');
        return;
      case 'create':
        await this.ctx.withCode(key, (code) => scf.createFunction(target, step.configuration, code, { ...step.tags, ...this.ctx.codeRecord?.(key) }));
        await waitUntilCreated(scf, target, this.waitOptions(key));
        return;
      case 'updateCode': {
        await this.ctx.withCode(key, (code) => scf.updateFunctionCode(target, step.handler, code, step.installDependency));
        const info = await this.active(key, target, 'UpdateFunctionCode');
        // Only now that the code is in: a record never names code that is not deployed.
        const record = this.ctx.codeRecord?.(key) ?? {};
        if (Object.keys(record).length && Object.entries(record).some(([k, v]) => info.tags[k] !== v)) {
          await this.ctx.tag.modifyResourceTags(TagClient.functionResource(this.ctx.region, target.namespace, target.functionName), record, [], target);
        }
        return;
      }
      case 'updateConfiguration':
        await scf.updateFunctionConfiguration(target, step.configuration, { environment: step.clearEnvironment, layers: step.clearLayers, vpcConfig: step.clearVpcConfig });
        await this.active(key, target, 'UpdateFunctionConfiguration');
        return;
      case 'updateTags':
        await this.ctx.tag.modifyResourceTags(TagClient.functionResource(this.ctx.region, target.namespace, target.functionName), step.replace, step.remove, target);
        return;
      case 'pin': {
        const version = await scf.publishVersion(target, 'Published by sls deploy before a release changed LATEST.');
        await this.active(key, target, `PublishVersion ${version}`, version);
        const alias = await scf.getAlias(target, step.alias);
        await scf.updateAlias(target, step.alias, version, alias?.description ?? '');
        this.pinned.set(key, version);
        return;
      }
      case 'publish': {
        // A version found already holding what is wanted is only waited for (it may still be Publishing).
        const version = step.version ?? (await scf.publishVersion(target, this.ctx.versionDescription ?? 'published by sls deploy'));
        if (!step.version) step.publishedVersion = version;
        await this.active(key, target, step.version ? `version ${version}` : `PublishVersion ${version}`, version);
        this.published.set(key, version);
        if (step.release) return;
        if (step.alias) {
          const alias = await scf.getAlias(target, step.alias);
          const description = this.ctx.deployment ? aliasDescription(promote(parseAliasDescription(alias?.description ?? ''), this.ctx.deployment)) : (alias?.description ?? 'managed by sls deploy');
          if (alias) await scf.updateAlias(target, step.alias, version, description);
          else await scf.createAlias(target, step.alias, version, description);
        }
        return;
      }
      case 'createTrigger':
        await scf.createTrigger(target, step.trigger);
        return;
      case 'updateTrigger':
        await scf.updateTrigger(target, step.trigger);
        return;
      case 'deleteTrigger':
        await scf.deleteTrigger(target, step.trigger);
        return;
      default:
        await runSettingsStep(scf, target, step, { version: this.published.get(key), clock: this.ctx.clock, timeoutMs: this.ctx.timeoutMs, onProgress: (text) => this.ctx.onProgress?.(key, text) });
    }
  }

  /** DeleteFunction (not found counts as deleted), then wait until it is gone. */
  async delete(key: string, target: Target): Promise<void> {
    try {
      await this.ctx.scf.deleteFunction(target);
    } catch (error) {
      if (!(error instanceof ScfError && (error.code === 'ResourceNotFound.Function' || error.code === 'ResourceNotFound.FunctionName'))) throw error;
      return;
    }
    await waitUntilGone(this.ctx.scf, target, this.waitOptions(key));
  }

  /** A function to remove: wait if it is busy, then delete it; one already being deleted is only waited for. */
  async remove(removal: RemovalStep): Promise<void> {
    const target = { functionName: removal.functionName, namespace: removal.namespace };
    const doing = removingText(target);
    if (removal.deleting) {
      try {
        await waitUntilGone(this.ctx.scf, target, this.waitOptions(removal.functionName));
      } catch (error) {
        throw stepError(doing, target, 'waiting for the deletion under way', error);
      }
      return;
    }
    try {
      if (removal.waitFirst) await this.active(removal.functionName, target, 'a change made before this one');
    } catch (error) {
      throw stepError(doing, target, `waiting for it to be Active`, error);
    }
    try {
      await this.delete(removal.functionName, target);
    } catch (error) {
      throw stepError(doing, target, 'DeleteFunction', error);
    }
  }
}

/** How a removal's failure begins: "Removing NAME" (and its namespace but default's). */
export function removingText(target: Target): string {
  return `Removing ${target.functionName}${target.namespace === 'default' ? '' : ` (namespace ${target.namespace})`}`;
}

/** Runs `work` over every item, at most `limit` at a time; the first failure is thrown once all of them are done. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    // Every item is worked on, whatever failed before it: one failure does not leave the rest undone.
    while (next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

// `sls deploy` and `sls deploy function -f FN`: serverless.yml → the desired state (checked, before anything is
// sent) → what is deployed (reads only) → the plan → nothing at all when nothing changed; else the packages too
// large to inline go to COS, namespaces are made, each function's plan is carried out (several at once, a
// progress line each), functions that left serverless.yml are removed → a line per function.
import * as fs from 'fs';
import * as path from 'path';
import { inputError, plainText, ScfError } from '../cloud/errors';
import { shortBucketName, uploadToCos } from '../cloud/cos';
import { ByteBudget, systemClock } from '../cloud/limiter';
import { actionRate } from '../cloud/limits';
import { PollPool } from '../poll/pool';
import { StatusBoard } from '../poll/status-board';
import { ProgressLines } from '../render/progress-lines';
import type { FunctionCode, FunctionInfo, FunctionSummary } from '../cloud/types';
import type { Clients } from '../cloud/clients';
import type { Progress, TencentProvider } from '../provider';
import { type Artifact, artifactPath, codeRoute, copyArtifactsToPackageDir, type CosTarget, deploymentBucket, functionCode, readArtifact } from '../deploy/artifacts';
import { eachLimited, PlanRunner } from '../deploy/apply';
import { CODE_TAG, type DesiredFunction, type DesiredState, desiredState, ownerOf, RELEASE_ALIAS, SERVICE_TAG, STAGE_TAG } from '../deploy/desired';
import { type CodeState, type FunctionPlan, pendingRelease, planDeploy, planRemovals, type PublishedVersion, releaseAlias, type ReleaseRead, type RemovalStep, sha256Hex } from '../deploy/plan';
import { deploymentId, parseVersionDescription, versionDescription } from '../deploy/strategy';
import { pruneVersions, ReleasePhase, type ReleasePlanEntry, serviceCommit } from './release';
import { closingCounts, failureText, stepLines, summaryLines } from '../deploy/summary';
import { byteSize, counted, duration, rate } from '../render/units';
import { onInterrupt } from './interrupt';
import { LayerPhase } from './deploy-layers';
import { checkWebPackages, readSettings, urlLines } from './deploy-web';
import { missingHandlerFile } from '../config/handlers';
import { unknownFunctionText } from '../config/settings';
import { zipContentDigest, zipEntryNames } from '../deploy/package-contents';

export interface DeployOptions {
  function?: string;
  package?: string;
  force?: boolean;
  'update-config'?: boolean;
}

/**
 * Package bytes read into memory to be sent at once: every function is deployed at once (the per-action rates
 * pace them), but a package is held in memory (and base64, and in its request) only while it is being sent.
 */
export const PACKAGE_BYTES_IN_FLIGHT = 16 * 1024 * 1024;
/** Packages whose content digest is read at once (each an open and a read of its zip's directory). */
const DIGESTS_AT_ONCE = 16;
/** Statuses in which GetFunctionAddress has no code to tell of (SCF refuses it). */
const WITHOUT_CODE = ['Creating', 'CreateFailed', 'Deleting'];

/** serverless.yml as the deploy reads it: the desired state, checked. */
export function readDesiredState(provider: TencentProvider): DesiredState {
  const service = provider.serverless.service;
  return desiredState({
    service: service.service,
    stage: provider.getStage(),
    region: provider.getRegion(),
    provider: service.provider,
    functions: service.functions,
    deploy: service.custom?.scf?.deploy,
    layers: service.layers,
    namespace: provider.options.namespace === undefined ? undefined : provider.options.namespace,
  });
}

/**
 * The description a namespace made by `sls deploy` carries: it says which service made it, so `sls remove` of that
 * service deletes it once it is empty (SCF namespaces have no tags).
 */
export function namespaceMark(service: string): string {
  return `created by sls deploy for service ${service}`;
}

/** LimitExceeded.Namespace, with the namespaces in use (and what each holds) and how to free one. */
async function namespaceQuotaError(clients: Clients, namespace: string, error: ScfError): Promise<ScfError> {
  let inUse = '';
  try {
    const namespaces = await clients.scf.listNamespaces();
    const held = await Promise.all(namespaces.map(async (ns) => `${ns.name} (${counted((await clients.scf.listFunctions(ns.name)).length, 'function')})`));
    inUse = ` The namespaces in use: ${held.join(', ')}.`;
  } catch {
    // The error is worth more than the list: it goes out without it.
  }
  return new ScfError(
    error.code,
    `Namespace ${namespace} cannot be created: the account has as many namespaces as SCF allows in this region (LimitExceeded.Namespace).${inUse} ` +
      `Free one: sls remove a service deployed into one (it deletes a namespace it created once it is empty), or delete an empty namespace in the SCF console; ` +
      `or deploy into a namespace that exists (provider.namespace, a function's namespace).`,
    error.context,
  );
}

/** The names of the account's namespaces. */
export async function existingNamespaces(clients: Clients): Promise<Set<string>> {
  return new Set((await clients.scf.listNamespaces()).map((n) => n.name));
}

/**
 * Every function this service and stage deployed, in every namespace: found by the plugin's tags through
 * ListFunctions' filter, and kept only when the tags it lists say so too (an endpoint may ignore the filter).
 * Enough to show; before deleting, `readBackOwned` asks each function itself.
 */
export async function deployedOfService(clients: Clients, service: string, stage: string, namespaces?: Set<string>): Promise<FunctionSummary[]> {
  const names = namespaces ?? (await existingNamespaces(clients));
  const lists = await Promise.all([...names].map((ns) => clients.scf.listFunctions(ns, { [SERVICE_TAG]: service, [STAGE_TAG]: stage })));
  return lists.flat().filter((fn) => ownerOf(fn.tags, service, stage) === 'ours');
}

/**
 * Before anything is deleted: each candidate as GetFunction reads it back, split into those whose own tags say
 * this service and stage, and the others (with whose they are); those gone meanwhile are left out. A list's word
 * is never enough to delete a function.
 */
export async function readBackOwned(
  clients: Clients,
  candidates: ReadonlyArray<{ functionName: string; namespace: string }>,
  service: string,
  stage: string,
  handlers: {
    /** Told each function found ours as soon as it is read; the reads end when every one of these has. */
    onOwned?: (info: FunctionInfo) => Promise<void>;
    /** Told each read that failed, instead of the first failure thrown once all are done. */
    onReadFailure?: (candidate: { functionName: string; namespace: string }, error: ScfError) => void;
  } = {},
): Promise<{ owned: FunctionInfo[]; notOwned: Array<{ info: FunctionInfo; owner: 'others' | 'unmarked' }> }> {
  const owned: FunctionInfo[] = [];
  const notOwned: Array<{ info: FunctionInfo; owner: 'others' | 'unmarked' }> = [];
  const { onOwned, onReadFailure } = handlers;
  // All at once: the client's limiter paces GetFunction at its rate.
  await eachLimited(candidates, candidates.length, async (candidate) => {
    let info: FunctionInfo | undefined;
    try {
      info = await clients.scf.getFunction({ functionName: candidate.functionName, namespace: candidate.namespace });
    } catch (error) {
      if (!onReadFailure || !(error instanceof ScfError)) throw error;
      return onReadFailure(candidate, error);
    }
    if (!info) return;
    const owner = ownerOf(info.tags, service, stage);
    if (owner !== 'ours') return void notOwned.push({ info, owner });
    owned.push(info);
    await onOwned?.(info);
  });
  return { owned, notOwned };
}

/** Why a function is not deleted: whose its tags say it is. */
export function notOwnedText(info: FunctionInfo, owner: 'others' | 'unmarked'): string {
  const name = info.namespace === 'default' ? info.functionName : `${info.functionName} (namespace ${info.namespace})`;
  if (owner === 'unmarked') return `${name} carries no ${SERVICE_TAG}/${STAGE_TAG} tags (made by hand or by another tool)`;
  return `${name} belongs to service "${plainText(info.tags[SERVICE_TAG] ?? '?')}" stage "${plainText(info.tags[STAGE_TAG] ?? '?')}"`;
}

/**
 * The function, or undefined when it (or its namespace: never deployed, or removed since) does not exist. With
 * `triggers`, its triggers on every qualifier, from ListTriggers: GetFunction tells only those of the qualifier
 * it describes ($LATEST), and a deploy binds triggers to $DEFAULT.
 */
export async function deployedFunction(
  clients: Clients,
  target: { functionName: string; namespace: string },
  namespaces: Set<string>,
  { triggers = false }: { triggers?: boolean } = {},
): Promise<FunctionInfo | undefined> {
  if (!namespaces.has(target.namespace)) return undefined;
  const info = await clients.scf.getFunction(target);
  // A function being deleted is created again, with its triggers: what it has now does not matter.
  if (!info || !triggers || info.status === 'Deleting') return info;
  return { ...info, triggers: await clients.scf.listTriggers(target) };
}

/** GetFunction and GetFunctionAddress of one version (`$LATEST` has no code hash of its own here); null when it is gone. */
async function versionState(clients: Clients, target: { functionName: string; namespace: string }, version: string): Promise<PublishedVersion | null> {
  if (version === '$LATEST') return { version, info: (await clients.scf.getFunction(target))!, codeSha256: '' };
  const info = await clients.scf.getFunction({ ...target, qualifier: version });
  if (!info) return null;
  const { codeSha256 } = await clients.scf.getFunctionAddress({ ...target, qualifier: version });
  return { version, info, codeSha256 };
}

/** What a release strategy needs to plan: the alias it moves, the newest version, and one a release under way weights. */
export async function readRelease(clients: Clients, target: { functionName: string; namespace: string }, aliasName: string): Promise<ReleaseRead> {
  const [alias, versions] = await Promise.all([clients.scf.getAlias(target, aliasName), clients.scf.listVersions(target)]);
  const numbers = versions.map((v) => Number(v.version)).filter((n) => Number.isInteger(n) && n > 0);
  const newest = numbers.length ? String(Math.max(...numbers)) : undefined;
  const weighted = alias?.weights.find((w) => w.weight > 0 && w.version !== alias.functionVersion)?.version;
  const [newestRead, weightedRead] = await Promise.all([newest ? versionState(clients, target, newest) : null, weighted && weighted !== newest ? versionState(clients, target, weighted) : null]);
  return { alias: alias ?? null, newest: newestRead, weighted: weighted === newest ? newestRead : weightedRead };
}

/**
 * What publishing compares with serverless.yml: the version it keeps current (the alias's, when one is set, else
 * the newest; null when there is none), and the newest version when that is another one (a deploy that stopped
 * between PublishVersion and the alias left it: it may already hold what the alias should point at).
 */
async function publishedVersions(
  clients: Clients,
  target: { functionName: string; namespace: string },
  alias: string | undefined,
): Promise<{ published: PublishedVersion | null; newest?: PublishedVersion | null }> {
  const numbers = (await clients.scf.listVersions(target)).map((v) => Number(v.version)).filter((n) => Number.isInteger(n) && n > 0);
  const newestVersion = numbers.length ? String(Math.max(...numbers)) : undefined;
  const current = alias ? (await clients.scf.getAlias(target, alias))?.functionVersion : newestVersion;
  const published = current ? await versionState(clients, target, current) : null;
  if (!newestVersion || newestVersion === current) return { published };
  return { published, newest: await versionState(clients, target, newestVersion) };
}

/** After `sls package`: the packages go where --package (or package.path) says, for `sls deploy --package`. */
export function savePackages(provider: TencentProvider, packageOption: string | undefined): void {
  const service = provider.serverless.service;
  const dir = packageOption ?? service.package?.path;
  if (!dir) return;
  const functions = Object.values((service.functions ?? {}) as Record<string, { package?: { artifact?: string } } | null>);
  const artifacts = [service.package?.artifact, ...functions.map((fn) => fn?.package?.artifact)].filter((file): file is string => typeof file === 'string' && file !== '');
  copyArtifactsToPackageDir(provider.serviceDir, dir, artifacts);
}

/** The line that ends packaging: how many packages, their size, how long it took, where they are. */
export function packagedLine(provider: TencentProvider, ms: number): string | undefined {
  const service = provider.serverless.service;
  const functions = Object.values((service.functions ?? {}) as Record<string, { package?: { artifact?: string } } | null>);
  const files = [...new Set([service.package?.artifact, ...functions.map((fn) => fn?.package?.artifact)].filter((file): file is string => typeof file === 'string' && file !== ''))];
  const sizes = files.map((file) => {
    try {
      return fs.statSync(path.resolve(provider.serviceDir, file)).size;
    } catch {
      return 0;
    }
  });
  if (!files.length) return undefined;
  const total = sizes.reduce((a, b) => a + b, 0);
  const dir = provider.options.package ?? service.package?.path ?? '.serverless';
  return `Packaged ${service.service} (stage ${provider.getStage()}): ${counted(files.length, 'package')}, ${byteSize(total)}, in ${duration(ms)} (${dir})`;
}

export class DeployCommand {
  private lines?: ProgressLines;
  /** Content digests of the packages read so far, by file. */
  private readonly digests = new Map<string, string>();
  /** Those being read, by file: a package several functions share is read once. */
  private readonly digesting = new Map<string, Promise<string>>();

  constructor(
    private readonly provider: TencentProvider,
    private readonly options: DeployOptions,
  ) {}

  /** `sls deploy`: every function, and the removal of those that left serverless.yml. */
  async deployService(): Promise<string> {
    const desired = readDesiredState(this.provider);
    return this.deploy(desired, desired.functions, true);
  }

  /** `sls deploy function -f FN`: that function's code and configuration (only the configuration with --update-config). */
  async deployFunction(): Promise<string> {
    const key = String(this.options.function ?? '');
    const desired = readDesiredState(this.provider);
    const fn = desired.functions.find((f) => f.key === key);
    if (!fn) throw inputError(unknownFunctionText(key, desired.functions.map((f) => f.key)));
    return this.deploy(desired, [fn], false);
  }

  /** Carries the deploy out; returns what happened, in a few words, for the line that ends the command. */
  private async deploy(desired: DesiredState, functions: DesiredFunction[], removeOthers: boolean): Promise<string> {
    const { provider } = this;
    const { log } = provider.io;
    const configOnly = this.options['update-config'] === true;
    const artifacts = new Map<string, Artifact>();
    const cos = this.cosTarget(desired);
    if (!configOnly) {
      const packaging = { ...this.packaging(), functionZipDir: removeOthers ? undefined : (this.options.package ?? this.provider.serverless.service.package?.path ?? '.serverless') };
      const entries = new Map<string, Set<string>>();
      const problems: string[] = [];
      for (const fn of functions) {
        const artifact = await readArtifact(artifactPath(packaging, fn.key));
        // A package that fits no request and has no bucket to go through is refused before anything is sent.
        codeRoute(artifact, cos);
        artifacts.set(fn.key, artifact);
        // A handler whose file the package does not hold would deploy and fail at its first invoke.
        if (!entries.has(artifact.file)) entries.set(artifact.file, await zipEntryNames(artifact.file));
        const { handler, runtime } = fn.configuration;
        // A web function has no handler: its scf_bootstrap is checked below.
        const problem = fn.configuration.web ? undefined : missingHandlerFile(fn.key, handler, runtime, entries.get(artifact.file)!, path.basename(artifact.file));
        if (problem) problems.push(problem);
      }
      if (problems.length) throw inputError(problems.join('\n'));
      // A web function's scf_bootstrap, as it is in the package SCF gets: checked before anything is sent.
      await checkWebPackages(functions, artifacts);
    }
    const clients = provider.clients();
    if (clients.scf.legacy) throw inputError('sls deploy speaks SCF API 3.0: remove provider.legacyApi to deploy (the legacy API stays available to invoke and logs).');

    const reading = provider.io.progress.create({ message: `Reading what is deployed of ${counted(functions.length, 'function')}` });
    let plans: FunctionPlan[];
    const code = new Map<string, CodeState>();
    let removals: RemovalStep[] = [];
    let missingNamespaces: string[];
    /** The namespaces this deploy made, once made: begun as soon as they are known missing (their functions must be created). */
    let namespacesMade: Promise<string[]> = Promise.resolve([]);
    const layers = new LayerPhase(provider, desired, this.options.force === true);
    const deployed = new Map<string, FunctionInfo | undefined>();
    try {
      await layers.read(clients, functions, artifacts, this.options.package ?? this.provider.serverless.service.package?.path);
      const namespaces = await existingNamespaces(clients);
      missingNamespaces = [...new Set(functions.map((f) => f.namespace))].filter((ns) => !namespaces.has(ns));
      // A function in a namespace that does not exist is created whatever the reads say, in a namespace made first:
      // made while the other namespaces are read (--update-config creates nothing: it refuses such a function below).
      if (!configOnly && missingNamespaces.length) {
        namespacesMade = Promise.all(missingNamespaces.map(async (ns) => ((await this.createNamespace(clients, ns, desired.service)) ? ns : undefined))).then((made) => made.filter((ns): ns is string => ns !== undefined));
        // Awaited below, after the reads; a failure of the reads meanwhile must not leave it unhandled.
        namespacesMade.catch(() => undefined);
      }
      // All at once: the client's limiter paces each action at its own rate.
      await eachLimited(functions, functions.length, async (fn) => {
        const info = await deployedFunction(clients, fn, namespaces, { triggers: true });
        deployed.set(fn.key, info);
        const settings = info && !WITHOUT_CODE.includes(String(info.status)) ? await readSettings(clients, fn) : undefined;
        if (configOnly) {
          // --update-config: the code stays as it is deployed, whatever the package says.
          const state: CodeState = { sha256: 'unchanged', deployedSha256: 'unchanged', settings };
          // A strategy still releases the change: the alias it moves is read (a pin may be owed).
          if (fn.strategy && info) state.release = await readRelease(clients, fn, releaseAlias(desired.settings));
          code.set(fn.key, state);
          return;
        }
        // A function still being created (or failed at it) or being deleted has no code address: its code is sent.
        const hasCode = info && !WITHOUT_CODE.includes(String(info.status));
        const deployedSha256 = hasCode ? (await clients.scf.getFunctionAddress({ functionName: fn.functionName, namespace: fn.namespace })).codeSha256 : undefined;
        const artifact = artifacts.get(fn.key)!;
        const sameFilesSha256 = info && deployedSha256 ? await this.sameFiles(artifact, info, deployedSha256) : undefined;
        const state: CodeState = { sha256: artifact.sha256, deployedSha256, force: this.options.force === true, sameFilesSha256, settings };
        if (fn.strategy) state.release = info && hasCode ? await readRelease(clients, fn, releaseAlias(desired.settings)) : { alias: null, newest: null, weighted: null };
        else if (hasCode && desired.settings.publish) Object.assign(state, await publishedVersions(clients, fn, desired.settings.alias));
        code.set(fn.key, state);
      });
      if (configOnly) {
        for (const fn of functions) if (!deployed.get(fn.key)) throw inputError(`--update-config changes a deployed function, and ${fn.key} (${fn.functionName}) is not deployed: run sls deploy function -f ${fn.key} without it.`);
      }
      plans = planDeploy({ ...desired, functions: layers.resolve(functions) }, deployed, code);
      if (configOnly) for (const plan of plans) plan.steps = plan.steps.filter((s) => s.action !== 'updateCode');
      if (removeOthers) {
        const listed = await deployedOfService(clients, desired.service, desired.stage, namespaces);
        const wanted = new Set(functions.map((fn) => `${fn.namespace}/${fn.functionName}`));
        const leaving = listed.filter((fn) => !wanted.has(`${fn.namespace}/${fn.functionName}`));
        const { owned, notOwned } = await readBackOwned(clients, leaving, desired.service, desired.stage);
        for (const { info, owner } of notOwned) log.warning(`${notOwnedText(info, owner)}: not removed, although ListFunctions listed it as this service's.`);
        removals = planRemovals(desired, owned);
      }
      // Before anything else is planned or said: a namespace that could not be made fails the deploy here.
      await namespacesMade;
    } finally {
      reading.remove();
    }
    provider.recorder?.planned(plans, removals, (key) => (configOnly ? undefined : artifacts.get(key)?.sha256));

    const changing = plans.filter((p) => p.steps.length);
    // Releases owed although nothing is published: a release cut short, a deploy stopped before its release.
    const owed = new Map<string, NonNullable<ReturnType<typeof pendingRelease>>>();
    for (const fn of functions) {
      const plan = plans.find((p) => p.key === fn.key);
      if (!fn.strategy || plan?.steps.some((s) => s.action === 'publish')) continue;
      const owe = pendingRelease(fn, code.get(fn.key)!);
      if (owe) owed.set(fn.key, owe);
    }
    const where = `${desired.service} (stage ${desired.stage}, region ${desired.region})`;
    if (!changing.length && !removals.length && !missingNamespaces.length && !owed.size && !layers.publishes) {
      return `No changes to ${where}: ${counted(functions.length, 'function')} ${functions.length === 1 ? 'matches' : 'match'} serverless.yml, nothing was sent`;
    }
    // Plans quote what was read back (trigger names, statuses, handlers): shown without control sequences.
    log.verbose(plainText(stepLines(plans, removals).join('\n')));

    this.lines = new ProgressLines(provider.io.progress, changing.length + removals.length + (layers.publishes ? 1 : 0), `Deploying ${counted(changing.length, 'function')}${removals.length ? ` and removing ${removals.length}` : ''}`);
    // Layers that changed are published first: the functions bind the versions they get.
    if (layers.publishes) {
      for (const line of await layers.publish(clients, cos, (text) => this.line('layers', text))) log.notice(line);
      this.done('layers');
      plans = planDeploy({ ...desired, functions: layers.resolve(functions) }, deployed, code);
      if (configOnly) for (const plan of plans) plan.steps = plan.steps.filter((s) => s.action !== 'updateCode');
    }
    const changingNow = plans.filter((p) => p.steps.length);
    changing.splice(0, changing.length, ...changingNow);
    // Packages that do not fit in a request go to COS first: nothing of the functions has changed yet.
    const codes = await this.codes(clients, cos, changing, artifacts);
    const packageBytes = new ByteBudget(PACKAGE_BYTES_IN_FLIGHT);

    const deployment = deploymentId(Date.now());
    if (provider.recorder) provider.recorder.deployment = deployment;
    const runner = new PlanRunner({
      versionDescription: desired.settings.publish || functions.some((f) => f.strategy) ? versionDescription(deployment, serviceCommit(this.provider.serviceDir)) : undefined,
      deployment,
      scf: clients.scf,
      tag: clients.tag,
      region: desired.region,
      clock: systemClock,
      timeoutMs: desired.settings.timeout * 1000,
      withCode: async (key, send) => {
        const code = codes.get(key);
        if (!code) throw new ScfError('Plugin.Internal', `No code was prepared for ${key}.`);
        const release = await packageBytes.take(codeRoute(artifacts.get(key)!, cos).inline ? artifacts.get(key)!.size : 0);
        try {
          return await send(code());
        } finally {
          release();
        }
      },
      statusPool: new PollPool(actionRate('scf', 'GetFunction'), systemClock),
      statusBoard: new StatusBoard(clients.scf, systemClock),
      codeRecord: (key): Record<string, string> => {
        const artifact = artifacts.get(key);
        const digest = artifact && this.digests.get(artifact.file);
        return artifact && digest ? { [CODE_TAG]: `${sha256Hex(artifact.sha256)}:${digest}` } : {};
      },
      onProgress: (key, text) => this.line(key, text),
    });
    const underway = new Set<string>();
    const stopWatching = onInterrupt(() => {
      this.lines?.removeAll();
      log.warning(
        `Deploy interrupted${underway.size ? ` while changing ${[...underway].join(', ')}` : ''}. What was done stays done; run sls deploy again and it picks up from what it finds.`,
      );
    });
    // A function that fails does not stop the others (they do not depend on it): every failure is reported
    // together. Functions that left serverless.yml are removed only when everything else went through.
    const failures: ScfError[] = [];
    const failed = new Set<string>();
    const createdNamespaces = await namespacesMade;
    for (const namespace of createdNamespaces) log.notice(`Namespace ${namespace} created (it did not exist; sls remove deletes it once it holds no function).`);
    try {
      // Every function at once: the per-action rates pace them, the status waits share GetFunction's.
      await eachLimited(changing, changing.length, async (plan) => {
        underway.add(plan.key);
        const started = Date.now();
        try {
          await runner.run(plan);
          provider.recorder?.applied(plan.key, Date.now() - started);
        } catch (error) {
          if (!(error instanceof ScfError)) throw error;
          provider.recorder?.applied(plan.key, Date.now() - started, error);
          failures.push(error);
          failed.add(plan.key);
        }
        underway.delete(plan.key);
        this.done(plan.key);
      });
      if (!failures.length) {
        await eachLimited(removals, removals.length, async (removal) => {
          this.line(removal.functionName, 'removing (no longer in serverless.yml)');
          try {
            await runner.remove(removal);
            provider.recorder?.removed(removal.functionName, removal.namespace, true);
          } catch (error) {
            if (!(error instanceof ScfError)) throw error;
            failures.push(error);
            failed.add(removal.functionName);
          }
          this.done(removal.functionName);
        });
      }
    } finally {
      stopWatching();
      this.lines?.removeAll();
    }
    provider.recorder?.published(runner.published, (key) => (functions.find((f) => f.key === key)?.strategy ? releaseAlias(desired.settings) : desired.settings.alias));
    const heading = `${failures.length ? 'Deployed only in part' : 'Deployed'} ${desired.service} (stage ${desired.stage}, region ${desired.region}):`;
    const succeeded = plans.filter((p) => !failed.has(p.key));
    const removed = removals.filter((r) => !failed.has(r.functionName));
    const attemptedRemovals = failures.length === 0 || removals.some((r) => failed.has(r.functionName));
    const namespaceLines = createdNamespaces.map((ns) => `namespace ${ns}: created`);
    if (succeeded.length || removed.length || !failures.length) log.notice(plainText([heading, ...namespaceLines.map((l) => `  ${l}`), ...summaryLines(succeeded, attemptedRemovals ? removed : []).map((l) => `  ${l}`)].join('\n')));
    if (failures.length) {
      const first = failures[0];
      const functionFailures = changing.filter((p) => failed.has(p.key)).length;
      const removalsLeft = attemptedRemovals ? [] : removals.map((r) => r.functionName);
      throw new ScfError(first.code, failureText(failures.map((f) => f.message), changing.length - functionFailures, removalsLeft), first.context);
    }
    await this.release(desired, functions, code, owed, runner, clients, deployment);
    if (desired.settings.keepVersions) for (const line of await layers.prune(clients, desired.settings.keepVersions)) log.verbose(line);
    for (const line of await urlLines(clients, functions)) log.notice(plainText(line));
    return `Deployed ${where}: ${closingCounts(plans, removed, createdNamespaces)}`;
  }

  /** The release of every function with a strategy that has a version to release, then the pruning of old ones. */
  private async release(desired: DesiredState, functions: DesiredFunction[], code: Map<string, CodeState>, owed: Map<string, NonNullable<ReturnType<typeof pendingRelease>>>, runner: PlanRunner, clients: Clients, deployment: string): Promise<void> {
    const { log } = this.provider.io;
    const aliasName = releaseAlias(desired.settings);
    const entries: ReleasePlanEntry[] = [];
    for (const fn of functions) {
      if (!fn.strategy) continue;
      const read = code.get(fn.key)?.release;
      const owe = owed.get(fn.key);
      const target = { functionName: fn.functionName, namespace: fn.namespace };
      if (owe && 'clearWeights' in owe && read?.alias) {
        await clients.scf.updateAlias(target, aliasName, read.alias.functionVersion, read.alias.description, []);
        log.notice(`${fn.key} (${fn.functionName}): the weights an earlier release left on alias ${aliasName} were cleared; it serves version ${read.alias.functionVersion}.`);
        continue;
      }
      const published = runner.published.get(fn.key);
      const version = published ?? (owe && 'version' in owe ? owe.version : undefined);
      if (!version) continue;
      // A version published by an earlier deploy (its release was cut short) is released as that deployment's.
      const earlier = [read?.weighted, read?.newest].find((v) => v?.version === version);
      const own = published ? deployment : (parseVersionDescription(earlier?.info.description ?? '')?.deployment ?? deployment);
      // The version the alias served before (a pin made one of $LATEST); a new function's $DEFAULT is on $LATEST.
      const serving = runner.pinned.get(fn.key) ?? (read?.alias ? read.alias.functionVersion : aliasName === RELEASE_ALIAS ? '$LATEST' : undefined);
      entries.push({ key: fn.key, functionName: fn.functionName, namespace: fn.namespace, alias: aliasName, version, serving, strategy: fn.strategy, deployment: own, aliasDescription: read?.alias?.description ?? '' });
    }
    for (const entry of entries) this.provider.released.add(entry.key);
    await new ReleasePhase(this.provider, clients).run(entries);
    const keep = desired.settings.keepVersions;
    if (!keep) return;
    for (const entry of entries) {
      const pruned = await pruneVersions(clients, entry, keep, [entry.serving ?? '', entry.version]);
      if (pruned.length) log.verbose(`${entry.key}: versions ${pruned.join(', ')} deleted (keepVersions ${keep})`);
    }
  }

  private packaging() {
    const service = this.provider.serverless.service;
    return {
      serviceDir: this.provider.serviceDir,
      service: service.service,
      serviceArtifact: service.package?.artifact,
      functionArtifact: (key: string) => service.functions?.[key]?.package?.artifact,
      packageDir: this.options.package ?? service.package?.path,
    };
  }

  /** Where packages too large to inline go: provider.deploymentBucket (checked), undefined without one. */
  private cosTarget(desired: DesiredState): CosTarget | undefined {
    const bucket = deploymentBucket(this.provider.providerConfig.deploymentBucket);
    return bucket ? { bucket, region: desired.region, prefix: `sls-tencent-scf/${desired.service}/${desired.stage}` } : undefined;
  }

  /**
   * The Code of every function that sends code: a COS package is uploaded now, and each Code is built when its
   * request is sent: an
   * inline package is read and encoded then, not held in memory for the whole deploy (30 functions sharing a
   * 7 MB zip would hold 30 copies of its base64).
   */
  private async codes(clients: Clients, cos: CosTarget | undefined, plans: FunctionPlan[], artifacts: Map<string, Artifact>): Promise<Map<string, () => FunctionCode>> {
    const needsCode = plans.filter((p) => p.steps.some((s) => s.action === 'create' || s.action === 'recreate' || s.action === 'updateCode'));
    // What each package sent holds, for its record (CODE_TAG): read now, before anything changes.
    // Side by side: a fleet's packages are many small files, each an open and a read.
    await eachLimited(needsCode, DIGESTS_AT_ONCE, async (plan) => void (await this.digest(artifacts.get(plan.key)!)));
    const routes = new Map(needsCode.map((p) => [p.key, codeRoute(artifacts.get(p.key)!, cos)] as const));
    const uploaded = new Set<string>();
    for (const [key, route] of routes) {
      if (route.inline || uploaded.has(route.key)) continue;
      uploaded.add(route.key);
      const { size, file } = artifacts.get(key)!;
      const what = `${key}'s package (${byteSize(size)}) to COS bucket ${cos!.bucket}`;
      const { log } = this.provider.io;
      // On a terminal a progress line with bytes and rate; in a log (CI), a line when it starts and one when it ends.
      const tty = process.stderr.isTTY === true;
      const progress = tty ? this.provider.io.progress.create({ message: `Uploading ${what}` }) : undefined;
      if (!tty) log.notice(`Uploading ${what}`);
      const started = Date.now();
      try {
        await uploadToCos({ bucket: cos!.bucket, region: cos!.region, key: route.key }, file, await clients.transport.credentials(), clients.cosEndpoint, (loaded, total) =>
          progress?.update(`Uploading ${key}'s package to COS bucket ${cos!.bucket}: ${byteSize(loaded)} of ${byteSize(total)}, ${rate(loaded, Date.now() - started)}`),
        );
      } finally {
        progress?.remove();
      }
      const took = Date.now() - started;
      log.notice(`Uploaded ${what} in ${duration(took)} (${rate(size, took)})`);
    }
    const codes = new Map<string, () => FunctionCode>();
    for (const [key, route] of routes) codes.set(key, () => functionCode(artifacts.get(key)!, route, cos, shortBucketName));
    return codes;
  }

  /** Creates a namespace marked as this service's; false when another deploy made it meanwhile. */
  private async createNamespace(clients: Clients, namespace: string, service: string): Promise<boolean> {
    try {
      await clients.scf.createNamespace(namespace, namespaceMark(service));
      return true;
    } catch (error) {
      // Made meanwhile (another deploy): as good as made by us.
      if (error instanceof ScfError && (error.code === 'ResourceInUse.Namespace' || error.code === 'FailedOperation.Namespace')) return false;
      if (error instanceof ScfError && error.code === 'LimitExceeded.Namespace') throw await namespaceQuotaError(clients, namespace, error);
      throw error;
    }
  }

  /** A package's content digest, read once per file. */
  private async digest(artifact: Artifact): Promise<string> {
    let digest = this.digesting.get(artifact.file);
    if (!digest) {
      digest = zipContentDigest(artifact.file).then((value) => (this.digests.set(artifact.file, value), value));
      this.digesting.set(artifact.file, digest);
    }
    return digest;
  }

  /**
   * The deployed zip's SHA-256 when the function's record (CODE_TAG) says that zip holds the same files as this
   * package although its bytes differ (made by another serverless version); else undefined. The record is believed
   * only while the deployed code is the zip it names: code changed since by any other means makes it void.
   */
  private async sameFiles(artifact: Artifact, info: FunctionInfo, deployedSha256: string): Promise<string | undefined> {
    const deployed = sha256Hex(deployedSha256);
    if (!deployed || deployed === sha256Hex(artifact.sha256)) return undefined;
    const [zip, files] = (info.tags[CODE_TAG] ?? '').split(':');
    if (zip !== deployed || !files) return undefined;
    return (await this.digest(artifact)) === files ? deployedSha256 : undefined;
  }

  private line(key: string, state: string): void {
    this.lines?.update(key, plainText(state));
  }

  private done(key: string): void {
    this.lines?.done(key);
  }
}

// `sls deploy` and `sls deploy function -f FN`: serverless.yml → the desired state (checked, before anything is
// sent) → what is deployed (reads only) → the plan → nothing at all when nothing changed; else the packages too
// large to inline go to COS, namespaces are made, each function's plan is carried out (several at once, a
// progress line each), functions that left serverless.yml are removed → a line per function.
import { inputError, plainText, ScfError } from '../cloud/errors';
import { shortBucketName, uploadToCos } from '../cloud/cos';
import { systemClock } from '../cloud/limiter';
import type { FunctionCode, FunctionInfo, FunctionSummary } from '../cloud/types';
import type { Clients } from '../cloud/clients';
import type { Progress, TencentProvider } from '../provider';
import { type Artifact, artifactPath, codeRoute, copyArtifactsToPackageDir, type CosTarget, deploymentBucket, functionCode, readArtifact } from '../deploy/artifacts';
import { eachLimited, PlanRunner } from '../deploy/apply';
import { type DesiredFunction, type DesiredState, desiredState, ownerOf, RELEASE_ALIAS, SERVICE_TAG, STAGE_TAG } from '../deploy/desired';
import { type CodeState, type FunctionPlan, pendingRelease, planDeploy, planRemovals, type PublishedVersion, releaseAlias, type ReleaseRead, type RemovalStep } from '../deploy/plan';
import { deploymentId, parseVersionDescription, versionDescription } from '../deploy/strategy';
import { pruneVersions, ReleasePhase, type ReleasePlanEntry, serviceCommit } from './release';
import { failureText, stepLines, summaryLines } from '../deploy/summary';
import { onInterrupt } from './interrupt';

export interface DeployOptions {
  function?: string;
  package?: string;
  force?: boolean;
  'update-config'?: boolean;
}

/** Functions deployed at once; each waits on its own status, and the client holds every action to its rate. */
export const FUNCTIONS_AT_ONCE = 5;
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
  });
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
): Promise<{ owned: FunctionInfo[]; notOwned: Array<{ info: FunctionInfo; owner: 'others' | 'unmarked' }> }> {
  const owned: FunctionInfo[] = [];
  const notOwned: Array<{ info: FunctionInfo; owner: 'others' | 'unmarked' }> = [];
  await eachLimited(candidates, 10, async (candidate) => {
    const info = await clients.scf.getFunction({ functionName: candidate.functionName, namespace: candidate.namespace });
    if (!info) return;
    const owner = ownerOf(info.tags, service, stage);
    if (owner === 'ours') owned.push(info);
    else notOwned.push({ info, owner });
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

export class DeployCommand {
  private readonly progress = new Map<string, Progress>();

  constructor(
    private readonly provider: TencentProvider,
    private readonly options: DeployOptions,
  ) {}

  /** `sls deploy`: every function, and the removal of those that left serverless.yml. */
  async deployService(): Promise<void> {
    const desired = readDesiredState(this.provider);
    await this.deploy(desired, desired.functions, true);
  }

  /** `sls deploy function -f FN`: that function's code and configuration (only the configuration with --update-config). */
  async deployFunction(): Promise<void> {
    const key = String(this.options.function ?? '');
    const desired = readDesiredState(this.provider);
    const fn = desired.functions.find((f) => f.key === key);
    if (!fn) throw inputError(`Function "${key}" is not defined in serverless.yml. Known functions: ${desired.functions.map((f) => f.key).join(', ') || 'none'}.`);
    await this.deploy(desired, [fn], false);
  }

  private async deploy(desired: DesiredState, functions: DesiredFunction[], removeOthers: boolean): Promise<void> {
    const { provider } = this;
    const { log } = provider.io;
    const configOnly = this.options['update-config'] === true;
    const artifacts = new Map<string, Artifact>();
    const cos = this.cosTarget(desired);
    if (!configOnly) {
      const packaging = { ...this.packaging(), functionZipDir: removeOthers ? undefined : (this.options.package ?? this.provider.serverless.service.package?.path ?? '.serverless') };
      for (const fn of functions) {
        const artifact = await readArtifact(artifactPath(packaging, fn.key));
        // A package that fits no request and has no bucket to go through is refused before anything is sent.
        codeRoute(artifact, cos);
        artifacts.set(fn.key, artifact);
      }
    }
    const clients = provider.clients();
    if (clients.scf.legacy) throw inputError('sls deploy speaks SCF API 3.0: remove provider.legacyApi to deploy (the legacy API stays available to invoke and logs).');

    const reading = provider.io.progress.create({ message: `Reading what is deployed of ${functions.length} function(s)` });
    let plans: FunctionPlan[];
    const code = new Map<string, CodeState>();
    let removals: RemovalStep[] = [];
    let missingNamespaces: string[];
    try {
      const namespaces = await existingNamespaces(clients);
      missingNamespaces = [...new Set(functions.map((f) => f.namespace))].filter((ns) => !namespaces.has(ns));
      const deployed = new Map<string, FunctionInfo | undefined>();
      await eachLimited(functions, 10, async (fn) => {
        const info = await deployedFunction(clients, fn, namespaces, { triggers: true });
        deployed.set(fn.key, info);
        if (configOnly) {
          // --update-config: the code stays as it is deployed, whatever the package says.
          const state: CodeState = { sha256: 'unchanged', deployedSha256: 'unchanged' };
          // A strategy still releases the change: the alias it moves is read (a pin may be owed).
          if (fn.strategy && info) state.release = await readRelease(clients, fn, releaseAlias(desired.settings));
          code.set(fn.key, state);
          return;
        }
        // A function still being created (or failed at it) or being deleted has no code address: its code is sent.
        const hasCode = info && !WITHOUT_CODE.includes(String(info.status));
        const deployedSha256 = hasCode ? (await clients.scf.getFunctionAddress({ functionName: fn.functionName, namespace: fn.namespace })).codeSha256 : undefined;
        const state: CodeState = { sha256: artifacts.get(fn.key)!.sha256, deployedSha256, force: this.options.force === true };
        if (fn.strategy) state.release = info && hasCode ? await readRelease(clients, fn, releaseAlias(desired.settings)) : { alias: null, newest: null, weighted: null };
        else if (hasCode && desired.settings.publish) Object.assign(state, await publishedVersions(clients, fn, desired.settings.alias));
        code.set(fn.key, state);
      });
      if (configOnly) {
        for (const fn of functions) if (!deployed.get(fn.key)) throw inputError(`--update-config changes a deployed function, and ${fn.key} (${fn.functionName}) is not deployed: run sls deploy function -f ${fn.key} without it.`);
      }
      plans = planDeploy({ ...desired, functions }, deployed, code);
      if (configOnly) for (const plan of plans) plan.steps = plan.steps.filter((s) => s.action !== 'updateCode');
      if (removeOthers) {
        const listed = await deployedOfService(clients, desired.service, desired.stage, namespaces);
        const wanted = new Set(functions.map((fn) => `${fn.namespace}/${fn.functionName}`));
        const leaving = listed.filter((fn) => !wanted.has(`${fn.namespace}/${fn.functionName}`));
        const { owned, notOwned } = await readBackOwned(clients, leaving, desired.service, desired.stage);
        for (const { info, owner } of notOwned) log.warning(`${notOwnedText(info, owner)}: not removed, although ListFunctions listed it as this service's.`);
        removals = planRemovals(desired, owned);
      }
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
    if (!changing.length && !removals.length && !missingNamespaces.length && !owed.size) {
      log.notice(`No changes: ${functions.length} function(s) match serverless.yml, nothing was sent.`);
      return;
    }
    // Plans quote what was read back (trigger names, statuses, handlers): shown without control sequences.
    log.verbose(plainText(stepLines(plans, removals).join('\n')));

    // Packages that do not fit in a request go to COS first: nothing of the functions has changed yet.
    const codes = await this.codes(clients, cos, changing, artifacts);

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
      code: (key) => {
        const code = codes.get(key);
        if (!code) throw new ScfError('Plugin.Internal', `No code was prepared for ${key}.`);
        return code();
      },
      onProgress: (key, text) => this.line(key, `${key}: ${text}`),
    });
    const underway = new Set<string>();
    const stopWatching = onInterrupt(() => {
      for (const line of this.progress.values()) line.remove();
      log.warning(
        `Deploy interrupted${underway.size ? ` while changing ${[...underway].join(', ')}` : ''}. What was done stays done; run sls deploy again and it picks up from what it finds.`,
      );
    });
    // A function that fails does not stop the others (they do not depend on it): every failure is reported
    // together. Functions that left serverless.yml are removed only when everything else went through.
    const failures: ScfError[] = [];
    const failed = new Set<string>();
    try {
      for (const namespace of missingNamespaces) await this.createNamespace(clients, namespace);
      await eachLimited(changing, FUNCTIONS_AT_ONCE, async (plan) => {
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
        await eachLimited(removals, FUNCTIONS_AT_ONCE, async (removal) => {
          this.line(removal.functionName, `${removal.functionName}: removing (no longer in serverless.yml)`);
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
      for (const line of this.progress.values()) line.remove();
    }
    provider.recorder?.published(runner.published, (key) => (functions.find((f) => f.key === key)?.strategy ? releaseAlias(desired.settings) : desired.settings.alias));
    const heading = `${failures.length ? 'Deployed only in part' : 'Deployed'} ${desired.service} (stage ${desired.stage}, region ${desired.region}):`;
    const succeeded = plans.filter((p) => !failed.has(p.key));
    const removed = removals.filter((r) => !failed.has(r.functionName));
    const attemptedRemovals = failures.length === 0 || removals.some((r) => failed.has(r.functionName));
    if (succeeded.length || removed.length || !failures.length) log.notice(plainText([heading, ...summaryLines(succeeded, attemptedRemovals ? removed : []).map((l) => `  ${l}`)].join('\n')));
    if (failures.length) {
      const first = failures[0];
      const functionFailures = changing.filter((p) => failed.has(p.key)).length;
      const removalsLeft = attemptedRemovals ? [] : removals.map((r) => r.functionName);
      throw new ScfError(first.code, failureText(failures.map((f) => f.message), changing.length - functionFailures, removalsLeft), first.context);
    }
    await this.release(desired, functions, code, owed, runner, clients, deployment);
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
    const routes = new Map(needsCode.map((p) => [p.key, codeRoute(artifacts.get(p.key)!, cos)] as const));
    const uploaded = new Set<string>();
    for (const [key, route] of routes) {
      if (route.inline || uploaded.has(route.key)) continue;
      uploaded.add(route.key);
      const progress = this.provider.io.progress.create({ message: `Uploading ${key}'s package to COS bucket ${cos!.bucket}` });
      try {
        await uploadToCos({ bucket: cos!.bucket, region: cos!.region, key: route.key }, artifacts.get(key)!.file, await clients.transport.credentials(), clients.cosEndpoint);
      } finally {
        progress.remove();
      }
    }
    const codes = new Map<string, () => FunctionCode>();
    for (const [key, route] of routes) codes.set(key, () => functionCode(artifacts.get(key)!, route, cos, shortBucketName));
    return codes;
  }

  private async createNamespace(clients: Clients, namespace: string): Promise<void> {
    try {
      await clients.scf.createNamespace(namespace, 'created by sls deploy');
    } catch (error) {
      // Made meanwhile (another deploy): as good as made by us.
      if (error instanceof ScfError && (error.code === 'ResourceInUse.Namespace' || error.code === 'FailedOperation.Namespace')) return;
      throw error;
    }
  }

  private line(key: string, raw: string): void {
    const text = plainText(raw);
    const line = this.progress.get(key);
    if (line) line.update(text);
    else this.progress.set(key, this.provider.io.progress.create({ message: text }));
  }

  private done(key: string): void {
    this.progress.get(key)?.remove();
    this.progress.delete(key);
  }
}

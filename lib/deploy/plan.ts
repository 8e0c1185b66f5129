// The deploy plan: a pure function of (desired, deployed) → the ordered steps for one function, each with a
// reason a user can read and everything its API call needs. Nothing that matches is touched: a second deploy with
// no change plans no step at all, so it sends no mutating request. Order within a function:
//   wait → create | recreate | updateCode → updateConfiguration → publish → updateTags → triggers
// (trigger deletes first — COS refuses overlapping rules and SCF counts triggers per type — then updates, then
// creates; after publish, so a trigger on the alias finds it).
import { inputError, isScfError, plainText } from '../cloud/errors';
import { SYSTEM_TAG_KEY } from '../cloud/scf-rules';
import type { AliasInfo, DeployedTrigger, FunctionConfiguration, FunctionInfo, FunctionSummary, TriggerSpec } from '../cloud/types';
import { CODE_TAG, type DeploySettings, type DesiredFunction, type DesiredState, normaliseRuntime, RELEASE_ALIAS, SERVICE_TAG, STAGE_TAG } from './desired';
import { describeTrigger, isManagedTrigger, sameTrigger, triggerDifferences, triggerIdentity, updatableInPlace } from './triggers';

/** The package of one function and what GetFunctionAddress said of the deployed one. */
export interface CodeState {
  /** SHA-256 of the zip's bytes, hex or base64. */
  sha256: string;
  /** `CodeSha256` of GetFunctionAddress, hex or base64; undefined when unknown. */
  deployedSha256?: string;
  /** Send the code even when it matches (deploy --force). */
  force?: boolean;
  /**
   * The SHA-256 of a zip known to hold the same files as this package (the deployed one, by its CODE_TAG record):
   * deployed code of that SHA-256 counts as unchanged.
   */
  sameFilesSha256?: string;
  /**
   * With publishing on: the version publishing keeps current (the alias's, else the newest), as it was read;
   * null when there is none (no version yet, or the alias does not exist). Undefined: not read.
   */
  published?: PublishedVersion | null;
  /**
   * With publishing on: the newest version, when it is not `published` (a deploy stopped after PublishVersion and
   * before the alias moved). Undefined: the same as `published`, or not read.
   */
  newest?: PublishedVersion | null;
  /** With a release strategy: the alias it moves and the versions that could be released, as read. */
  release?: ReleaseRead;
}

/** What a strategy's deploy reads of a function before it plans: its alias and its candidate versions. */
export interface ReleaseRead {
  /** The alias the release moves; null when it does not exist yet. */
  alias: AliasInfo | null;
  /** The newest published version. */
  newest: PublishedVersion | null;
  /** The version the alias sends a share of its traffic to (a release under way), if any. */
  weighted: PublishedVersion | null;
}

export interface PublishedVersion {
  /** A version number, or `$LATEST` for an alias on $LATEST. */
  version: string;
  /** GetFunction of that version. */
  info: FunctionInfo;
  /** GetFunctionAddress of that version. */
  codeSha256: string;
}

/** The keys of UpdateFunctionConfiguration a plan compares, by their serverless.yml names. */
export type ConfigurationKey = 'memorySize' | 'timeout' | 'initTimeout' | 'description' | 'environment' | 'role' | 'vpcConfig' | 'layers' | 'installDependency' | 'cls';

export interface CreateStep {
  action: 'create';
  configuration: FunctionConfiguration;
  tags: Record<string, string>;
  reason: string;
}

/** Found CreateFailed: DeleteFunction, wait until GetFunction says it is gone, then CreateFunction. */
export interface RecreateStep {
  action: 'recreate';
  configuration: FunctionConfiguration;
  tags: Record<string, string>;
  reason: string;
}

export interface WaitStep {
  action: 'wait';
  /** Active: wait until the function settles; gone: until GetFunction no longer finds it. */
  until: 'Active' | 'gone';
  /** The status found. */
  status: string;
  reason: string;
}

/** UpdateFunctionCode: the package, and the handler with it (UpdateFunctionConfiguration cannot set a handler). */
export interface UpdateCodeStep {
  action: 'updateCode';
  handler: string;
  /** The package differs from what is deployed (or is sent anyway: forced, unknown, a failed update). */
  codeChanged: boolean;
  /** The handler differs from the deployed one. */
  handlerChanged: boolean;
  installDependency?: boolean;
  reason: string;
}

export interface UpdateConfigurationStep {
  action: 'updateConfiguration';
  /** The whole desired configuration: UpdateFunctionConfiguration is sent with all of it. */
  configuration: FunctionConfiguration;
  changed: ConfigurationKey[];
  /** Every variable removed: send `Environment: {Variables: [{Key: "", Value: ""}]}`, the only form that clears them. */
  clearEnvironment: boolean;
  /** Every layer removed: send `Layers: [{LayerName: "", LayerVersion: 0}]`. */
  clearLayers: boolean;
  /** The VPC removed: send `VpcConfig: {VpcId: "", SubnetId: ""}`. */
  clearVpcConfig: boolean;
  reason: string;
}

/** ModifyResourceTags: `replace` to add or change, `remove` to delete; `tags` is the whole desired set. */
export interface UpdateTagsStep {
  action: 'updateTags';
  tags: Record<string, string>;
  replace: Record<string, string>;
  remove: string[];
  reason: string;
}

/**
 * PublishVersion, then point `alias` (when set) at the new version; with `release`, the release moves the alias;
 * with `version`, no PublishVersion: that version already holds serverless.yml's code and configuration, and only
 * the alias is pointed at it.
 */
export interface PublishStep {
  action: 'publish';
  alias?: string;
  /** The version PublishVersion made, once it ran (for the summary). */
  publishedVersion?: string;
  release?: boolean;
  version?: string;
  reason: string;
}

/**
 * Before a strategy's first change of a function whose alias serves $LATEST: publish $LATEST as it is and put the
 * alias on that version, so the change does not reach the alias's traffic before its release.
 */
export interface PinStep {
  action: 'pin';
  alias: string;
  reason: string;
}

export interface CreateTriggerStep {
  action: 'createTrigger';
  trigger: TriggerSpec;
  reason: string;
}

export interface UpdateTriggerStep {
  action: 'updateTrigger';
  trigger: TriggerSpec;
  deployed: DeployedTrigger;
  reason: string;
}

/** DeleteTrigger with the deployed trigger's own type, name, Qualifier and (COS) TriggerDesc. */
export interface DeleteTriggerStep {
  action: 'deleteTrigger';
  trigger: DeployedTrigger;
  reason: string;
}

export type PlanStep =
  | CreateStep
  | RecreateStep
  | WaitStep
  | UpdateCodeStep
  | UpdateConfigurationStep
  | UpdateTagsStep
  | PublishStep
  | PinStep
  | CreateTriggerStep
  | UpdateTriggerStep
  | DeleteTriggerStep;

export interface FunctionPlan {
  key: string;
  functionName: string;
  namespace: string;
  steps: PlanStep[];
}

export interface RemovalStep {
  action: 'deleteFunction';
  functionName: string;
  namespace: string;
  /** Found busy (Creating, Updating, Publishing): wait until it settles before DeleteFunction. */
  waitFirst: boolean;
  /** Found Deleting (an earlier remove was cut short): SCF refuses a second DeleteFunction, so only wait until it is gone. */
  deleting?: boolean;
  reason: string;
}

const BUSY = ['Creating', 'Updating', 'Publishing'];

/** A SHA-256 given as hex or base64 (standard or URL-safe) → lower-case hex; undefined when it is neither. */
export function sha256Hex(text: string | undefined): string | undefined {
  const trimmed = (text ?? '').trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return trimmed.toLowerCase();
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes.toString('hex');
  }
  return undefined;
}

function short(hex: string): string {
  return hex.slice(0, 12);
}

function statusNote(deployed: FunctionInfo): string {
  const reason = deployed.statusReasons.find((r) => r.errorMessage)?.errorMessage || deployed.statusDesc;
  return reason ? ` (${plainText(reason).slice(0, 200)})` : '';
}

function sortedEntries(map: Record<string, string>): Array<[string, string]> {
  return Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Names added (+), removed (-) and changed (~) between two maps; never their values (they may be secrets). */
function mapChanges(want: Record<string, string>, have: Record<string, string>): string[] {
  const changes: string[] = [];
  for (const [key, value] of sortedEntries(want)) {
    if (!Object.prototype.hasOwnProperty.call(have, key)) changes.push(`+${key}`);
    else if (have[key] !== value) changes.push(`~${key}`);
  }
  for (const [key] of sortedEntries(have)) if (!Object.prototype.hasOwnProperty.call(want, key)) changes.push(`-${key}`);
  return changes;
}

/**
 * What UpdateFunctionConfiguration would change. Memory, timeout, description, environment, layers and VPC are
 * always serverless.yml's; role, initTimeout, installDependency and CLS only when serverless.yml sets them (SCF
 * fills in its own: a default init timeout, an automatically created log topic).
 */
export function configurationChanges(want: FunctionConfiguration, have: FunctionConfiguration): { changed: ConfigurationKey[]; details: string[] } {
  const changed: ConfigurationKey[] = [];
  const details: string[] = [];
  const scalar = (key: ConfigurationKey, a: unknown, b: unknown) => {
    if (a === b) return;
    changed.push(key);
    details.push(`${key} ${b === undefined || b === '' ? '(none)' : String(b)} → ${a === undefined || a === '' ? '(none)' : String(a)}`);
  };
  scalar('memorySize', want.memorySize, have.memorySize);
  scalar('timeout', want.timeout, have.timeout);
  if (want.initTimeout !== undefined) scalar('initTimeout', want.initTimeout, have.initTimeout);
  if (want.description !== have.description) {
    changed.push('description');
    details.push('description');
  }
  const environment = mapChanges(want.environment, have.environment);
  if (environment.length) {
    changed.push('environment');
    details.push(`environment (${environment.join(', ')})`);
  }
  if (want.role !== undefined) scalar('role', want.role, have.role);
  const vpc = (v?: { vpcId: string; subnetId: string }) => (v && v.vpcId ? `${v.vpcId}/${v.subnetId}` : undefined);
  scalar('vpcConfig', vpc(want.vpcConfig), vpc(have.vpcConfig));
  const layers = (l: FunctionConfiguration['layers']) => l.map((x) => `${x.name}@${x.version}`).join(', ');
  if (layers(want.layers) !== layers(have.layers)) {
    changed.push('layers');
    details.push(`layers ${layers(have.layers) || '(none)'} → ${layers(want.layers) || '(none)'}`);
  }
  if (want.installDependency !== undefined) scalar('installDependency', want.installDependency, have.installDependency ?? false);
  if (want.clsLogsetId !== undefined && (want.clsLogsetId !== have.clsLogsetId || want.clsTopicId !== have.clsTopicId)) {
    changed.push('cls');
    details.push(`cls topic ${have.clsTopicId ?? '(none)'} → ${want.clsTopicId}`);
  }
  return { changed, details };
}

/** Trigger steps: deletes (gone from serverless.yml, or changed and not updatable), then updates, then creates. */
export function planTriggers(desired: readonly TriggerSpec[], deployed: readonly DeployedTrigger[]): Array<CreateTriggerStep | UpdateTriggerStep | DeleteTriggerStep> {
  // Types deploy does not manage (an older plugin's apigw, a CLS shipping task's cls) are left alone.
  const managed = deployed.filter(isManagedTrigger);
  const matched = new Set<DeployedTrigger>();
  const deletes: DeleteTriggerStep[] = [];
  const updates: UpdateTriggerStep[] = [];
  const creates: CreateTriggerStep[] = [];
  for (const spec of desired) {
    const identity = triggerIdentity(spec);
    const candidates = managed.filter((t) => !matched.has(t) && triggerIdentity(t) === identity);
    const exact = candidates.find((t) => sameTrigger(spec, t));
    if (exact) {
      matched.add(exact);
      continue;
    }
    const found = candidates[0];
    const what = describeTrigger(spec);
    if (!found) {
      creates.push({ action: 'createTrigger', trigger: spec, reason: `${what} is new` });
      continue;
    }
    matched.add(found);
    const differences = triggerDifferences(spec, found).join(', ') || 'desc';
    if (updatableInPlace(spec, found)) {
      updates.push({ action: 'updateTrigger', trigger: spec, deployed: found, reason: `${what} changed (${differences})` });
    } else {
      const why =
        spec.type === 'ckafka'
          ? 'a ckafka trigger keeps its offset and consumer group'
          : spec.type === 'timer'
            ? 'UpdateTrigger cannot take away its argument'
            : `SCF does not update ${spec.type} triggers in place`;
      deletes.push({ action: 'deleteTrigger', trigger: found, reason: `${what} changed (${differences}) and ${why}: delete it, then create it again` });
      creates.push({ action: 'createTrigger', trigger: spec, reason: `${what} created again with its change (${differences})` });
    }
  }
  for (const t of managed) {
    if (!matched.has(t)) deletes.push({ action: 'deleteTrigger', trigger: t, reason: `${describeTrigger(t)} is no longer in serverless.yml` });
  }
  return [...deletes, ...updates, ...creates];
}

function tagStep(desired: DesiredFunction, deployed: FunctionInfo): UpdateTagsStep | undefined {
  // The code record is the deploy's own, written with the code: not a tag serverless.yml speaks of.
  const have = Object.fromEntries(Object.entries(deployed.tags).filter(([key]) => !SYSTEM_TAG_KEY.test(key) && key !== CODE_TAG));
  const changes = mapChanges(desired.tags, have);
  if (!changes.length) return undefined;
  const replace = Object.fromEntries(Object.entries(desired.tags).filter(([key, value]) => have[key] !== value));
  const remove = Object.keys(have).filter((key) => !Object.prototype.hasOwnProperty.call(desired.tags, key));
  const adopting = deployed.tags[SERVICE_TAG] === undefined ? '; the function was not deployed by this plugin before, and takes this service and stage as its owner' : '';
  return { action: 'updateTags', tags: desired.tags, replace, remove, reason: `tags changed (${changes.join(', ')})${adopting}` };
}

function createTriggers(desired: DesiredFunction): CreateTriggerStep[] {
  return desired.triggers.map((trigger) => ({ action: 'createTrigger', trigger, reason: `${describeTrigger(trigger)} is new` }));
}

/** Whether a published version holds serverless.yml's code and configuration (its description is its own). */
export function holdsDesired(desired: DesiredFunction, code: Pick<CodeState, 'sha256' | 'sameFilesSha256'>, version: PublishedVersion): boolean {
  const sameCode = holdsCode(code, version.codeSha256);
  const changed = configurationChanges(desired.configuration, version.info).changed.filter((key) => key !== 'description');
  return sameCode && changed.length === 0 && version.info.handler === desired.configuration.handler;
}

/** A version's code is the package's: the same zip, or (another CLI's zip of) the same files. */
function holdsCode(code: Pick<CodeState, 'sha256' | 'sameFilesSha256'>, versionSha256: string | undefined): boolean {
  const have = sha256Hex(versionSha256);
  return have !== undefined && (have === sha256Hex(code.sha256) || have === sha256Hex(code.sameFilesSha256));
}

/** The alias a function's release moves. */
export function releaseAlias(settings: DeploySettings | undefined): string {
  return settings?.alias ?? RELEASE_ALIAS;
}

/**
 * A strategy's publish: after a change; else when no version holds serverless.yml (a release under way, or the
 * newest version, is released again instead of publishing the same code twice).
 */
function releasePublish(desired: DesiredFunction, code: CodeState, settings: DeploySettings | undefined, changed: boolean, status: string): PublishStep[] {
  const alias = releaseAlias(settings);
  const step = (why: string): PublishStep[] => [{ action: 'publish', alias, release: true, reason: `${why}: publish a version and release it through alias ${alias} (${desired.strategy!.type})` }];
  if (changed) return step('changed');
  if (status === 'PublishFailed') return step('found PublishFailed');
  const read = code.release;
  if (!read) return [];
  if (read.weighted && holdsDesired(desired, code, read.weighted)) return [];
  if (read.newest && holdsDesired(desired, code, read.newest)) return [];
  return step(read.newest ? `version ${read.newest.version} does not hold serverless.yml's code and configuration` : 'no version is published yet');
}

/**
 * A release a strategy's deploy owes a function although it publishes nothing: a version holding serverless.yml
 * the alias does not serve alone yet (a release cut short, a deploy stopped before it, or a rollback undone), or
 * weights left on the alias to a version that holds something else (cleared). Undefined: nothing owed.
 */
export function pendingRelease(desired: DesiredFunction, code: CodeState): { version: string } | { clearWeights: true } | undefined {
  const read = code.release;
  if (!desired.strategy || !read) return undefined;
  const alias = read.alias;
  const servesAlone = (version: string) => alias !== null && alias.functionVersion === version && !alias.weights.some((w) => w.weight > 0);
  for (const candidate of [read.weighted, read.newest]) {
    if (candidate && holdsDesired(desired, code, candidate)) return servesAlone(candidate.version) ? undefined : { version: candidate.version };
  }
  return alias?.weights.some((w) => w.weight > 0) ? { clearWeights: true } : undefined;
}

/**
 * Why the published version (or the alias) is behind serverless.yml although $LATEST is not: a deploy stopped
 * between its changes and PublishVersion, or between PublishVersion and the alias, or the alias is new. When the
 * newest version already holds serverless.yml (PublishVersion went through, the alias did not move), the alias is
 * pointed at it: publishing again would make an identical version.
 */
function publishedBehind(desired: DesiredFunction, code: CodeState, settings: DeploySettings | undefined): { why: string; version?: string } | undefined {
  if (!settings?.publish || code.published === undefined) return undefined;
  const alias = settings.alias ? ` (alias ${settings.alias})` : '';
  const { published, newest } = code;
  if (published && published.version !== '$LATEST' && holdsDesired(desired, code, published)) return undefined;
  const behind =
    published === null
      ? settings.alias
        ? `alias ${settings.alias} does not exist yet`
        : 'no version is published yet'
      : published.version === '$LATEST'
        ? `alias ${settings.alias} is on $LATEST, not on a version`
        : `version ${published.version}${alias} does not hold serverless.yml's ${holdsCode(code, published.codeSha256) ? 'configuration' : 'code'}`;
  if (settings.alias && newest && newest.version !== '$LATEST' && holdsDesired(desired, code, newest)) {
    return { why: `${behind}, and version ${newest.version} (published by a deploy that stopped before the alias moved) does`, version: newest.version };
  }
  return { why: behind };
}

/** The publish that follows a CreateFunction: a release with a strategy, else as publishing says. */
function afterCreate(desired: DesiredFunction, code: CodeState, settings: DeploySettings | undefined, why: string): PublishStep[] {
  return desired.strategy ? releasePublish(desired, code, settings, true, 'Creating') : publishSteps(settings, why);
}

function publishSteps(settings: DeploySettings | undefined, why: string | undefined, version?: string): PublishStep[] {
  if (!settings?.publish || !why) return [];
  if (version && settings.alias) return [{ action: 'publish', alias: settings.alias, version, reason: `${why}: point alias ${settings.alias} at version ${version}, publishing nothing` }];
  const alias = settings.alias ? ` and point alias ${settings.alias} at it` : '';
  return [{ action: 'publish', ...(settings.alias ? { alias: settings.alias } : {}), reason: `${why}: publish a version${alias}` }];
}

/** Refuses to touch a function another service or stage deployed (its tags say whose it is). */
function refuseForeign(desired: DesiredFunction, deployed: FunctionInfo): void {
  const service = deployed.tags[SERVICE_TAG];
  const stage = deployed.tags[STAGE_TAG];
  const want = { service: desired.tags[SERVICE_TAG], stage: desired.tags[STAGE_TAG] };
  if ((service !== undefined && service !== want.service) || (stage !== undefined && stage !== want.stage)) {
    throw inputError(
      `functions.${desired.key} deploys as "${desired.functionName}" in namespace "${desired.namespace}", which service "${service ?? '?'}" stage "${stage ?? '?'}" deployed: give this function another name, or remove that one first.`,
    );
  }
}

/**
 * The steps that bring one deployed function (undefined: none) to the desired state. Throws an inputError for
 * what no step can do: a runtime change, a web function, a function of another service or stage.
 */
export function planFunction(desired: DesiredFunction, deployed: FunctionInfo | undefined, code: CodeState, settings?: DeploySettings): PlanStep[] {
  const where = `"${desired.functionName}" in namespace "${desired.namespace}"`;
  if (!deployed) {
    return [
      { action: 'create', configuration: desired.configuration, tags: desired.tags, reason: `new: create ${where}` },
      ...afterCreate(desired, code, settings, 'created'),
      ...createTriggers(desired),
    ];
  }
  refuseForeign(desired, deployed);
  const status = String(deployed.status);
  if (status === 'CreateFailed') {
    return [
      {
        action: 'recreate',
        configuration: desired.configuration,
        tags: desired.tags,
        reason: `found CreateFailed${statusNote(deployed)}: delete it, wait until it is gone, then create it again`,
      },
      ...afterCreate(desired, code, settings, 'created again'),
      ...createTriggers(desired),
    ];
  }
  if (status === 'Deleting') {
    return [
      { action: 'wait', until: 'gone', status, reason: 'found Deleting: wait until it is gone, then create it again' },
      { action: 'create', configuration: desired.configuration, tags: desired.tags, reason: `create ${where} again after its deletion` },
      ...afterCreate(desired, code, settings, 'created'),
      ...createTriggers(desired),
    ];
  }
  if (deployed.runtime && (normaliseRuntime(deployed.runtime) ?? deployed.runtime) !== desired.configuration.runtime) {
    throw inputError(
      `functions.${desired.key}: ${where} runs ${deployed.runtime} and serverless.yml says ${desired.configuration.runtime}, but SCF cannot change a function's runtime: set runtime back to ${deployed.runtime}, or delete the function and deploy again.`,
    );
  }
  const kind = (type: string) => (type === 'HTTP' ? 'a web function (Type HTTP)' : `an event function (Type ${type})`);
  const deployedType = deployed.type || 'Event';
  if (deployedType !== 'Event') {
    throw inputError(
      `functions.${desired.key}: ${where} is ${kind(deployedType)} and serverless.yml deploys ${kind('Event')}, but SCF cannot change a function's type after it is created: give this function another name, or delete that one and deploy again.`,
    );
  }
  const wantAsync = desired.configuration.asyncRunEnable;
  if (wantAsync !== undefined && wantAsync !== (deployed.asyncRunEnable ?? false)) {
    throw inputError(
      `functions.${desired.key}: ${where} was created with asyncRunEnable ${deployed.asyncRunEnable ? 'on' : 'off'} and serverless.yml turns it ${wantAsync ? 'on' : 'off'}, but SCF sets it at creation only: set asyncRunEnable back to ${Boolean(deployed.asyncRunEnable)}, or delete the function and deploy again.`,
    );
  }

  const steps: PlanStep[] = [];
  if (BUSY.includes(status)) steps.push({ action: 'wait', until: 'Active', status, reason: `found ${status}: wait until it is Active before changing it` });
  const failedUpdate = status === 'UpdateFailed';
  // UpdateFailed: which part failed is unknown, so both go again. PublishFailed, DeleteFailed: $LATEST is as
  // it was, so a plain update (of what differs) follows, its reasons saying what was found.
  const failedNote = failedUpdate
    ? `found UpdateFailed${statusNote(deployed)}: send code and configuration again`
    : status === 'DeleteFailed' || status === 'PublishFailed'
      ? `found ${status}${statusNote(deployed)}: update it as it is`
      : undefined;

  const codeReasons: string[] = [];
  const want = sha256Hex(code.sha256);
  const have = sha256Hex(code.deployedSha256);
  if (code.force) codeReasons.push('forced');
  else if (!have) codeReasons.push("the deployed code's SHA-256 is unknown");
  else if (want !== have && sha256Hex(code.sameFilesSha256) !== have) codeReasons.push(`code changed (SHA-256 ${short(have)}… → ${want ? `${short(want)}…` : code.sha256})`);
  const codeChanged = codeReasons.length > 0;
  const handlerChanged = deployed.handler !== desired.configuration.handler;
  if (handlerChanged) codeReasons.push(`handler ${deployed.handler || '(none)'} → ${desired.configuration.handler}`);
  if (failedUpdate && !codeReasons.length) codeReasons.push(failedNote!);
  if (codeReasons.length) {
    const step: UpdateCodeStep = { action: 'updateCode', handler: desired.configuration.handler, codeChanged: codeChanged || failedUpdate, handlerChanged, reason: codeReasons.join('; ') };
    if (desired.configuration.installDependency !== undefined) step.installDependency = desired.configuration.installDependency;
    steps.push(step);
  }

  const { changed, details } = configurationChanges(desired.configuration, deployed);
  if (changed.length || failedUpdate || code.force) {
    const config = desired.configuration;
    steps.push({
      action: 'updateConfiguration',
      configuration: config,
      changed,
      clearEnvironment: Object.keys(config.environment).length === 0 && Object.keys(deployed.environment).length > 0,
      clearLayers: config.layers.length === 0 && deployed.layers.length > 0,
      clearVpcConfig: !config.vpcConfig && !!deployed.vpcConfig?.vpcId,
      reason: changed.length ? `configuration changed: ${details.join('; ')}` : (failedNote ?? 'forced'),
    });
  }
  const changedFunction = steps.some((s) => s.action === 'updateCode' || s.action === 'updateConfiguration');
  if (desired.strategy) {
    const alias = code.release?.alias;
    if (changedFunction && alias?.functionVersion === '$LATEST') {
      const first = steps.findIndex((s) => s.action === 'updateCode' || s.action === 'updateConfiguration');
      steps.splice(first, 0, { action: 'pin', alias: alias.name, reason: `alias ${alias.name} serves $LATEST, which this deploy changes: publish $LATEST as it is and serve that version until the release` });
    }
    steps.push(...releasePublish(desired, code, settings, changedFunction, status));
  } else {
    const behind = changedFunction || status === 'PublishFailed' ? undefined : publishedBehind(desired, code, settings);
    const publishWhy = changedFunction ? 'changed' : status === 'PublishFailed' ? `found PublishFailed${statusNote(deployed)}` : behind?.why;
    steps.push(...publishSteps(settings, publishWhy, behind?.version));
  }
  const tags = tagStep(desired, deployed);
  if (tags) steps.push(tags);
  steps.push(...planTriggers(desired.triggers, deployed.triggers));
  if (failedNote) {
    for (const step of steps) {
      if ((step.action === 'updateCode' || step.action === 'updateConfiguration') && step.reason !== failedNote) step.reason = `${failedNote}; ${step.reason}`;
    }
  }
  return steps;
}

/**
 * Plans every function, gathering what cannot be done (runtime changes, others' functions) into one inputError.
 * `deployed` and `code` are keyed by the serverless.yml key; a missing `deployed` entry means not deployed.
 */
export function planDeploy(desired: DesiredState, deployed: ReadonlyMap<string, FunctionInfo | undefined>, code: ReadonlyMap<string, CodeState>): FunctionPlan[] {
  const plans: FunctionPlan[] = [];
  const problems: string[] = [];
  for (const fn of desired.functions) {
    const state = code.get(fn.key);
    if (!state) {
      problems.push(`functions.${fn.key}: no package was built for it.`);
      continue;
    }
    try {
      plans.push({ key: fn.key, functionName: fn.functionName, namespace: fn.namespace, steps: planFunction(fn, deployed.get(fn.key), state, desired.settings) });
    } catch (error) {
      if (!isScfError(error)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length === 1) throw inputError(problems[0]);
  if (problems.length > 1) throw inputError(`The deploy cannot go ahead:\n${problems.join('\n')}`);
  return plans;
}

/**
 * The functions to delete because serverless.yml no longer lists them: those of `deployed` that carry this
 * service's and stage's marks and are not desired (in their namespace, by name). Ones already Deleting are left.
 */
export function planRemovals(desired: DesiredState, deployed: readonly FunctionSummary[]): RemovalStep[] {
  const wanted = new Set(desired.functions.map((fn) => `${fn.namespace}/${fn.functionName}`));
  const removals: RemovalStep[] = [];
  for (const fn of deployed) {
    if (fn.tags[SERVICE_TAG] !== desired.service || fn.tags[STAGE_TAG] !== desired.stage) continue;
    if (wanted.has(`${fn.namespace}/${fn.functionName}`) || fn.status === 'Deleting') continue;
    const waitFirst = BUSY.includes(String(fn.status));
    removals.push({
      action: 'deleteFunction',
      functionName: fn.functionName,
      namespace: fn.namespace,
      waitFirst,
      reason: `"${fn.functionName}" in namespace "${fn.namespace}" is no longer in serverless.yml${waitFirst ? ` (found ${fn.status}: wait until it settles first)` : ''}`,
    });
  }
  return removals;
}

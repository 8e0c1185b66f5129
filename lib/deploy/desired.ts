// serverless.yml (as serverless hands it over) → the desired state of every function: name, namespace,
// configuration, tags and triggers, after checking everything SCF would refuse (SCF-DEPLOY.md §2.1, §3, §5).
// Every problem is one line naming its key; all of them come out together, before anything is sent.
// Provider keys are defaults, function keys win; environment and tags are merged (the function's win).
import { RESERVED_ENV_PREFIXES, SCF_RUNTIMES, SYSTEM_TAG_KEY } from '../cloud/scf-rules';
import type { FunctionConfiguration, LayerRef, TriggerSpec, VpcConfig } from '../cloud/types';
import { booleanValue, has, isPlainObject, Problems, show, wholeNumber } from './problems';
import { PIPELINE_DEPLOY_KEYS } from './pipeline-settings';
import { keepVersionsOf, type Strategy, strategyOf } from './strategy';
import { type DesiredLayer, desiredLayers, type LayerBinding, layerBindings } from './layers';
import { type FunctionSettings, functionSettings, webSocketOf } from './settings';
import { triggersFromEvents } from './triggers';
import { closest } from '../config/suggest';

export interface DeployInput {
  service: string;
  stage: string;
  region: string;
  /** serverless.yml `provider`. */
  provider?: unknown;
  /** serverless.yml `functions`. */
  functions?: unknown;
  /** serverless.yml `custom.scf.deploy`. */
  deploy?: unknown;
  /** serverless.yml `layers` (the service's layers). */
  layers?: unknown;
  /** `--namespace`: every function goes there, whatever serverless.yml says. */
  namespace?: unknown;
}

export interface DeploySettings {
  /** Seconds to wait for a function to become Active (after each step). */
  timeout: number;
  /** Publish a version after a function changed. */
  publish: boolean;
  /** Point this alias at the version published (implies publish). */
  alias?: string;
  /** How a new version takes the alias's traffic (implies publish); functions may have their own. */
  strategy?: Strategy;
  /** After a successful deploy, delete the oldest versions beyond this many. */
  keepVersions?: number;
}

/** The alias a release moves: the one triggers are bound to unless serverless.yml names another. */
export const RELEASE_ALIAS = '$DEFAULT';

export interface DesiredFunction {
  /** The function's key in serverless.yml. */
  key: string;
  functionName: string;
  namespace: string;
  configuration: FunctionConfiguration;
  /** The user's tags and the plugin's marks (SERVICE_TAG, STAGE_TAG). */
  tags: Record<string, string>;
  triggers: TriggerSpec[];
  /** Its release strategy (its own `strategy`, else custom.scf.deploy.strategy), when it has one. */
  strategy?: Strategy;
  /**
   * Its layers as serverless.yml names them, in order: `configuration.layers` holds version 0 for a layer of the
   * service until the deploy knows the version it binds (resolveLayerVersions).
   */
  layerBindings?: LayerBinding[];
  /** Reserved and provisioned concurrency, async retries. */
  settings?: FunctionSettings;
}

export interface DesiredState {
  service: string;
  stage: string;
  region: string;
  settings: DeploySettings;
  /** In serverless.yml order. */
  functions: DesiredFunction[];
  /** The namespaces the functions live in, `default` included when used. */
  namespaces: string[];
  /** The service's own layers (top-level `layers:`), their runtimes filled in from the functions binding them. */
  layers: DesiredLayer[];
}

// ---- facts ---------------------------------------------------------------------------------------------------

/** SCF's runtimes (one list with the emulator's). */
export const RUNTIMES = SCF_RUNTIMES;

/** The runtime when neither the function nor the provider names one (SCF's own default, Python2.7, is long dead). */
export const DEFAULT_RUNTIME = 'Nodejs18.15';
export const DEFAULT_MEMORY_SIZE = 128;
export const DEFAULT_TIMEOUT = 3;
export const DEFAULT_NAMESPACE = 'default';
/** The handler the older plugin assumed, for runtimes that name a file and a function. */
export const DEFAULT_HANDLER = 'index.main_handler';
export const DEFAULT_DEPLOY_TIMEOUT = 300;

export const LIMITS = {
  descriptionChars: 1000,
  environmentBytes: 4 * 1024,
  layers: 5,
  tagsPerFunction: 50,
  tagKeyChars: 127,
  tagValueChars: 255,
  namespaceChars: 30,
  namespaceAndNameChars: 118,
} as const;

/** Environment key prefixes SCF keeps for itself (InvalidParameterValue.EnvironmentSystemProtect). */

/**
 * The plugin's marks on every function it deploys, so a later deploy or remove finds what this service and stage
 * deployed (ListFunctions filters `tag-<key>`). The prefix is the plugin's own, refused in users' tags, and
 * within Tencent's tag rules (letters, digits and `+-=._:/@`; not `qcloud`, `tencent`, `project` or `qcs:` first).
 */
export const PLUGIN_TAG_PREFIX = 'sls-tencent-scf.';
export const SERVICE_TAG = `${PLUGIN_TAG_PREFIX}service`;
export const STAGE_TAG = `${PLUGIN_TAG_PREFIX}stage`;
/**
 * What the deployed package holds: `<zip SHA-256>:<content digest>` (lib/deploy/package-contents), written with
 * the code. The next deploy believes it only while the deployed code's CodeSha256 is that zip's: a package made by
 * another tool (the same files, other bytes) is then known to hold the same files and is not sent again.
 */
export const CODE_TAG = `${PLUGIN_TAG_PREFIX}code`;

export function pluginTags(service: string, stage: string): Record<string, string> {
  return { [SERVICE_TAG]: service, [STAGE_TAG]: stage };
}

/**
 * Whose a function is, by its own tags: this service and stage's (both marks say so), another's (a mark says
 * otherwise), or nobody's (no mark: made by hand, or by another tool). Only `ours` may be deleted.
 */
export function ownerOf(tags: Record<string, string>, service: string, stage: string): 'ours' | 'others' | 'unmarked' {
  const marked = { service: tags[SERVICE_TAG], stage: tags[STAGE_TAG] };
  if (marked.service === service && marked.stage === stage) return 'ours';
  if (marked.service === undefined && marked.stage === undefined) return 'unmarked';
  return 'others';
}

export type RuntimeFamily = 'nodejs' | 'python' | 'php' | 'go' | 'java' | 'custom';

/** `nodejs18.15` → `Nodejs18.15`; undefined for a name SCF does not know. */
export function normaliseRuntime(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  return RUNTIMES.find((runtime) => runtime.toLowerCase() === lower);
}

export function runtimeFamily(runtime: string): RuntimeFamily {
  const lower = runtime.toLowerCase();
  if (lower.startsWith('nodejs')) return 'nodejs';
  if (lower.startsWith('python')) return 'python';
  if (lower.startsWith('php')) return 'php';
  if (lower.startsWith('go')) return 'go';
  if (lower.startsWith('java')) return 'java';
  return 'custom';
}

const FUNCTION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
const NAMESPACE = /^[A-Za-z0-9_-]{1,30}$/;
/** A file or function name in a handler: a letter first, letters, digits, `_` and `-`, 2–60 characters. */
const HANDLER_PART = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
const JAVA_HANDLER = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*::[A-Za-z_$][\w$]*$/;
const ENV_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const TAG_TEXT = /^[\p{L}\p{N} +\-=._:/@]*$/u;
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const ROLE = /^[A-Za-z0-9_+=,.@-]{1,128}$/;
const VPC_ID = /^vpc-[A-Za-z0-9]+$/;
const SUBNET_ID = /^subnet-[A-Za-z0-9]+$/;

// ---- checks of one value ---------------------------------------------------------------------------------------

type Check<T> = (value: unknown, where: string, problems: Problems) => T | undefined;

const runtimeCheck: Check<string> = (value, where, problems) => {
  const runtime = typeof value === 'string' ? normaliseRuntime(value) : undefined;
  const near = typeof value === 'string' ? closest(value, RUNTIMES) : undefined;
  if (!runtime) problems.add(where, `must be one of SCF's runtimes (${RUNTIMES.join(', ')}), not ${show(value)}${near ? ` (did you mean ${near}?)` : ''}`);
  return runtime;
};

const memoryCheck: Check<number> = (value, where, problems) => {
  const memory = wholeNumber(value);
  if (memory === 64 || (memory !== undefined && memory >= 128 && memory <= 3072 && memory % 128 === 0)) return memory;
  problems.add(where, `must be 64 or a multiple of 128 from 128 to 3072, not ${show(value)}`);
  return undefined;
};

function secondsCheck(min: number, max: number): Check<number> {
  return (value, where, problems) => {
    const seconds = wholeNumber(value);
    if (seconds !== undefined && seconds >= min && seconds <= max) return seconds;
    problems.add(where, `must be a whole number of seconds from ${min} to ${max}, not ${show(value)}`);
    return undefined;
  };
}

const descriptionCheck: Check<string> = (value, where, problems) => {
  if (typeof value !== 'string') {
    problems.add(where, `must be a string, not ${show(value)}`);
    return undefined;
  }
  if (value.length > LIMITS.descriptionChars) {
    problems.add(where, `must be at most ${LIMITS.descriptionChars} characters, not ${value.length}`);
    return undefined;
  }
  return value;
};

const roleCheck: Check<string> = (value, where, problems) => {
  if (typeof value === 'string' && ROLE.test(value)) return value;
  problems.add(where, `must be the name of a CAM role (letters, digits and +=,.@_-), not ${show(value)}`);
  return undefined;
};

const booleanCheck: Check<boolean> = (value, where, problems) => {
  const flag = booleanValue(value);
  if (flag === undefined) problems.add(where, `must be true or false, not ${show(value)}`);
  return flag;
};

/** `{vpcId, subnetId}`: both or neither (null when neither, so a function can drop the provider's VPC). */
const vpcCheck: Check<VpcConfig | null> = (value, where, problems) => {
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of vpcId and subnetId, not ${show(value)}`);
    return undefined;
  }
  const known = ['vpcId', 'subnetId'];
  for (const key of Object.keys(value)) if (!known.includes(key)) problems.add(`${where}.${key}`, 'is not a vpcConfig key: use vpcId and subnetId');
  const vpcId = value.vpcId ?? '';
  const subnetId = value.subnetId ?? '';
  if (vpcId === '' && subnetId === '') return null;
  if (vpcId === '' || subnetId === '') {
    problems.add(where, `needs both vpcId and subnetId (or neither), not only ${vpcId === '' ? 'subnetId' : 'vpcId'}`);
    return undefined;
  }
  let ok = true;
  if (typeof vpcId !== 'string' || !VPC_ID.test(vpcId)) {
    problems.add(`${where}.vpcId`, `must be a VPC id like vpc-abc123, not ${show(vpcId)}`);
    ok = false;
  }
  if (typeof subnetId !== 'string' || !SUBNET_ID.test(subnetId)) {
    problems.add(`${where}.subnetId`, `must be a subnet id like subnet-abc123, not ${show(subnetId)}`);
    ok = false;
  }
  return ok ? { vpcId: vpcId as string, subnetId: subnetId as string } : undefined;
};

/** `{logsetId, topicId}`: the CLS topic the function logs to; both or neither. */
const clsCheck: Check<{ logsetId: string; topicId: string } | null> = (value, where, problems) => {
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of logsetId and topicId, not ${show(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) if (key !== 'logsetId' && key !== 'topicId') problems.add(`${where}.${key}`, 'is not a cls key: use logsetId and topicId');
  const logsetId = value.logsetId ?? '';
  const topicId = value.topicId ?? '';
  if (logsetId === '' && topicId === '') return null;
  if (typeof logsetId !== 'string' || typeof topicId !== 'string' || logsetId === '' || topicId === '') {
    problems.add(where, `needs both logsetId and topicId as strings, not ${show(value)}`);
    return undefined;
  }
  return { logsetId, topicId };
};

// ---- maps: environment and tags --------------------------------------------------------------------------------

/** One scalar value of a map (environment, tags) as the string SCF stores. */
function scalar(value: unknown, where: string, problems: Problems): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  problems.add(where, `must be a string, number or boolean, not ${show(value)}`);
  return undefined;
}

/** `environment: {K: V}`, or the older plugin's `environment: { variables: {K: V} }`. */
function environmentOf(value: unknown, where: string, problems: Problems): Map<string, string> {
  const variables = new Map<string, string>();
  if (value === undefined || value === null) return variables;
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of variable names to values, not ${show(value)}`);
    return variables;
  }
  const entries: Array<[string, unknown, string]> = [];
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'variables' && isPlainObject(inner)) {
      for (const [name, v] of Object.entries(inner)) entries.push([name, v, `${where}.variables.${name}`]);
    } else entries.push([key, inner, `${where}.${key}`]);
  }
  for (const [key, inner, at] of entries) {
    if (!ENV_KEY.test(key)) {
      problems.add(at, 'is not a valid variable name: a letter, then letters, digits and _');
      continue;
    }
    const reserved = RESERVED_ENV_PREFIXES.find((prefix) => key.startsWith(prefix));
    if (reserved) {
      problems.add(at, `starts with ${reserved}, which SCF keeps for its own variables (${RESERVED_ENV_PREFIXES.join(', ')})`);
      continue;
    }
    const text = inner === null || inner === undefined ? '' : scalar(inner, at, problems);
    if (text === undefined) continue;
    if (text === '') {
      problems.add(at, 'is empty: SCF refuses empty values (leave the variable out instead)');
      continue;
    }
    variables.set(key, text);
  }
  return variables;
}

function tagsOf(value: unknown, where: string, problems: Problems): Map<string, string> {
  const tags = new Map<string, string>();
  if (value === undefined || value === null) return tags;
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of tag keys to values, not ${show(value)}`);
    return tags;
  }
  for (const [key, inner] of Object.entries(value)) {
    const at = `${where}.${key}`;
    if (key.startsWith(PLUGIN_TAG_PREFIX)) {
      problems.add(at, `uses the prefix ${PLUGIN_TAG_PREFIX}, which the plugin keeps for its own marks`);
      continue;
    }
    if (SYSTEM_TAG_KEY.test(key)) {
      problems.add(at, 'is a tag key Tencent Cloud reserves (qcloud, tencent, project and qcs: come first in its own keys)');
      continue;
    }
    if (key.length > LIMITS.tagKeyChars || !TAG_TEXT.test(key)) {
      problems.add(at, `is not a valid tag key: up to ${LIMITS.tagKeyChars} letters, digits, spaces and + - = . _ : / @`);
      continue;
    }
    const text = scalar(inner, at, problems);
    if (text === undefined) continue;
    if (text.length > LIMITS.tagValueChars || !TAG_TEXT.test(text)) {
      problems.add(at, `must be a tag value of up to ${LIMITS.tagValueChars} letters, digits, spaces and + - = . _ : / @, not ${show(text)}`);
      continue;
    }
    tags.set(key, text);
  }
  return tags;
}

// ---- one function ------------------------------------------------------------------------------------------

/** Provider keys as defaults for every function, each checked once (a bad default is one problem, not one per function). */
class Defaults {
  private readonly checked = new Map<string, { value: unknown }>();

  constructor(
    private readonly provider: Record<string, unknown>,
    private readonly problems: Problems,
  ) {}

  /** The function's value if it has one, else the provider's, else undefined (a bad one: undefined, problem noted). */
  value<T>(fn: Record<string, unknown>, fnWhere: string, key: string, check: Check<T>): T | undefined {
    if (has(fn, key)) return check(fn[key], `${fnWhere}.${key}`, this.problems);
    if (!has(this.provider, key)) return undefined;
    if (!this.checked.has(key)) this.checked.set(key, { value: check(this.provider[key], `provider.${key}`, this.problems) });
    return this.checked.get(key)!.value as T | undefined;
  }

  /** Whether the value came from the function or the provider at all (valid or not). */
  given(fn: Record<string, unknown>, key: string): boolean {
    return has(fn, key) || has(this.provider, key);
  }
}

function handlerProblem(handler: unknown, family: RuntimeFamily): string | undefined {
  if (typeof handler !== 'string') return 'must be a string';
  switch (family) {
    case 'java':
      return JAVA_HANDLER.test(handler) ? undefined : 'must be package.Class::method for Java (e.g. example.Hello::mainHandler)';
    case 'go':
      return HANDLER_PART.test(handler) ? undefined : "must be the name of the Go executable (e.g. main): 2 to 60 letters, digits, - or _, a letter first";
    default: {
      const dot = handler.lastIndexOf('.');
      const file = handler.slice(0, dot);
      const method = handler.slice(dot + 1);
      const ok = dot > 0 && HANDLER_PART.test(method) && file.split('/').every((part) => HANDLER_PART.test(part));
      return ok
        ? undefined
        : 'must be file.function, the file possibly in a folder (e.g. index.main_handler or src/app.handler), each name 2 to 60 letters, digits, - or _, a letter first';
    }
  }
}

function defaultHandler(family: RuntimeFamily): string | undefined {
  if (family === 'java') return undefined;
  return family === 'go' ? 'main' : DEFAULT_HANDLER;
}

/** A key present in the map, even with a null value. */
function given(map: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(map, key) && map[key] !== undefined;
}

function namespaceCheck(value: unknown, where: string, problems: Problems): string | undefined {
  if (typeof value === 'string' && NAMESPACE.test(value)) return value;
  problems.add(where, `must be a string of 1 to ${LIMITS.namespaceChars} letters, digits, - or _, not ${show(value)}`);
  return undefined;
}

function desiredFunction(key: string, raw: unknown, input: DeployInput, defaults: Defaults, providerEnv: Map<string, string>, providerTags: Map<string, string>, providerNamespace: string | undefined, problems: Problems, serviceLayers: DesiredLayer[] = []): DesiredFunction | undefined {
  const where = `functions.${key}`;
  if (raw !== null && raw !== undefined && !isPlainObject(raw)) {
    problems.add(where, `must be a map of the function's settings, not ${show(raw)}`);
    return undefined;
  }
  const fn: Record<string, unknown> = raw ?? {};
  const before = problems.lines.length;

  // A namespace key that is there but not a name (`namespace:` left empty, a list, a number) is refused, not skipped.
  const namespace =
    input.namespace !== undefined
      ? (typeof input.namespace === 'string' && NAMESPACE.test(input.namespace) ? input.namespace : undefined)
      : given(fn, 'namespace')
        ? namespaceCheck(fn.namespace, `${where}.namespace`, problems)
        : (providerNamespace ?? DEFAULT_NAMESPACE);

  let functionName: string | undefined = `${input.service}-${input.stage}-${key}`;
  const nameWhere = has(fn, 'name') ? `${where}.name` : where;
  if (has(fn, 'name')) functionName = typeof fn.name === 'string' ? fn.name : undefined;
  if (functionName === undefined || !FUNCTION_NAME.test(functionName)) {
    const given = has(fn, 'name') ? show(fn.name) : `the default name "${functionName}" (service-stage-key): set ${where}.name`;
    problems.add(nameWhere, `must be a function name SCF accepts (2 to 60 letters, digits, - or _, a letter first, not ending with - or _), not ${given}`);
    functionName = undefined;
  } else if (namespace && namespace.length + functionName.length > LIMITS.namespaceAndNameChars) {
    problems.add(nameWhere, `"${functionName}" and namespace "${namespace}" are ${namespace.length + functionName.length} characters together: SCF allows ${LIMITS.namespaceAndNameChars}`);
  }

  const runtime = defaults.value(fn, where, 'runtime', runtimeCheck) ?? (defaults.given(fn, 'runtime') ? undefined : DEFAULT_RUNTIME);
  let handler: string | undefined;
  // A web function (SCF Type HTTP) is started by its scf_bootstrap: it names no handler.
  const web = fn.type === 'web';
  if (has(fn, 'type') && fn.type !== 'web' && fn.type !== 'event') problems.add(`${where}.type`, `must be web (a web function: an HTTP server started by scf_bootstrap) or event, not ${show(fn.type)}`);
  if (web && has(fn, 'handler')) problems.add(`${where}.handler`, 'is not used by a web function: its scf_bootstrap starts it (leave handler out)');
  if (!web && (has(fn, 'instanceConcurrency') || has(fn, 'webSocket'))) problems.add(where, 'sets instanceConcurrency or webSocket, which web functions take (type: web)');
  if (web) handler = '';
  else if (runtime) {
    const family = runtimeFamily(runtime);
    handler = has(fn, 'handler') ? (fn.handler as string) : defaultHandler(family);
    if (handler === undefined) problems.add(where, `needs a handler: ${runtime} takes package.Class::method (e.g. example.Hello::mainHandler)`);
    else {
      const problem = handlerProblem(handler, family);
      if (problem) {
        problems.add(`${where}.handler`, `${problem}, not ${show(handler)}`);
        handler = undefined;
      }
    }
  }

  const memorySize = defaults.value(fn, where, 'memorySize', memoryCheck) ?? DEFAULT_MEMORY_SIZE;
  const timeout = defaults.value(fn, where, 'timeout', secondsCheck(1, 900)) ?? DEFAULT_TIMEOUT;
  const initTimeout = defaults.value(fn, where, 'initTimeout', secondsCheck(1, 300));
  const description = defaults.value(fn, where, 'description', descriptionCheck) ?? '';
  const role = defaults.value(fn, where, 'role', roleCheck);
  const vpcConfig = defaults.value(fn, where, 'vpcConfig', vpcCheck);
  const bindings = defaults.value(fn, where, 'layers', (value, at, p) => layerBindings(value, at, p, serviceLayers)) ?? [];
  const layers: LayerRef[] = bindings.map((b) => ('key' in b ? { name: serviceLayers.find((l) => l.key === b.key)!.name, version: 0 } : b));
  const instanceConcurrency = web && has(fn, 'instanceConcurrency') ? wholeNumber(fn.instanceConcurrency) : undefined;
  if (web && has(fn, 'instanceConcurrency') && (instanceConcurrency === undefined || instanceConcurrency < 1 || instanceConcurrency > 100)) {
    problems.add(`${where}.instanceConcurrency`, `must be a whole number from 1 to 100 (requests one instance serves at once), not ${show(fn.instanceConcurrency)}`);
  }
  const webSocket = web ? webSocketOf(fn.webSocket, `${where}.webSocket`, problems) : undefined;
  const installDependency = defaults.value(fn, where, 'installDependency', booleanCheck);
  if (installDependency && runtime && runtimeFamily(runtime) !== 'nodejs') {
    problems.add(has(fn, 'installDependency') ? `${where}.installDependency` : 'provider.installDependency', `applies to Node.js runtimes only, and ${key} runs ${runtime}`);
  }
  const cls = defaults.value(fn, where, 'cls', clsCheck);
  const asyncRunEnable = defaults.value(fn, where, 'asyncRunEnable', booleanCheck);

  const environment = new Map(providerEnv);
  for (const [name, value] of environmentOf(fn.environment, `${where}.environment`, problems)) environment.set(name, value);
  const environmentBytes = [...environment].reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value), 0);
  if (environmentBytes > LIMITS.environmentBytes) {
    problems.add(`${where}.environment`, `takes ${environmentBytes} bytes (names and values, provider and function merged): SCF allows ${LIMITS.environmentBytes}`);
  }

  const tags = new Map(providerTags);
  for (const [name, value] of tagsOf(fn.tags, `${where}.tags`, problems)) tags.set(name, value);
  for (const [name, value] of Object.entries(pluginTags(input.service, input.stage))) tags.set(name, value);
  if (tags.size + 1 > LIMITS.tagsPerFunction) problems.add(`${where}.tags`, `makes ${tags.size + 1} tags with the plugin's 3 marks: Tencent Cloud allows ${LIMITS.tagsPerFunction} per resource`);

  const triggers = triggersFromEvents(fn.events, `${where}.events`, input.region, problems);
  const strategy = strategyOf(fn.strategy, `${where}.strategy`, problems);
  const settings = functionSettings(fn, where, memorySize, problems);

  if (problems.lines.length > before || !namespace || !functionName || !runtime || handler === undefined) return undefined;
  const configuration: FunctionConfiguration = {
    runtime,
    handler,
    memorySize,
    timeout,
    description,
    environment: Object.fromEntries(environment),
    layers,
  };
  if (initTimeout !== undefined) configuration.initTimeout = initTimeout;
  if (role !== undefined) configuration.role = role;
  if (vpcConfig) configuration.vpcConfig = vpcConfig;
  if (installDependency !== undefined) configuration.installDependency = installDependency;
  if (asyncRunEnable !== undefined) configuration.asyncRunEnable = asyncRunEnable;
  if (web) configuration.web = true;
  if (instanceConcurrency !== undefined) configuration.instanceConcurrency = instanceConcurrency;
  if (webSocket !== undefined) configuration.webSocketIdleTimeout = webSocket;
  if (cls) {
    configuration.clsLogsetId = cls.logsetId;
    configuration.clsTopicId = cls.topicId;
  }
  const desired: DesiredFunction = { key, functionName, namespace, configuration, tags: Object.fromEntries(tags), triggers, layerBindings: bindings, settings };
  if (strategy) desired.strategy = strategy;
  return desired;
}

function deploySettings(value: unknown, problems: Problems): DeploySettings {
  const settings: DeploySettings = { timeout: DEFAULT_DEPLOY_TIMEOUT, publish: false };
  if (value === undefined || value === null) return settings;
  const where = 'custom.scf.deploy';
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of timeout, publish and alias, not ${show(value)}`);
    return settings;
  }
  const known = ['timeout', 'publish', 'alias', 'strategy', 'keepVersions', ...PIPELINE_DEPLOY_KEYS];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) problems.add(`${where}.${key}`, `is not a deploy setting: use ${known.slice(0, -1).join(', ')} and ${known[known.length - 1]}`);
  }
  if (has(value, 'timeout')) {
    const timeout = typeof value.timeout === 'number' ? value.timeout : wholeNumber(value.timeout);
    if (timeout === undefined || !(timeout > 0) || !Number.isFinite(timeout)) problems.add(`${where}.timeout`, `must be a number of seconds above 0, not ${show(value.timeout)}`);
    else settings.timeout = timeout;
  }
  const publish = has(value, 'publish') ? booleanCheck(value.publish, `${where}.publish`, problems) : undefined;
  if (has(value, 'alias')) {
    if (typeof value.alias !== 'string' || !ALIAS.test(value.alias)) problems.add(`${where}.alias`, `must be an alias name (a letter, then up to 63 letters, digits, - or _), not ${show(value.alias)}`);
    else if (publish === false) problems.add(`${where}.alias`, 'needs a published version to point at: drop publish: false, or the alias');
    else settings.alias = value.alias;
  }
  const strategy = strategyOf(value.strategy, `${where}.strategy`, problems);
  if (strategy) {
    settings.strategy = strategy;
    if (publish === false) problems.add(`${where}.strategy`, 'releases published versions: drop publish: false, or the strategy');
  }
  const keepVersions = keepVersionsOf(value.keepVersions, `${where}.keepVersions`, problems);
  if (keepVersions !== undefined) settings.keepVersions = keepVersions;
  settings.publish = publish === true || settings.alias !== undefined || strategy !== undefined;
  return settings;
}

/**
 * The desired state of every function of serverless.yml, or one inputError with a line per problem. Nothing is
 * read from anywhere but `input`.
 */
export function desiredState(input: DeployInput): DesiredState {
  const problems = new Problems();
  const provider = isPlainObject(input.provider) ? input.provider : {};
  const functions = input.functions === undefined || input.functions === null ? {} : input.functions;
  const settings = deploySettings(input.deploy, problems);
  const defaults = new Defaults(provider, problems);
  const providerEnv = environmentOf(provider.environment, 'provider.environment', problems);
  const providerTags = tagsOf(provider.tags, 'provider.tags', problems);
  const providerNamespace = given(provider, 'namespace') ? namespaceCheck(provider.namespace, 'provider.namespace', problems) : undefined;
  const serviceLayers = desiredLayers(input.layers, input.service, input.stage, problems, normaliseRuntime);
  if (input.namespace !== undefined && !(typeof input.namespace === 'string' && NAMESPACE.test(input.namespace))) {
    problems.add('--namespace', `must be 1 to ${LIMITS.namespaceChars} letters, digits, - or _, not ${show(input.namespace)}`);
  }

  const desired: DesiredFunction[] = [];
  if (!isPlainObject(functions)) problems.add('functions', `must be a map of function keys to their settings, not ${show(functions)}`);
  else {
    for (const [key, raw] of Object.entries(functions)) {
      const fn = desiredFunction(key, raw, input, defaults, providerEnv, providerTags, providerNamespace, problems, serviceLayers);
      if (fn && !fn.strategy && settings.strategy) fn.strategy = settings.strategy;
      if (fn) desired.push(fn);
    }
  }
  const byTarget = new Map<string, string>();
  for (const fn of desired) {
    const target = `${fn.namespace}/${fn.functionName}`;
    const first = byTarget.get(target);
    if (first) problems.add(`functions.${fn.key}`, `deploys as "${fn.functionName}" in namespace "${fn.namespace}", as functions.${first} does: give one a different name`);
    else byTarget.set(target, fn.key);
  }
  // A layer of the service runs with the runtimes of the functions that bind it, unless it names its own.
  for (const layer of serviceLayers) {
    const users = desired.filter((fn) => (fn.layerBindings ?? []).some((b) => 'key' in b && b.key === layer.key));
    if (!layer.compatibleRuntimes.length) {
      layer.compatibleRuntimes = [...new Set(users.map((fn) => fn.configuration.runtime))];
      if (!layer.compatibleRuntimes.length) layer.compatibleRuntimes = [normaliseRuntime(String(provider.runtime ?? '')) ?? DEFAULT_RUNTIME];
    }
    for (const fn of users) {
      if (!layer.compatibleRuntimes.includes(fn.configuration.runtime)) {
        problems.add(`functions.${fn.key}.layers`, `binds layers.${layer.key}, whose compatibleRuntimes (${layer.compatibleRuntimes.join(', ')}) leave out the function's ${fn.configuration.runtime}`);
      }
    }
  }
  problems.throwIfAny();
  const namespaces = [...new Set(desired.map((fn) => fn.namespace))];
  return { service: input.service, stage: input.stage, region: input.region, settings, functions: desired, namespaces, layers: serviceLayers };
}

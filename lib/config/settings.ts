// Resolution of region, stage, namespace, function names and endpoint from options, serverless.yml and the
// environment. Pure: the caller hands in what serverless (or the emulator) read.
import { ScfError, inputError } from '../cloud/errors';
import type { FunctionTarget } from '../cloud/types';
import { didYouMean } from './suggest';

export const DEFAULT_REGION = 'ap-guangzhou';
export const DEFAULT_STAGE = 'dev';
export const DEFAULT_NAMESPACE = 'default';
export const DEFAULT_ENDPOINT = 'https://scf.tencentcloudapi.com';
/** The legacy (v2) API lives on a host of its own (API doc 583/9746), not on the API 3.0 host. */
export const LEGACY_ENDPOINT = 'https://scf.api.qcloud.com';

export interface ProviderConfig {
  name?: string;
  region?: string;
  stage?: string;
  namespace?: string;
  endpoint?: string;
  clsEndpoint?: string;
  monitorEndpoint?: string;
  tagEndpoint?: string;
  cosEndpoint?: string;
  stsEndpoint?: string;
  ssmEndpoint?: string;
  /** A role to act as (lib/config/assume-role.ts): its ARN, or a map with roleArn and more. */
  assumeRole?: unknown;
  /** COS bucket (`<name>-<appid>`) for packages too large to send inline. */
  deploymentBucket?: string;
  legacyApi?: boolean;
  credentials?: string;
  profile?: string;
}

export interface FunctionConfig {
  name?: string;
  namespace?: string;
  handler?: string;
  timeout?: number;
  memorySize?: number;
  smoke?: unknown;
}

export interface ServiceConfig {
  service: string;
  provider: ProviderConfig;
  functions: Record<string, FunctionConfig>;
}

export interface CommonOptions {
  region?: string;
  stage?: string;
  namespace?: string;
}

const REGION_PATTERN = /^[a-z]{2,}-[a-z]+(-[a-z0-9]+)*$/;
const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$/;
/** SCF's rule: 2–60 letters, digits, `-` and `_`, starting with a letter, not ending with `-` or `_`. */
const FUNCTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/;
const STAGE_PATTERN = /^[A-Za-z0-9-_]+$/;

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function resolveRegion(options: CommonOptions, provider: ProviderConfig, env: Record<string, string | undefined>): string {
  const region = nonEmpty(options.region) ?? nonEmpty(provider.region) ?? nonEmpty(env.TENCENTCLOUD_REGION) ?? DEFAULT_REGION;
  if (!REGION_PATTERN.test(region)) {
    throw inputError(`Region "${region}" is not a Tencent Cloud region name (like ap-guangzhou or na-siliconvalley).`);
  }
  return region;
}

export function resolveStage(options: CommonOptions, provider: ProviderConfig): string {
  const stage = nonEmpty(options.stage) ?? nonEmpty(provider.stage) ?? DEFAULT_STAGE;
  if (!STAGE_PATTERN.test(stage)) throw inputError(`Stage "${stage}" may hold only letters, digits, "-" and "_".`);
  return stage;
}

/** `Function "gret" is not defined in serverless.yml. Did you mean "greet"? Known functions: ...` */
export function unknownFunctionText(key: string, known: readonly string[]): string {
  if (!known.length) return `Function "${key}" is not defined in serverless.yml. The service defines no functions.`;
  return `Function "${key}" is not defined in serverless.yml.${didYouMean(key, known)} Known functions: ${known.join(', ')}.`;
}

/** The function's deployed name and namespace; an unknown key is an error that lists the known ones. */
export function resolveFunction(service: ServiceConfig, key: string, stage: string, options: CommonOptions = {}): FunctionTarget {
  const functions = service.functions ?? {};
  const config = Object.prototype.hasOwnProperty.call(functions, key) ? functions[key] : undefined;
  if (!config) {
    const known = Object.keys(functions);
    throw new ScfError(
      'Plugin.UnknownFunction',
      unknownFunctionText(key, known),
    );
  }
  const namespace =
    setting(options.namespace, '--namespace') ?? setting(config.namespace, `functions.${key}.namespace`) ?? setting(service.provider.namespace, 'provider.namespace') ?? DEFAULT_NAMESPACE;
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw inputError(`Namespace "${namespace}" is not valid: up to 30 letters, digits, "-" or "_", starting with a letter or digit.`);
  }
  const functionName = setting(config.name, `functions.${key}.name`) ?? `${service.service}-${stage}-${key}`;
  if (!FUNCTION_NAME_PATTERN.test(functionName)) {
    throw inputError(
      `Function name "${functionName}" (functions.${key}) is not one SCF accepts: 2 to 60 letters, digits, "-" or "_", starting with a letter and not ending with "-" or "_". Set functions.${key}.name.`,
    );
  }
  if (namespace.length + functionName.length > 118) throw inputError(`Namespace and function name of functions.${key} are longer than SCF's 118 characters together.`);
  return { functionName, namespace };
}

/** An optional string setting: absent is undefined; anything but a non-empty string is refused, naming where. */
function setting(value: unknown, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !value.trim()) {
    throw inputError(`${where} must be a non-empty string, not ${JSON.stringify(value)}.`);
  }
  return value.trim();
}

export interface Endpoint {
  protocol: 'https:' | 'http:';
  hostname: string;
  port?: number;
  /** host[:port] as addressed (the port only when it is not the scheme's default). */
  host: string;
  /** scheme://host[:port], no path. */
  origin: string;
}

export function isLoopback(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Parses `scheme://host[:port]`; plain http is accepted only for loopback hosts. */
export function parseEndpoint(text: string, origin = 'provider.endpoint'): Endpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw inputError(`${origin} "${text}" is not a URL like https://scf.tencentcloudapi.com.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw inputError(`${origin} "${text}" must start with https:// (or http:// for a loopback address).`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw inputError(`${origin} "${text}" must be scheme://host[:port] only: the client adds the path itself.`);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) {
    throw inputError(`${origin} "${text}" uses plain http to a host that is not loopback: use https, credentials must not travel in clear.`);
  }
  return {
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    host: url.host,
    origin: `${url.protocol}//${url.host}`,
  };
}

/** provider.endpoint, else TENCENTCLOUD_SCF_ENDPOINT, else the public host of the API spoken (API 3.0 or the legacy API). */
export function resolveEndpoint(provider: ProviderConfig, env: Record<string, string | undefined>): Endpoint {
  if (nonEmpty(provider.endpoint)) return parseEndpoint(provider.endpoint!.trim(), 'provider.endpoint');
  if (nonEmpty(env.TENCENTCLOUD_SCF_ENDPOINT)) return parseEndpoint(env.TENCENTCLOUD_SCF_ENDPOINT!.trim(), 'TENCENTCLOUD_SCF_ENDPOINT');
  return parseEndpoint(provider.legacyApi === true ? LEGACY_ENDPOINT : DEFAULT_ENDPOINT);
}

/** The other services the plugin speaks: their setting, environment variable and public host. */
const SERVICE_ENDPOINTS = {
  cls: { setting: 'clsEndpoint', env: 'TENCENTCLOUD_CLS_ENDPOINT', host: 'https://cls.tencentcloudapi.com' },
  tag: { setting: 'tagEndpoint', env: 'TENCENTCLOUD_TAG_ENDPOINT', host: 'https://tag.tencentcloudapi.com' },
  monitor: { setting: 'monitorEndpoint', env: 'TENCENTCLOUD_MONITOR_ENDPOINT', host: 'https://monitor.tencentcloudapi.com' },
  cos: { setting: 'cosEndpoint', env: 'TENCENTCLOUD_COS_ENDPOINT', host: undefined },
  sts: { setting: 'stsEndpoint', env: 'TENCENTCLOUD_STS_ENDPOINT', host: 'https://sts.tencentcloudapi.com' },
  ssm: { setting: 'ssmEndpoint', env: 'TENCENTCLOUD_SSM_ENDPOINT', host: 'https://ssm.tencentcloudapi.com' },
} as const;

/**
 * Another service's endpoint: its provider setting (provider.clsEndpoint, ...), its environment variable
 * (TENCENTCLOUD_CLS_ENDPOINT, ...), else the SCF endpoint when that is a loopback address (the emulator serves
 * every service on one port), else the service's public host (COS: the SDK's own, per bucket and region).
 */
export function resolveServiceEndpoint(service: keyof typeof SERVICE_ENDPOINTS, provider: ProviderConfig, env: Record<string, string | undefined>, scf: Endpoint): Endpoint | undefined {
  const spec = SERVICE_ENDPOINTS[service];
  const configured = (provider as Record<string, unknown>)[spec.setting];
  if (nonEmpty(configured)) return parseEndpoint(String(configured).trim(), `provider.${spec.setting}`);
  if (nonEmpty(env[spec.env])) return parseEndpoint(env[spec.env]!.trim(), spec.env);
  if (isLoopback(scf.hostname)) return scf;
  return spec.host ? parseEndpoint(spec.host) : undefined;
}

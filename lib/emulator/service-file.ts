// Reads a service's configuration the way serverless would for the fields that decide what is deployed where:
// service name, stage, region, namespaces, function names, handlers, runtimes, limits and environments. The file is
// found as serverless finds it (serverless.yml, .yaml, .json, .js, .mjs, .cjs, .ts). Variables in those fields
// (`${opt:stage, 'dev'}`, `${sls:stage}`, `${self:...}`, `${env:X}`, `${file(./config.json):a.b}`) are resolved;
// everything else is left alone.
import * as fs from 'fs';
import { createRequire } from 'module';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { handlerProblem } from '../config/handlers';
import { resolveFunction, resolveStage, type ServiceConfig } from '../config/settings';
import { ScfError } from '../cloud/errors';
import { Problems } from '../deploy/problems';
import { triggersFromEvents } from '../deploy/triggers';
import { DEFAULT_RUNTIME } from '../runtime/runtimes';

/** SCF's cap on a function's timeout, in seconds. */
export const MAX_TIMEOUT_SECONDS = 900;

export interface EmulatedFunction {
  key: string;
  functionName: string;
  namespace: string;
  /** `file.export`, as serverless.yml gives it (the file relative to the service directory). */
  handler: string;
  /** SCF runtime name (function, else provider `runtime`). */
  runtime: string;
  /** Seconds. */
  timeout: number;
  /** MB. */
  memorySize: number;
  /** provider.environment merged with the function's (the function's win), values as strings. */
  environment: Record<string, string>;
  /** Its timer triggers (`events: - timer: ...`), armed as a deploy would create them. */
  timers: EmulatedTimer[];
}

export interface EmulatedTimer {
  name: string;
  /** Normalised to SCF's seven fields. */
  cron: string;
  enable: boolean;
  /** The event's `Message`. */
  argument: string;
  qualifier: string;
}

export interface EmulatedService {
  dir: string;
  /** The configuration file read (serverless.yml, serverless.json, ...). */
  file?: string;
  service: string;
  stage: string;
  /** provider.region, resolved (`--region` answers `${opt:region}`). */
  region?: string;
  functions: EmulatedFunction[];
  /** One line for each function left out (no handler it can run), naming it and why. */
  notServed?: string[];
}

export interface VariableContext {
  options: Record<string, string | undefined>;
  env: Record<string, string | undefined>;
  /** The whole parsed document, for `${self:...}`. */
  self: unknown;
  /** The resolved stage, for `${sls:stage}`; unset while the stage itself is being resolved. */
  stage?: string;
  /** The service directory, `${file(...)}` paths are relative to; without it `${file(...)}` is not resolved. */
  dir?: string;
  /** Why the last variable could not be resolved (a file missing, a key not in it), for the error message. */
  problem?: string;
}

const UNRESOLVED = Symbol('unresolved');
const VARIABLE = /\$\{([^{}]+)\}/;

/** The sources this reader resolves, named in every message about a variable it could not resolve. */
export const SUPPORTED_SOURCES = "${opt:NAME}, ${env:NAME}, ${self:PATH}, ${sls:stage} and ${file(PATH):KEY}, with 'text' or number fallbacks";

/** Configuration file names in the order serverless looks for them. */
export const CONFIG_FILES = ['serverless.yml', 'serverless.yaml', 'serverless.json', 'serverless.js', 'serverless.mjs', 'serverless.cjs', 'serverless.ts'];

/** The comma-separated sources of a variable: commas inside quotes or `file(...)` do not split. */
function splitSources(expression: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  let depth = 0;
  for (const ch of expression) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === '(' || ch === ')') {
      depth += ch === '(' ? 1 : -1;
      current += ch;
    } else if (ch === ',' && depth <= 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/** `a.b.c` in a parsed document; a string met on the way that is a variable is resolved first. */
function lookup(root: unknown, dotted: string, ctx: VariableContext, depth: number): unknown {
  let node: unknown = root;
  for (const key of dotted.split('.').filter(Boolean)) {
    if (typeof node === 'string') node = resolveString(node, ctx, depth + 1);
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? resolveString(node, ctx, depth + 1) : node;
}

/** A module's value: an ES module's default export, else what it exports. */
function exported(module: any): unknown {
  const esm = module && (module.__esModule || module[Symbol.toStringTag] === 'Module');
  return esm && 'default' in module ? module.default : module;
}

/** A JavaScript or TypeScript file's export, read afresh (a changed file is read again); a Promise is refused. */
function requireFresh(file: string, fromDir: string): unknown {
  const load = file.endsWith('.ts') ? typescriptLoader(file, fromDir) : require;
  const id = require.resolve(file);
  delete require.cache[id];
  let value: unknown;
  try {
    value = exported(load(id));
  } catch (error: any) {
    if (error?.code === 'ERR_REQUIRE_ESM') throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: an ES module needs Node.js 20.19 or later here.`);
    // ts-node's message is a heading over its diagnostics: the first diagnostic is the line that helps.
    if (error?.name === 'TSError' && typeof error.diagnosticText === 'string') {
      throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: ${error.diagnosticText.trim().split('\n')[0]}`);
    }
    throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: ${String(error?.message ?? error).split('\n')[0]}`);
  }
  if (value && typeof (value as Promise<unknown>).then === 'function') {
    throw new ScfError('Plugin.InvalidService', `${file} exports a Promise: the emulator reads a configuration object (module.exports = {...}).`);
  }
  return value;
}

/**
 * TypeScript is read as serverless reads serverless.ts: serverless 3 registers ts-node (the service's, else one
 * beside this plugin), osls 4 uses tsx. Without either, a one-line refusal with the ways out.
 */
function typescriptLoader(file: string, fromDir: string): (id: string) => unknown {
  const bases = [path.join(fromDir, 'package.json'), __filename];
  for (const base of bases) {
    let tsNode: { register(options?: object): unknown } | undefined;
    try {
      tsNode = createRequire(base)('ts-node');
    } catch (error: any) {
      if (error?.code !== 'MODULE_NOT_FOUND') throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: loading ts-node failed: ${String(error?.message ?? error).split('\n')[0]}`);
    }
    if (!tsNode) continue;
    try {
      // As serverless does: registered once per process, with the service's tsconfig.json (serverless runs in the
      // service directory; the emulator may not, so the search starts there).
      if (!(process as any)[Symbol.for('ts-node.register.instance')]) tsNode.register({ projectSearchDir: fromDir });
    } catch (error: any) {
      throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: registering ts-node failed (it needs typescript@5 beside it): ${String(error?.message ?? error).split('\n')[0]}`);
    }
    return (id) => require(id);
  }
  for (const base of bases) {
    try {
      const api = createRequire(base)('tsx/cjs/api') as { require(id: string, from: string): unknown };
      return (id) => api.require(id, __filename);
    } catch {
      // not installed there
    }
  }
  throw new ScfError(
    'Plugin.InvalidService',
    `Cannot read ${file}: TypeScript needs ts-node, as serverless reads serverless.ts (npm install --save-dev ts-node typescript@5), or tsx, as osls does; or write the configuration out with \`sls print > serverless.yml\`.`,
  );
}

/** `${file(PATH):KEY}`: the file (YAML, JSON, JavaScript, else its text) relative to the service directory. */
function resolveFile(param: string, address: string | undefined, ctx: VariableContext, depth: number): unknown {
  const name = param.trim().replace(/^(["'])(.*)\1$/, '$2');
  if (!name || !ctx.dir) {
    ctx.problem = '${file(...)} needs a path';
    return UNRESOLVED;
  }
  const file = path.resolve(ctx.dir, name);
  if (!fs.existsSync(file)) {
    ctx.problem = `${name} does not exist`;
    return UNRESOLVED;
  }
  let content: unknown;
  const extension = path.extname(file).toLowerCase();
  try {
    if (extension === '.yml' || extension === '.yaml') content = yaml.load(fs.readFileSync(file, 'utf8'));
    else if (extension === '.json' || extension === '.tfstate') content = JSON.parse(fs.readFileSync(file, 'utf8'));
    else if (extension === '.js' || extension === '.cjs') content = requireFresh(file, ctx.dir);
    else content = fs.readFileSync(file, 'utf8');
  } catch (error: any) {
    if (error instanceof ScfError) throw error;
    throw new ScfError('Plugin.InvalidService', `Cannot parse ${name} (for \${file(${param})}): ${String(error?.message ?? error).split('\n')[0]}`);
  }
  if (typeof content === 'function') {
    ctx.problem = `${name} exports a function: the emulator reads plain values only`;
    return UNRESOLVED;
  }
  if (!address) return content ?? UNRESOLVED;
  const value = lookup(content, address, ctx, depth);
  if (value === undefined || value === null) ctx.problem = `${name} has no ${address}`;
  return value;
}

function resolveSource(source: string, ctx: VariableContext, depth: number): unknown {
  const literal = /^(["'])(.*)\1$/.exec(source);
  if (literal) return literal[2];
  if (/^-?\d+(\.\d+)?$/.test(source)) return Number(source);
  const file = /^file\((.*)\)\s*(?::(.*))?$/s.exec(source);
  if (file) {
    const value = resolveFile(file[1], file[2]?.trim(), ctx, depth);
    return value === undefined || value === null ? UNRESOLVED : value;
  }
  const colon = source.indexOf(':');
  if (colon < 0) {
    ctx.problem = `"${source}" is not a variable source`;
    return UNRESOLVED;
  }
  const kind = source.slice(0, colon).trim();
  const address = source.slice(colon + 1).trim();
  let value: unknown;
  let missing: string;
  switch (kind) {
    case 'opt':
      value = ctx.options[address];
      missing = `the emulator was not started with --${address}`;
      break;
    case 'env':
      value = ctx.env[address];
      missing = `${address} is not set in the environment`;
      break;
    case 'sls':
      value = address === 'stage' ? ctx.stage : undefined;
      missing = `sls:${address} is not one the emulator knows (sls:stage is)`;
      break;
    case 'self':
      value = address === '' ? ctx.self : lookup(ctx.self, address, ctx, depth);
      missing = `the configuration has no ${address}`;
      break;
    default:
      ctx.problem = `\${${kind}:...} is not a source the emulator resolves`;
      return UNRESOLVED;
  }
  if (value === undefined || value === null || value === UNRESOLVED) {
    ctx.problem = missing;
    return UNRESOLVED;
  }
  return value;
}

/**
 * Resolves the variables of one string. A string that is a single variable keeps the variable's type (a
 * number stays a number); a variable no source can answer leaves the string as it was.
 */
export function resolveString(text: string, ctx: VariableContext, depth = 0): unknown {
  if (depth > 10) return text;
  let current = text;
  for (;;) {
    const match = VARIABLE.exec(current);
    if (!match) return current;
    let value: unknown = UNRESOLVED;
    // The reason kept is that of this variable's last source, not of one an earlier fallback stood in for.
    ctx.problem = undefined;
    for (const source of splitSources(match[1])) {
      value = resolveSource(source, ctx, depth);
      if (value !== UNRESOLVED) break;
    }
    if (value === UNRESOLVED) return text;
    if (match[0] === current) return value;
    current = current.slice(0, match.index) + String(value) + current.slice(match.index + match[0].length);
  }
}

/** The refusal of a value whose variables could not be resolved: why, when known, and what is supported. */
function unresolved(what: string, text: string, ctx: VariableContext & { file?: string }): ScfError {
  const why = ctx.problem ? `: ${ctx.problem}` : '';
  return new ScfError('Plugin.InvalidService', `Cannot resolve ${what} "${text}" in ${ctx.file ? path.basename(ctx.file) : 'serverless.yml'}${why}. The emulator resolves ${SUPPORTED_SOURCES}.`);
}

/** A value that may be a variable standing for a mapping or list (`${file(./env.yml)}`), resolved. */
function resolvedNode(value: unknown, ctx: VariableContext, what: string): unknown {
  if (typeof value !== 'string') return value;
  ctx.problem = undefined;
  const resolved = resolveString(value, ctx);
  if (typeof resolved === 'string' && VARIABLE.test(resolved)) throw unresolved(what, resolved, ctx);
  return resolved;
}

function resolvedString(value: unknown, ctx: VariableContext, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const resolved = resolvedNode(value, ctx, what);
  if (resolved !== null && typeof resolved === 'object') throw new ScfError('Plugin.InvalidService', `${what} must be a string, not a ${Array.isArray(resolved) ? 'list' : 'mapping'}.`);
  return resolved === undefined || resolved === null ? undefined : String(resolved);
}

function resolvedNumber(value: unknown, ctx: VariableContext, what: string, fallback: number): number {
  const text = resolvedString(value, ctx, what);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new ScfError('Plugin.InvalidService', `${what} must be a positive number, not "${text}".`);
  return n;
}

/**
 * An `environment:` mapping, its values resolved and made strings; a `null` value leaves the variable out (as
 * serverless does), a mapping or list is refused rather than passed on as "[object Object]".
 */
function resolvedEnvironment(raw: unknown, ctx: VariableContext, where: string, into: Record<string, string>): void {
  const value = resolvedNode(raw, ctx, where);
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ScfError('Plugin.InvalidService', `${where} must be a mapping of variable names to values.`);
  }
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const resolved = resolvedNode(entry, ctx, `${where}.${key}`);
    if (resolved === undefined || resolved === null) {
      delete into[key];
      continue;
    }
    if (typeof resolved === 'object') {
      throw new ScfError('Plugin.InvalidService', `${where}.${key} must be a string, a number or a boolean.`);
    }
    into[key] = String(resolved);
  }
}

export interface LoadOptions {
  stage?: string;
  region?: string;
  env?: Record<string, string | undefined>;
  /** Config file name inside the directory; default: the first of CONFIG_FILES there. */
  config?: string;
}

/** The configuration file of a service directory, as serverless finds it. */
export function findConfigFile(dir: string, config?: string): string {
  if (config) return path.resolve(dir, config);
  const found = CONFIG_FILES.map((name) => path.join(dir, name)).find((file) => fs.existsSync(file));
  if (!found) throw new ScfError('Plugin.InvalidService', `${dir} holds no serverless.yml (nor serverless.yaml, .json, .js, .mjs, .cjs or .ts).`);
  return found;
}

function readConfig(file: string, dir: string): unknown {
  const extension = path.extname(file).toLowerCase();
  if (['.js', '.mjs', '.cjs', '.ts'].includes(extension)) {
    if (!fs.existsSync(file)) throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: it does not exist.`);
    return requireFresh(file, dir);
  }
  try {
    const text = fs.readFileSync(file, 'utf8');
    return extension === '.json' ? JSON.parse(text) : yaml.load(text);
  } catch (error: any) {
    const reason = error?.code === 'ENOENT' ? 'it does not exist' : String(error?.message ?? error).split('\n')[0];
    throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: ${reason}.`);
  }
}

function isMapping(value: unknown): value is Record<string, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function loadService(dir: string, options: LoadOptions = {}): EmulatedService {
  const absDir = path.resolve(dir);
  const file = findConfigFile(absDir, options.config);
  const doc: any = readConfig(file, absDir);
  if (!isMapping(doc)) throw new ScfError('Plugin.InvalidService', `${file} is not a mapping of service settings.`);

  const ctx: VariableContext & { file: string } = { options: { stage: options.stage, region: options.region }, env: options.env ?? process.env, self: doc, dir: absDir, file };
  const providerNode = resolvedNode(doc.provider, ctx, 'provider');
  const provider: Record<string, any> = isMapping(providerNode) ? providerNode : {};
  const stage = resolveStage({ stage: options.stage }, { stage: resolvedString(provider.stage, ctx, 'provider.stage') });
  ctx.stage = stage;
  const serviceNode = resolvedNode(doc.service, ctx, 'service');
  const serviceField = isMapping(serviceNode) ? serviceNode.name : serviceNode;
  const service = resolvedString(serviceField, ctx, 'service');
  if (!service) throw new ScfError('Plugin.InvalidService', `${file} has no "service" name.`);

  const functionsNode = resolvedNode(doc.functions, ctx, 'functions');
  const rawFunctions: Record<string, any> = Object.create(null);
  if (isMapping(functionsNode)) {
    for (const [key, fn] of Object.entries(functionsNode)) rawFunctions[key] = resolvedNode(fn, ctx, `functions.${key}`);
  }
  // Names and namespaces go to resolveFunction as written (resolved): it refuses a number, a list or "" as the
  // plugin does.
  const setting = (value: unknown, what: string) => resolvedNode(value, ctx, what) as string | undefined;
  const config: ServiceConfig = {
    service,
    provider: { namespace: setting(provider.namespace, 'provider.namespace') },
    functions: {},
  };
  for (const [key, fn] of Object.entries(rawFunctions)) {
    config.functions[key] = {
      name: setting(fn?.name, `functions.${key}.name`),
      namespace: setting(fn?.namespace, `functions.${key}.namespace`),
    };
  }

  // Two keys deployed under one name would be one function in SCF: refused, naming both.
  const deployedAs = new Map<string, string>();
  for (const key of Object.keys(rawFunctions)) {
    const target = resolveFunction(config, key, stage);
    const id = `${target.namespace}/${target.functionName}`;
    const other = deployedAs.get(id);
    if (other !== undefined) {
      throw new ScfError('Plugin.InvalidService', `functions.${other} and functions.${key} are both deployed as ${target.functionName} in namespace ${target.namespace}: give one another name or namespace.`);
    }
    deployedAs.set(id, key);
  }

  const functions: EmulatedFunction[] = [];
  const notServed: string[] = [];
  for (const [key, fn] of Object.entries(rawFunctions)) {
    const target = resolveFunction(config, key, stage);
    const runtime = resolvedString(fn?.runtime ?? provider.runtime, ctx, `functions.${key}.runtime`) ?? DEFAULT_RUNTIME;
    const handler = resolvedString(fn?.handler, ctx, `functions.${key}.handler`);
    const problem = handlerProblem(key, handler, runtime);
    if (problem) {
      notServed.push(`${problem} It is not served.`);
      continue;
    }
    const timeoutWhere = fn?.timeout !== undefined && fn?.timeout !== null ? `functions.${key}.timeout` : `provider.timeout (for functions.${key})`;
    const timeout = resolvedNumber(fn?.timeout ?? provider.timeout, ctx, timeoutWhere, 3);
    if (timeout > MAX_TIMEOUT_SECONDS) {
      throw new ScfError('Plugin.InvalidService', `${timeoutWhere} is ${timeout} s: SCF caps a function's timeout at ${MAX_TIMEOUT_SECONDS} s.`);
    }
    const environment: Record<string, string> = Object.create(null);
    resolvedEnvironment(provider.environment, ctx, 'provider.environment', environment);
    resolvedEnvironment(fn?.environment, ctx, `functions.${key}.environment`, environment);
    const timers = timersOf(fn?.events, `functions.${key}.events`, ctx, notServed);
    functions.push({
      key,
      functionName: target.functionName,
      namespace: target.namespace,
      // Only Go and custom runtimes may leave the handler out (handlerProblem): SCF's defaults.
      handler: handler ?? (/^go/i.test(runtime) ? 'main' : 'index.main_handler'),
      runtime,
      timeout,
      memorySize: resolvedNumber(fn?.memorySize ?? provider.memorySize, ctx, `functions.${key}.memorySize`, 128),
      environment,
      timers,
    });
  }
  return { dir: absDir, file, service, stage, region: resolvedString(provider.region, ctx, 'provider.region'), functions, notServed };
}

/** Every string of a value resolved (events hold crons, names and arguments that may be variables). */
function resolvedDeep(value: unknown, ctx: VariableContext, where: string): unknown {
  const node = resolvedNode(value, ctx, where);
  if (Array.isArray(node)) return node.map((item, i) => resolvedDeep(item, ctx, `${where}[${i}]`));
  if (isMapping(node)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = resolvedDeep(v, ctx, `${where}.${k}`);
    return out;
  }
  return node;
}

/**
 * A function's timer triggers, read as the plugin's deploy reads them; other trigger types are not emulated and
 * are passed over. A timer that cannot be read is one line in `notServed` (the function is served without it).
 */
function timersOf(events: unknown, where: string, ctx: VariableContext, notServed: string[]): EmulatedTimer[] {
  if (events === undefined || events === null) return [];
  let resolved: unknown;
  try {
    resolved = resolvedDeep(events, ctx, where);
  } catch (error) {
    notServed.push(`${(error as Error).message} Its timers are not armed.`);
    return [];
  }
  const timerEvents = Array.isArray(resolved) ? resolved.filter((event) => isMapping(event) && Object.keys(event).length === 1 && 'timer' in event) : resolved;
  const problems = new Problems();
  const specs = triggersFromEvents(timerEvents, where, 'ap-guangzhou', problems);
  for (const line of problems.lines) notServed.push(`${line}: the timer is not armed.`);
  return specs
    .filter((spec) => spec.type === 'timer' && spec.desc)
    .map((spec) => ({ name: spec.name, cron: spec.desc!, enable: spec.enable, argument: spec.customArgument ?? '', qualifier: spec.qualifier }));
}

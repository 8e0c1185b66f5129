// Reads a service's serverless.yml the way serverless would for the fields that decide what is deployed where:
// service name, stage, region, namespaces, function names, handlers, runtimes, limits and environments.
// Variables in those fields (`${opt:stage, 'dev'}`, `${sls:stage}`, `${self:...}`, `${env:X}`) are resolved;
// everything else is left alone.
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { resolveFunction, resolveStage, type ServiceConfig } from '../config/settings';
import { ScfError } from '../cloud/errors';
import { DEFAULT_RUNTIME } from '../runtime/runtimes';

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
}

export interface EmulatedService {
  dir: string;
  service: string;
  stage: string;
  region?: string;
  functions: EmulatedFunction[];
}

export interface VariableContext {
  options: Record<string, string | undefined>;
  env: Record<string, string | undefined>;
  /** The whole parsed document, for `${self:...}`. */
  self: unknown;
  /** The resolved stage, for `${sls:stage}`; unset while the stage itself is being resolved. */
  stage?: string;
}

const UNRESOLVED = Symbol('unresolved');
const VARIABLE = /\$\{([^{}]+)\}/;

function splitSources(expression: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of expression) {
    if (quote) {
      if (ch === quote) quote = undefined;
      current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function lookup(root: unknown, dotted: string): unknown {
  let node: any = root;
  for (const key of dotted.split('.').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  return node;
}

function resolveSource(source: string, ctx: VariableContext, depth: number): unknown {
  const literal = /^(["'])(.*)\1$/.exec(source);
  if (literal) return literal[2];
  if (/^-?\d+(\.\d+)?$/.test(source)) return Number(source);
  const colon = source.indexOf(':');
  if (colon < 0) return UNRESOLVED;
  const kind = source.slice(0, colon).trim();
  const address = source.slice(colon + 1).trim();
  let value: unknown;
  switch (kind) {
    case 'opt':
      value = ctx.options[address];
      break;
    case 'env':
      value = ctx.env[address];
      break;
    case 'sls':
      value = address === 'stage' ? ctx.stage : undefined;
      break;
    case 'self':
      value = address === '' ? ctx.self : lookup(ctx.self, address);
      if (typeof value === 'string') value = resolveString(value, ctx, depth + 1);
      break;
    default:
      return UNRESOLVED;
  }
  return value === undefined || value === null || value === UNRESOLVED ? UNRESOLVED : value;
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
    for (const source of splitSources(match[1])) {
      value = resolveSource(source, ctx, depth);
      if (value !== UNRESOLVED) break;
    }
    if (value === UNRESOLVED) return text;
    if (match[0] === current) return value;
    current = current.slice(0, match.index) + String(value) + current.slice(match.index + match[0].length);
  }
}

function resolvedString(value: unknown, ctx: VariableContext, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const resolved = typeof value === 'string' ? resolveString(value, ctx) : value;
  if (typeof resolved === 'string' && VARIABLE.test(resolved)) {
    throw new ScfError('Plugin.InvalidService', `Cannot resolve ${what} "${resolved}" in serverless.yml.`);
  }
  return resolved === undefined ? undefined : String(resolved);
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
function resolvedEnvironment(value: unknown, ctx: VariableContext, where: string, into: Record<string, string>): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ScfError('Plugin.InvalidService', `${where} must be a mapping of variable names to values.`);
  }
  for (const [key, raw] of Object.entries(value as Record<string, unknown>)) {
    const resolved = typeof raw === 'string' ? resolveString(raw, ctx) : raw;
    if (resolved === undefined || resolved === null) {
      delete into[key];
      continue;
    }
    if (typeof resolved === 'object') {
      throw new ScfError('Plugin.InvalidService', `${where}.${key} must be a string, a number or a boolean.`);
    }
    if (typeof resolved === 'string' && VARIABLE.test(resolved)) {
      throw new ScfError('Plugin.InvalidService', `Cannot resolve ${where}.${key} "${resolved}" in serverless.yml.`);
    }
    into[key] = String(resolved);
  }
}

export interface LoadOptions {
  stage?: string;
  region?: string;
  env?: Record<string, string | undefined>;
  /** Config file name inside the directory. */
  config?: string;
}

export function loadService(dir: string, options: LoadOptions = {}): EmulatedService {
  const absDir = path.resolve(dir);
  const file = path.join(absDir, options.config ?? 'serverless.yml');
  let doc: any;
  try {
    doc = yaml.load(fs.readFileSync(file, 'utf8'));
  } catch (error: any) {
    const reason = error?.code === 'ENOENT' ? 'it does not exist' : error?.message?.split('\n')[0];
    throw new ScfError('Plugin.InvalidService', `Cannot read ${file}: ${reason}.`);
  }
  if (!doc || typeof doc !== 'object') throw new ScfError('Plugin.InvalidService', `${file} is not a serverless.yml mapping.`);

  const ctx: VariableContext = { options: { stage: options.stage, region: options.region }, env: options.env ?? process.env, self: doc };
  const provider = doc.provider && typeof doc.provider === 'object' ? doc.provider : {};
  const stage = resolveStage({ stage: options.stage }, { stage: resolvedString(provider.stage, ctx, 'provider.stage') });
  ctx.stage = stage;
  const serviceField = typeof doc.service === 'object' && doc.service ? doc.service.name : doc.service;
  const service = resolvedString(serviceField, ctx, 'service');
  if (!service) throw new ScfError('Plugin.InvalidService', `${file} has no "service" name.`);

  const rawFunctions: Record<string, any> = doc.functions && typeof doc.functions === 'object' ? doc.functions : {};
  const config: ServiceConfig = {
    service,
    provider: { namespace: resolvedString(provider.namespace, ctx, 'provider.namespace') },
    functions: {},
  };
  for (const [key, fn] of Object.entries(rawFunctions)) {
    config.functions[key] = {
      name: resolvedString(fn?.name, ctx, `functions.${key}.name`),
      namespace: resolvedString(fn?.namespace, ctx, `functions.${key}.namespace`),
    };
  }

  const functions = Object.entries(rawFunctions).map(([key, fn]): EmulatedFunction => {
    const target = resolveFunction(config, key, stage);
    const handler = resolvedString(fn?.handler, ctx, `functions.${key}.handler`);
    const dot = handler ? handler.lastIndexOf('.') : -1;
    if (!handler || dot <= 0) {
      throw new ScfError('Plugin.InvalidService', `functions.${key}.handler must be "file.export" (like index.main), not "${handler ?? ''}".`);
    }
    const environment: Record<string, string> = Object.create(null);
    resolvedEnvironment(provider.environment, ctx, 'provider.environment', environment);
    resolvedEnvironment(fn?.environment, ctx, `functions.${key}.environment`, environment);
    return {
      key,
      functionName: target.functionName,
      namespace: target.namespace,
      handler,
      runtime: resolvedString(fn?.runtime ?? provider.runtime, ctx, `functions.${key}.runtime`) ?? DEFAULT_RUNTIME,
      timeout: resolvedNumber(fn?.timeout ?? provider.timeout, ctx, `functions.${key}.timeout`, 3),
      memorySize: resolvedNumber(fn?.memorySize ?? provider.memorySize, ctx, `functions.${key}.memorySize`, 128),
      environment,
    };
  });
  return { dir: absDir, service, stage, region: resolvedString(provider.region, ctx, 'provider.region'), functions };
}

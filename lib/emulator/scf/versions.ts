// Versions and aliases: PublishVersion snapshots $LATEST's configuration and code (Publishing, then Active);
// ListVersionByFunction; CreateAlias, UpdateAlias, GetAlias, ListAliases, DeleteAlias. An alias runs the
// version it points to (invoke resolves it).
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import type { FunctionConfiguration } from '../../cloud/types';
import type { AliasRecord, FunctionRecord, VersionRecord, VersionWeight } from '../store/account';
import { findFunction, type ScfContext } from './context';
import { requireChangeable } from './lifecycle';
import { type Params, str } from './params';
import { checkDescription, wholeNumber } from './validate';

/** A configuration with nothing shared with `config` (versions snapshot it). */
export function copyConfig(config: FunctionConfiguration): FunctionConfiguration {
  const environment: Record<string, string> = Object.create(null);
  for (const key of Object.keys(config.environment)) environment[key] = config.environment[key];
  return { ...config, environment, layers: config.layers.map((l) => ({ ...l })), vpcConfig: config.vpcConfig && { ...config.vpcConfig } };
}

/** Snapshots $LATEST as the next version, Publishing until it settles. */
export function publishNow(ctx: ScfContext, fn: FunctionRecord, description: string): VersionRecord {
  const at = ctx.now();
  const version: VersionRecord = {
    version: String(++fn.lastVersion),
    description,
    status: 'Publishing',
    config: copyConfig(fn.config),
    code: { ...fn.code },
    addTime: at,
    modTime: at,
  };
  fn.versions.set(version.version, version);
  ctx.lifecycle.begin(fn, 'Publishing', () => {
    version.status = 'Active';
    fn.status = 'Active';
  });
  return version;
}

export function publishVersion(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  requireChangeable(ctx.lifecycle, fn, 'PublishVersion');
  const description = str(params, 'Description') ?? '';
  checkDescription(description);
  const version = publishNow(ctx, fn, description);
  ctx.commit();
  return {
    FunctionVersion: version.version,
    CodeSize: version.code.size,
    MemorySize: version.config.memorySize,
    Description: version.description,
    Handler: version.config.handler,
    Timeout: version.config.timeout,
    Runtime: version.config.runtime,
    Namespace: fn.namespace,
  };
}

function orderParams(params: Params, orderByName: string): { direction: number; byMod: boolean } {
  const order = str(params, 'Order') ?? 'ASC';
  if (order !== 'ASC' && order !== 'DESC') throw new ApiFault('InvalidParameterValue.Order', 'Order must be ASC or DESC.');
  const orderBy = str(params, orderByName) ?? 'AddTime';
  if (orderBy !== 'AddTime' && orderBy !== 'ModTime') throw new ApiFault('InvalidParameterValue.OrderBy', `${orderByName} must be AddTime or ModTime.`);
  return { direction: order === 'ASC' ? 1 : -1, byMod: orderBy === 'ModTime' };
}

function page(params: Params): { offset: number; limit: number } {
  const offset = wholeNumber(params.Offset, 'Offset') ?? 0;
  const limit = wholeNumber(params.Limit, 'Limit') ?? 20;
  if (offset < 0) throw new ApiFault('InvalidParameterValue.Offset', 'Offset must not be negative.');
  if (limit < 1 || limit > 100) throw new ApiFault('InvalidParameterValue.Limit', 'Limit must be 1 to 100.');
  return { offset, limit };
}

export function listVersionByFunction(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const { offset, limit } = page(params);
  const { direction, byMod } = orderParams(params, 'OrderBy');
  const latest = { version: '$LATEST', description: fn.config.description, status: fn.status, addTime: fn.addTime, modTime: fn.modTime };
  const versions = [...fn.versions.values()].map((v) => ({ version: v.version, description: v.description, status: v.status, addTime: v.addTime, modTime: v.modTime }));
  const sorted = [latest, ...versions].sort((a, b) => ((byMod ? a.modTime - b.modTime : a.addTime - b.addTime) || versionRank(a.version) - versionRank(b.version)) * direction);
  const shown = sorted.slice(offset, offset + limit);
  return {
    FunctionVersion: shown.map((v) => v.version),
    Versions: shown.map((v) => ({ Version: v.version, Description: v.description, AddTime: formatCst(v.addTime), ModTime: formatCst(v.modTime), Status: v.status })),
    TotalCount: sorted.length,
  };
}

/** $LATEST first among equals, then versions by number. */
function versionRank(version: string): number {
  return version === '$LATEST' ? 0 : Number(version);
}

const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

function checkVersionExists(fn: FunctionRecord, version: string): void {
  if (version !== '$LATEST' && !fn.versions.has(version)) {
    throw new ApiFault('ResourceNotFound.FunctionVersion', `Version \`${version.slice(0, 60)}\` of \`${fn.functionName}\` does not exist.`);
  }
}

/** `RoutingConfig.AdditionalVersionWeights` (at most one extra version, weight 0–1); rule routing is kept out. */
function routing(fn: FunctionRecord, params: Params): VersionWeight[] | undefined {
  const config = params.RoutingConfig;
  if (config === undefined || config === null) return undefined;
  if (typeof config !== 'object' || Array.isArray(config)) throw new ApiFault('InvalidParameter.RoutingConfig', 'RoutingConfig must be an object.');
  const weights: unknown = config.AdditionalVersionWeights ?? [];
  const matches: unknown = config.AddtionVersionMatchs ?? [];
  if (!Array.isArray(weights) || !Array.isArray(matches)) throw new ApiFault('InvalidParameter.RoutingConfig', 'RoutingConfig holds lists.');
  if (weights.length && matches.length) throw new ApiFault('InvalidParameterValue.RoutingConfig', 'Weight routing and rule routing cannot be combined.');
  if (weights.length > 1 || matches.length > 1) throw new ApiFault('InvalidParameterValue.RoutingConfig', 'An alias routes to at most one additional version.');
  if (matches.length) throw new ApiFault('InvalidParameterValue.RoutingConfig', 'Rule routing (AddtionVersionMatchs) is not offered by this emulator.');
  return weights.map((w) => {
    const version = w?.Version;
    const weight = Number(w?.Weight);
    if (typeof version !== 'string' || !Number.isFinite(weight) || weight < 0 || weight > 1) {
      throw new ApiFault('InvalidParameterValue.AdditionalVersionWeights', 'AdditionalVersionWeights needs {Version, Weight} with a weight from 0 to 1.');
    }
    checkVersionExists(fn, version);
    return { version, weight };
  });
}

function aliasOut(alias: AliasRecord): Params {
  return {
    Name: alias.name,
    FunctionVersion: alias.functionVersion,
    RoutingConfig: { AdditionalVersionWeights: alias.additionalVersionWeights.map((w) => ({ Version: w.version, Weight: w.weight })), AddtionVersionMatchs: [] },
    Description: alias.description,
    AddTime: formatCst(alias.addTime),
    ModTime: formatCst(alias.modTime),
  };
}

function findAlias(fn: FunctionRecord, params: Params): AliasRecord {
  const name = str(params, 'Name', true)!;
  const alias = fn.aliases.get(name);
  if (!alias) throw new ApiFault('ResourceNotFound.Alias', `Alias \`${name.slice(0, 64)}\` of \`${fn.functionName}\` does not exist.`);
  return alias;
}

export function createAlias(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const name = str(params, 'Name', true)!;
  if (!ALIAS_NAME.test(name)) throw new ApiFault('InvalidParameterValue.Name', 'An alias name is 1–64 letters, digits, _ and -, starting with a letter.');
  if (fn.aliases.has(name)) throw new ApiFault('ResourceInUse.Alias', `Alias \`${name}\` already exists.`);
  const version = str(params, 'FunctionVersion', true)!;
  checkVersionExists(fn, version);
  const description = str(params, 'Description') ?? '';
  checkDescription(description);
  const weights = routing(fn, params) ?? [];
  const at = ctx.now();
  fn.aliases.set(name, { name, functionVersion: version, description, additionalVersionWeights: weights, addTime: at, modTime: at });
  ctx.commit();
  return {};
}

export function updateAlias(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const alias = findAlias(fn, params);
  const version = str(params, 'FunctionVersion', true)!;
  checkVersionExists(fn, version);
  const description = str(params, 'Description');
  if (description !== undefined) checkDescription(description);
  const weights = routing(fn, params);
  alias.functionVersion = version;
  if (description !== undefined) alias.description = description;
  if (weights) alias.additionalVersionWeights = weights;
  alias.modTime = ctx.now();
  ctx.commit();
  return {};
}

export function getAlias(ctx: ScfContext, params: Params): Params {
  return aliasOut(findAlias(findFunction(ctx, params), params));
}

export function listAliases(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const { offset, limit } = page(params);
  const version = str(params, 'FunctionVersion');
  const aliases = [...fn.aliases.values()].filter((a) => !version || a.functionVersion === version).sort((a, b) => a.addTime - b.addTime || (a.name < b.name ? -1 : 1));
  return { Aliases: aliases.slice(offset, offset + limit).map(aliasOut), TotalCount: aliases.length };
}

export function deleteAlias(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const alias = findAlias(fn, params);
  if (alias.name === '$DEFAULT') throw new ApiFault('InvalidParameterValue.Alias', 'The default alias cannot be deleted.');
  fn.aliases.delete(alias.name);
  ctx.commit();
  return {};
}

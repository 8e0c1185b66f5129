// Layers: PublishLayerVersion, GetLayerVersion, ListLayerVersions, ListLayers, DeleteLayerVersion, checked as SCF
// checks them (names, runtimes, 20 layers a region, 200 versions a layer), and what a function's `Layers` binds:
// each version's code unpacked once, in the order the function lists them (a later layer wins on a clash, as on
// SCF), for the runtime layer to mount as /opt.
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import type { LayerRecord, LayerVersionRecord } from '../store/account';
import { CREATE_ZIP_BYTES, codeSource, deployCode } from './code';
import type { ScfContext } from './context';
import { type Params, str } from './params';
import { checkRuntime, parseTags, wholeNumber } from './validate';

export const LAYER_QUOTAS = { layersPerRegion: 20, versionsPerLayer: 200 } as const;

const LAYER_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}[A-Za-z0-9]$|^[A-Za-z]$/;

function layerName(params: Params): string {
  const name = str(params, 'LayerName', true)!;
  if (!LAYER_NAME.test(name)) {
    throw new ApiFault('InvalidParameterValue.LayerName', 'LayerName is 1–64 letters, digits, - and _, a letter first, not ending with - or _.');
  }
  return name;
}

function versionParam(params: Params): number {
  const version = wholeNumber(params.LayerVersion, 'LayerVersion');
  if (version === undefined) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `LayerVersion`.');
  if (version < 1) throw new ApiFault('InvalidParameterValue.LayerVersion', 'LayerVersion is 1 or more.');
  return version;
}

function findVersion(ctx: ScfContext, name: string, version: number): LayerVersionRecord {
  const layer = ctx.account.layers.get(name);
  if (!layer) throw new ApiFault('ResourceNotFound.Layer', `The layer \`${name}\` does not exist.`);
  const found = layer.versions.get(version);
  if (!found || found.deleted) throw new ApiFault('ResourceNotFound.LayerVersion', `Version ${version} of layer \`${name}\` does not exist.`);
  return found;
}

function versionOut(name: string, v: LayerVersionRecord): Params {
  return {
    CompatibleRuntimes: [...v.compatibleRuntimes],
    AddTime: formatCst(v.addTime),
    Description: v.description,
    LicenseInfo: v.licenseInfo,
    LayerVersion: v.version,
    LayerName: name,
    Status: 'Active',
    Stamp: 'default',
    Tags: v.tags.map(([Key, Value]) => ({ Key, Value })),
  };
}

export async function publishLayerVersion(ctx: ScfContext, params: Params): Promise<Params> {
  const name = layerName(params);
  const runtimes = params.CompatibleRuntimes;
  if (!Array.isArray(runtimes) || !runtimes.length || runtimes.some((r) => typeof r !== 'string')) {
    throw new ApiFault('InvalidParameterValue.CompatibleRuntimes', 'CompatibleRuntimes lists at least one runtime.');
  }
  for (const runtime of runtimes) checkRuntime(runtime);
  const description = str(params, 'Description') ?? '';
  if (description.length > 1000) throw new ApiFault('InvalidParameterValue.Description', 'Description must not exceed 1000 characters.');
  const licenseInfo = str(params, 'LicenseInfo') ?? '';
  const tags = parseTags(params.Tags) ?? new Map<string, string>();
  const content = params.Content;
  if (content === undefined || content === null) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `Content`.');
  // The vendor's example names the COS object without its leading "/" (the field's description has one): both are taken.
  const normalised = typeof content === 'object' && typeof content.CosObjectName === 'string' && content.CosObjectName && !content.CosObjectName.startsWith('/') ? { ...content, CosObjectName: `/${content.CosObjectName}` } : content;
  const source = codeSource(normalised);
  if (!source) throw new ApiFault('InvalidParameterValue.Content', 'Content holds neither ZipFile nor CosBucketName and CosObjectName.');
  const refuseOverQuota = () => {
    const layer = ctx.account.layers.get(name);
    const live = [...ctx.account.layers.values()].filter((l) => [...l.versions.values()].some((v) => !v.deleted));
    if (!layer && live.length >= LAYER_QUOTAS.layersPerRegion) {
      throw new ApiFault('LimitExceeded.Layers', `The region already holds ${LAYER_QUOTAS.layersPerRegion} layers: delete one before publishing another.`);
    }
    if (layer && [...layer.versions.values()].filter((v) => !v.deleted).length >= LAYER_QUOTAS.versionsPerLayer) {
      throw new ApiFault('LimitExceeded.LayerVersions', `Layer \`${name}\` already has ${LAYER_QUOTAS.versionsPerLayer} versions: delete old ones first.`);
    }
  };
  refuseOverQuota();
  const code = await deployCode(ctx, source, CREATE_ZIP_BYTES);
  // The unpack took a while: another publish may have come meanwhile.
  refuseOverQuota();
  let layer: LayerRecord | undefined = ctx.account.layers.get(name);
  if (!layer) ctx.account.layers.set(name, (layer = { name, versions: new Map(), lastVersion: 0 }));
  const version = ++layer.lastVersion;
  layer.versions.set(version, { version, description, licenseInfo, compatibleRuntimes: [...runtimes], tags: [...tags], code, addTime: ctx.now() });
  ctx.commit();
  return { LayerVersion: version };
}

export function getLayerVersion(ctx: ScfContext, params: Params): Params {
  const name = layerName(params);
  const version = findVersion(ctx, name, versionParam(params));
  const { Tags: _tags, Stamp: _stamp, ...out } = versionOut(name, version);
  return { ...out, CodeSha256: version.code.sha256 ?? '', Location: version.code.sha256 ? ctx.codeUrl(version.code.sha256) : '' };
}

export function listLayerVersions(ctx: ScfContext, params: Params): Params {
  const name = layerName(params);
  const layer = ctx.account.layers.get(name);
  if (!layer || ![...layer.versions.values()].some((v) => !v.deleted)) throw new ApiFault('ResourceNotFound.Layer', `The layer \`${name}\` does not exist.`);
  const runtimes = params.CompatibleRuntime;
  if (runtimes !== undefined && runtimes !== null && (!Array.isArray(runtimes) || runtimes.some((r) => typeof r !== 'string'))) {
    throw new ApiFault('InvalidParameterValue.CompatibleRuntime', 'CompatibleRuntime is a list of runtimes.');
  }
  const wanted = (v: LayerVersionRecord) => !Array.isArray(runtimes) || !runtimes.length || v.compatibleRuntimes.some((r) => runtimes.includes(r));
  const versions = [...layer.versions.values()].filter((v) => !v.deleted && wanted(v)).sort((a, b) => b.version - a.version);
  return { LayerVersions: versions.map((v) => versionOut(name, v)) };
}

export function listLayers(ctx: ScfContext, params: Params): Params {
  const offset = wholeNumber(params.Offset, 'Offset') ?? 0;
  const limit = wholeNumber(params.Limit, 'Limit') ?? 20;
  if (offset < 0) throw new ApiFault('InvalidParameterValue.Offset', 'Offset must not be negative.');
  if (limit < 1 || limit > 200) throw new ApiFault('InvalidParameterValue.Limit', 'Limit must be 1 to 200.');
  const runtime = str(params, 'CompatibleRuntime');
  const search = str(params, 'SearchKey')?.toLowerCase();
  const found: Params[] = [];
  for (const layer of [...ctx.account.layers.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (search && !layer.name.toLowerCase().includes(search)) continue;
    const newest = [...layer.versions.values()].filter((v) => !v.deleted && (!runtime || v.compatibleRuntimes.includes(runtime))).sort((a, b) => b.version - a.version)[0];
    if (newest) found.push(versionOut(layer.name, newest));
  }
  return { Layers: found.slice(offset, offset + limit), TotalCount: found.length };
}

export function deleteLayerVersion(ctx: ScfContext, params: Params): Params {
  const name = layerName(params);
  const version = versionParam(params);
  findVersion(ctx, name, version);
  // Functions bound to it keep running it (SCF: "does not affect functions referencing it"): it is only marked,
  // and forgotten once nothing binds it; nothing new may bind it.
  ctx.account.layers.get(name)!.versions.get(version)!.deleted = true;
  ctx.account.layerCode();
  ctx.commit();
  return {};
}

/**
 * Checks a function's `Layers` against the account: each version exists and is compatible with the runtime. A
 * deleted version already bound (`bound`) stays allowed: SCF keeps it for the functions that use it.
 */
export function checkBoundLayers(ctx: ScfContext, layers: ReadonlyArray<{ name: string; version: number }>, runtime: string, bound: ReadonlyArray<{ name: string; version: number }> = []): void {
  for (const { name, version } of layers) {
    if (bound.some((b) => b.name === name && b.version === version) && ctx.account.layers.get(name)?.versions.get(version)?.deleted) continue;
    const found = findVersion(ctx, name, version);
    if (!found.compatibleRuntimes.includes(runtime)) {
      throw new ApiFault('InvalidParameterValue.Layers', `Version ${version} of layer \`${name}\` is compatible with ${found.compatibleRuntimes.join(', ')}, not ${runtime}.`);
    }
  }
}

/** The code directories of a function's layers, in its order (deleted versions it still binds included), for /opt. */
export function layerDirs(ctx: ScfContext, layers: ReadonlyArray<{ name: string; version: number }>): string[] {
  const dirs: string[] = [];
  for (const { name, version } of layers) {
    const found = ctx.account.layers.get(name)?.versions.get(version);
    if (found) dirs.push(found.code.dir);
  }
  return dirs;
}

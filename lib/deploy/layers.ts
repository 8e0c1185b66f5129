// Layers in serverless.yml: the top-level `layers:` (path, name, description, compatibleRuntimes, licenseInfo, as
// serverless users know it) and what a function's `layers:` names (a layer of the service by its key, any layer as
// `name:version` or `{name, version}`), checked before anything is sent; which layers a deploy publishes (only
// those whose content or settings changed: GetLayerVersion's CodeSha256 compared with the package), the quotas
// (5 a function, 20 a region, 200 versions a layer, 500 MB unpacked with the code), and the versions keepVersions
// and `sls remove` delete.
import * as yauzl from 'yauzl';
import type { LayerVersionInfo } from '../cloud/types';
import { isPlainObject, Problems, show, wholeNumber } from './problems';

export const LAYER_LIMITS = { perFunction: 5, perRegion: 20, versionsPerLayer: 200, unpackedBytes: 500 * 1024 * 1024, descriptionChars: 1000 } as const;

const LAYER_NAME = /^[A-Za-z](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?$/;

/** A layer of the service, as serverless.yml describes it. */
export interface DesiredLayer {
  key: string;
  /** The SCF layer name (default `<service>-<stage>-<key>`). */
  name: string;
  /** The directory packaged (serverless zips it as `.serverless/<key>.zip`). */
  path: string;
  description: string;
  licenseInfo: string;
  /** Given, or the runtimes of the functions that bind it. */
  compatibleRuntimes: string[];
}

/** A function's binding: a layer of the service (its key; the version is the deploy's), or any layer's version. */
export type LayerBinding = { key: string } | { name: string; version: number };

/** `layers:` of serverless.yml → the service's layers (runtimes filled in later from the functions). */
export function desiredLayers(value: unknown, service: string, stage: string, problems: Problems, normaliseRuntime: (r: string) => string | undefined): DesiredLayer[] {
  if (value === undefined || value === null) return [];
  if (!isPlainObject(value)) {
    problems.add('layers', `must be a map of layer keys to { path, name, description, compatibleRuntimes, licenseInfo }, not ${show(value)}`);
    return [];
  }
  const layers: DesiredLayer[] = [];
  for (const [key, raw] of Object.entries(value)) {
    const where = `layers.${key}`;
    if (!isPlainObject(raw)) {
      problems.add(where, `must be a map of path, name, description, compatibleRuntimes and licenseInfo, not ${show(raw)}`);
      continue;
    }
    const before = problems.lines.length;
    for (const extra of Object.keys(raw)) {
      if (!['path', 'name', 'description', 'compatibleRuntimes', 'licenseInfo', 'package', 'retain'].includes(extra)) problems.add(`${where}.${extra}`, 'is not a layer setting: use path, name, description, compatibleRuntimes, licenseInfo (and package)');
    }
    if (typeof raw.path !== 'string' || raw.path === '') problems.add(`${where}.path`, `must be the directory the layer is made of (its contents unpack under /opt), not ${show(raw.path)}`);
    const name = raw.name === undefined ? `${service}-${stage}-${key}` : raw.name;
    if (typeof name !== 'string' || !LAYER_NAME.test(name)) {
      problems.add(raw.name === undefined ? where : `${where}.name`, `must be a layer name SCF accepts (1 to 64 letters, digits, - or _, a letter first, not ending with - or _), not ${raw.name === undefined ? `the default name "${name}" (service-stage-key): set ${where}.name` : show(name)}`);
    }
    const description = raw.description ?? '';
    if (typeof description !== 'string' || description.length > LAYER_LIMITS.descriptionChars) problems.add(`${where}.description`, `must be a string of at most ${LAYER_LIMITS.descriptionChars} characters`);
    const licenseInfo = raw.licenseInfo ?? '';
    if (typeof licenseInfo !== 'string') problems.add(`${where}.licenseInfo`, `must be a string, not ${show(licenseInfo)}`);
    const runtimes: string[] = [];
    if (raw.compatibleRuntimes !== undefined) {
      if (!Array.isArray(raw.compatibleRuntimes) || !raw.compatibleRuntimes.length) problems.add(`${where}.compatibleRuntimes`, `must be a list of SCF runtimes, not ${show(raw.compatibleRuntimes)}`);
      else {
        for (const runtime of raw.compatibleRuntimes) {
          const known = typeof runtime === 'string' ? normaliseRuntime(runtime) : undefined;
          if (!known) problems.add(`${where}.compatibleRuntimes`, `holds ${show(runtime)}, which is not one of SCF's runtimes`);
          else if (!runtimes.includes(known)) runtimes.push(known);
        }
      }
    }
    if (problems.lines.length > before) continue;
    layers.push({ key, name: name as string, path: raw.path as string, description: description as string, licenseInfo: licenseInfo as string, compatibleRuntimes: runtimes });
  }
  const names = new Map<string, string>();
  for (const layer of layers) {
    const first = names.get(layer.name);
    if (first) problems.add(`layers.${layer.key}`, `publishes as "${layer.name}", as layers.${first} does: give one another name`);
    else names.set(layer.name, layer.key);
  }
  return layers;
}

/**
 * A function's `layers:` → its bindings, in its order (a later layer wins on a clash, as SCF mounts them): the key
 * of a layer of the service, `name:version`, or `{ name, version }`.
 */
export function layerBindings(value: unknown, where: string, problems: Problems, service: readonly DesiredLayer[]): LayerBinding[] | undefined {
  if (!Array.isArray(value)) {
    problems.add(where, `must be a list of layers: a key of serverless.yml's layers, name:version, or { name, version }, not ${show(value)}`);
    return undefined;
  }
  if (value.length > LAYER_LIMITS.perFunction) {
    problems.add(where, `lists ${value.length} layers: SCF binds at most ${LAYER_LIMITS.perFunction} to a function`);
    return undefined;
  }
  const bindings: LayerBinding[] = [];
  const seen = new Set<string>();
  value.forEach((item, index) => {
    const at = `${where}[${index}]`;
    let binding: LayerBinding | undefined;
    if (typeof item === 'string' && service.some((l) => l.key === item)) binding = { key: item };
    else if (typeof item === 'string' && /^[^:]+:\d+$/.test(item)) {
      const [name, version] = item.split(':');
      binding = { name, version: Number(version) };
    } else if (isPlainObject(item)) {
      for (const key of Object.keys(item)) if (key !== 'name' && key !== 'version') problems.add(`${at}.${key}`, 'is not a layer key: use name and version');
      const version = wholeNumber(item.version);
      if (typeof item.name !== 'string') problems.add(`${at}.name`, `must be a layer name, not ${show(item.name)}`);
      else if (version === undefined || version < 1) problems.add(`${at}.version`, `must be a layer version number (1 or more), not ${show(item.version)}`);
      else binding = { name: item.name, version };
    } else {
      const keys = service.map((l) => l.key).join(', ');
      problems.add(at, `must be a key of serverless.yml's layers${keys ? ` (${keys})` : ' (it has none)'}, name:version, or { name, version }, not ${show(item)}`);
      return;
    }
    if (!binding) return;
    if ('name' in binding && !LAYER_NAME.test(binding.name)) {
      problems.add(at, `names the layer ${show(binding.name)}: a layer name is 1 to 64 letters, digits, - or _, a letter first`);
      return;
    }
    const name = 'key' in binding ? service.find((l) => l.key === binding!.key)!.name : binding.name;
    if (seen.has(name)) {
      problems.add(at, `binds layer ${name} a second time`);
      return;
    }
    seen.add(name);
    bindings.push(binding);
  });
  return bindings.length === value.length ? bindings : undefined;
}

/** A layer of the service as deployed: its newest version and what it holds. */
export interface DeployedLayer {
  newest?: LayerVersionInfo;
  /** How many versions it has. */
  versions: number;
}

/** What a deploy does with a layer of the service: publish a new version (and why), or keep the newest. */
export type LayerDecision = { layer: DesiredLayer; publish: true; reason: string } | { layer: DesiredLayer; publish: false; version: number };

/**
 * Publish when there is no version yet, or the newest holds other content (CodeSha256, hex or base64) or other
 * settings (description, runtimes, licence); else the newest version is bound as it is: an unchanged layer publishes
 * nothing. `force` publishes every layer.
 */
export function decideLayer(layer: DesiredLayer, sha256: string, deployed: DeployedLayer, force = false, sha256Hex: (s: string | undefined) => string | undefined = (s) => s): LayerDecision {
  const newest = deployed.newest;
  if (!newest) return { layer, publish: true, reason: `layer ${layer.name} is new` };
  if (force) return { layer, publish: true, reason: `forced (version ${newest.version} is the newest)` };
  const reasons: string[] = [];
  if (!sha256Hex(newest.codeSha256) || sha256Hex(newest.codeSha256) !== sha256Hex(sha256)) reasons.push('content changed');
  if (newest.description !== layer.description) reasons.push('description changed');
  if (newest.licenseInfo !== layer.licenseInfo) reasons.push('licenseInfo changed');
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((r) => b.includes(r));
  if (!same(newest.compatibleRuntimes, layer.compatibleRuntimes)) reasons.push('compatibleRuntimes changed');
  if (!reasons.length) return { layer, publish: false, version: newest.version };
  return { layer, publish: true, reason: `layer ${layer.name} version ${newest.version}: ${reasons.join(', ')}` };
}

/**
 * The region's quotas, before anything is published: 20 layers (those of the region plus the new ones), 200
 * versions a layer. One line per problem.
 */
export function layerQuotaProblems(decisions: readonly LayerDecision[], regionLayers: readonly string[], deployed: ReadonlyMap<string, DeployedLayer>): string[] {
  const problems: string[] = [];
  const existing = new Set(regionLayers);
  const added = decisions.filter((d) => d.publish && !existing.has(d.layer.name)).map((d) => d.layer.name);
  if (existing.size + added.length > LAYER_LIMITS.perRegion) {
    problems.push(`The region holds ${existing.size} layers and this deploy adds ${added.join(', ')}: SCF allows ${LAYER_LIMITS.perRegion} layers a region. Delete layers you no longer use first.`);
  }
  for (const d of decisions) {
    const versions = deployed.get(d.layer.key)?.versions ?? 0;
    if (d.publish && versions >= LAYER_LIMITS.versionsPerLayer) {
      problems.push(`layers.${d.layer.key} (${d.layer.name}) has ${versions} versions: SCF allows ${LAYER_LIMITS.versionsPerLayer} a layer. Set custom.scf.deploy.keepVersions, or delete old versions.`);
    }
  }
  return problems;
}

/** The versions of a layer keepVersions deletes: all but the newest `keep`, never one in `keepAlso` (bound now). */
export function prunableLayerVersions(versions: readonly number[], keep: number, keepAlso: readonly number[]): number[] {
  return [...versions].sort((a, b) => b - a).slice(keep).filter((v) => !keepAlso.includes(v));
}

/** The bytes a zip unpacks to (its entries' sizes, from its central directory). */
export async function unpackedBytes(file: string): Promise<number> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: true });
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) total += entry.uncompressedSize;
  } finally {
    zip.close();
  }
  return total;
}

/** The mode and text of `name` at the root of a zip (undefined when it is not there): what SCF will run. */
export async function zipEntry(file: string, name: string): Promise<{ mode: number; text: Buffer } | undefined> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: true });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== name) continue;
      const stream = await zip.openReadStreamPromise(entry);
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return { mode: (entry.externalFileAttributes >>> 16) & 0o7777, text: Buffer.concat(chunks) };
    }
  } finally {
    zip.close();
  }
  return undefined;
}

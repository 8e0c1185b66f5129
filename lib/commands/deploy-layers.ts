// The layers part of `sls deploy`: reads what is deployed of the service's layers (reads only), decides which
// to publish (only those whose content or settings changed), checks the quotas and the 500 MB each function may
// unpack to with its layers, publishes before any function changes (COS for large packages), and after the
// deploy deletes the versions keepVersions lets go. The functions bind the versions this phase settles on.
import * as fs from 'fs';
import * as path from 'path';
import { inputError } from '../cloud/errors';
import { shortBucketName, uploadToCos } from '../cloud/cos';
import type { Clients } from '../cloud/clients';
import type { LayerVersionInfo } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { type Artifact, codeRoute, type CosTarget, functionCode, megabytes, readArtifact } from '../deploy/artifacts';
import { type DesiredFunction, type DesiredState, pluginTags } from '../deploy/desired';
import { decideLayer, type DeployedLayer, type DesiredLayer, LAYER_LIMITS, type LayerDecision, layerQuotaProblems, prunableLayerVersions, unpackedBytes } from '../deploy/layers';
import { sha256Hex } from '../deploy/plan';

/**
 * Before serverless packages: each layer of the service that serverless would zip from a `path` has that
 * directory (serverless itself says only "No file matches include / exclude patterns", naming no layer).
 */
export function checkLayerSources(provider: TencentProvider): void {
  const layers = (provider.serverless.service.layers ?? {}) as Record<string, { path?: unknown; package?: { artifact?: string } } | null>;
  const lines: string[] = [];
  for (const [key, layer] of Object.entries(layers)) {
    if (!layer || layer.package?.artifact || typeof layer.path !== 'string') continue;
    const dir = path.resolve(provider.serviceDir, layer.path);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) lines.push(`layers.${key}.path: ${layer.path} is not a directory of the service (${dir}): the layer is packaged from it.`);
  }
  if (lines.length) throw inputError(lines.join('\n'));
}

export class LayerPhase {
  private readonly artifacts = new Map<string, Artifact>();
  private readonly deployed = new Map<string, DeployedLayer>();
  decisions: LayerDecision[] = [];
  /** The version each layer of the service is bound at, by key, once settled. */
  private readonly versions = new Map<string, number>();

  constructor(
    private readonly provider: TencentProvider,
    private readonly desired: DesiredState,
    private readonly force: boolean,
  ) {}

  /** The layers the functions being deployed bind. */
  private used(functions: readonly DesiredFunction[]): DesiredLayer[] {
    return this.desired.layers.filter((layer) => functions.some((fn) => (fn.layerBindings ?? []).some((b) => 'key' in b && b.key === layer.key)) || functions.length === this.desired.functions.length);
  }

  /** Reads the packages and what is deployed, decides, checks quotas and sizes: nothing is sent but reads. */
  async read(clients: Clients, functions: readonly DesiredFunction[], functionArtifacts: ReadonlyMap<string, Artifact>, packageDir?: string): Promise<void> {
    await this.checkBoundVersions(clients, functions);
    const layers = this.used(functions);
    if (!layers.length) return;
    const service = this.provider.serverless.service;
    for (const layer of layers) {
      const own = service.layers?.[layer.key]?.package?.artifact as string | undefined;
      const candidates = [packageDir && path.resolve(this.provider.serviceDir, packageDir, `${layer.key}.zip`), own && path.resolve(this.provider.serviceDir, own), path.join(this.provider.serviceDir, '.serverless', `${layer.key}.zip`)];
      const file = candidates.find((f): f is string => Boolean(f) && fs.existsSync(f as string));
      if (file) this.artifacts.set(layer.key, await readArtifact(file));
    }
    await Promise.all(
      layers.map(async (layer) => {
        const versions = await clients.scf.listLayerVersions(layer.name);
        const newest = versions[0] ? await clients.scf.getLayerVersion(layer.name, versions[0].version) : undefined;
        this.deployed.set(layer.key, { newest: newest ? { ...newest, tags: versions[0].tags } : undefined, versions: versions.length });
      }),
    );
    for (const layer of layers) {
      const artifact = this.artifacts.get(layer.key);
      const deployed = this.deployed.get(layer.key)!;
      if (!artifact) {
        // deploy function: serverless packaged the function alone; the layer is bound as it is deployed.
        if (!deployed.newest) throw inputError(`layers.${layer.key} (${layer.name}) is not published yet and no package of it was built: run sls deploy (it packages and publishes the service's layers).`);
        this.decisions.push({ layer, publish: false, version: deployed.newest.version });
        continue;
      }
      this.decisions.push(decideLayer(layer, artifact.sha256, deployed, this.force, sha256Hex));
    }
    const problems: string[] = [];
    if (this.decisions.some((d) => d.publish)) {
      problems.push(...layerQuotaProblems(this.decisions, (await clients.scf.listLayers()).map((l) => l.layerName), this.deployed));
    }
    // 500 MB unpacked, the code with its layers (of the service: their packages are here to measure).
    for (const fn of functions) {
      const code = functionArtifacts.get(fn.key);
      if (!code) continue;
      let total = await unpackedBytes(code.file);
      for (const binding of fn.layerBindings ?? []) {
        const artifact = 'key' in binding ? this.artifacts.get(binding.key) : undefined;
        if (artifact) total += await unpackedBytes(artifact.file);
      }
      if (total > LAYER_LIMITS.unpackedBytes) problems.push(`functions.${fn.key} unpacks to ${megabytes(total)} with its layers: SCF allows ${megabytes(LAYER_LIMITS.unpackedBytes)} a function version, code and layers together.`);
    }
    if (problems.length === 1) throw inputError(problems[0]);
    if (problems.length) throw inputError(`The deploy cannot go ahead:\n${problems.join('\n')}`);
    for (const d of this.decisions) if (!d.publish) this.versions.set(d.layer.key, d.version);
  }

  /**
   * Layers bound as name:version (not the service's) exist: else SCF refuses the function's configuration after
   * other functions (and layers) were already changed. One line per missing version, before anything is sent.
   */
  private async checkBoundVersions(clients: Clients, functions: readonly DesiredFunction[]): Promise<void> {
    const bound = new Map<string, { name: string; version: number; keys: string[] }>();
    for (const fn of functions) {
      for (const binding of fn.layerBindings ?? []) {
        if ('key' in binding) continue;
        const id = `${binding.name}:${binding.version}`;
        const entry = bound.get(id) ?? { ...binding, keys: [] };
        entry.keys.push(fn.key);
        bound.set(id, entry);
      }
    }
    const missing = await Promise.all([...bound.values()].map(async (b) => ((await clients.scf.getLayerVersion(b.name, b.version)) ? undefined : b)));
    const region = this.provider.getRegion();
    const problems = missing.flatMap((b) => (b ? b.keys.map((key) => `functions.${key}.layers: layer ${b.name} version ${b.version} does not exist in ${region}`) : []));
    if (problems.length) throw inputError(problems.join('\n'));
  }

  /** Whether any layer is published by this deploy. */
  get publishes(): boolean {
    return this.decisions.some((d) => d.publish);
  }

  /**
   * The functions with the versions of the service's layers filled in: the settled ones, and for a layer about to
   * be published the version after its newest (a change either way; the real number replaces it once published).
   */
  resolve(functions: DesiredFunction[]): DesiredFunction[] {
    const version = (key: string) => this.versions.get(key) ?? (this.deployed.get(key)?.newest?.version ?? 0) + 1;
    return functions.map((fn) => {
      if (!(fn.layerBindings ?? []).some((b) => 'key' in b)) return fn;
      const layers = (fn.layerBindings ?? []).map((b) => ('key' in b ? { name: this.desired.layers.find((l) => l.key === b.key)!.name, version: version(b.key) } : b));
      return { ...fn, configuration: { ...fn.configuration, layers } };
    });
  }

  /** Publishes the layers that changed (packages too large to inline through COS first). */
  async publish(clients: Clients, cos: CosTarget | undefined, onProgress: (text: string) => void): Promise<string[]> {
    const lines: string[] = [];
    for (const decision of this.decisions) {
      if (!decision.publish) continue;
      const { layer } = decision;
      const artifact = this.artifacts.get(layer.key)!;
      const route = codeRoute(artifact, cos);
      if (!route.inline) {
        onProgress(`uploading layer ${layer.name} to COS bucket ${cos!.bucket}`);
        await uploadToCos({ bucket: cos!.bucket, region: cos!.region, key: route.key }, artifact.file, await clients.transport.credentials(), clients.cosEndpoint);
      }
      onProgress(`publishing layer ${layer.name}`);
      const version = await clients.scf.publishLayerVersion(
        { layerName: layer.name, compatibleRuntimes: layer.compatibleRuntimes, description: layer.description, licenseInfo: layer.licenseInfo || undefined, tags: pluginTags(this.desired.service, this.desired.stage) },
        functionCode(artifact, route, cos, shortBucketName),
      );
      this.versions.set(layer.key, version);
      lines.push(`layer ${layer.key} (${layer.name}): version ${version} published (${decision.reason})`);
    }
    return lines;
  }

  /** After the deploy: each layer keeps its newest `keep` versions (and the one bound now); the rest are deleted. */
  async prune(clients: Clients, keep: number): Promise<string[]> {
    const lines: string[] = [];
    for (const decision of this.decisions) {
      const { layer } = decision;
      const versions = (await clients.scf.listLayerVersions(layer.name)).filter((v) => ours(v, this.desired.service, this.desired.stage));
      const doomed = prunableLayerVersions(versions.map((v) => v.version), keep, [this.versions.get(layer.key) ?? 0]);
      for (const version of doomed) await clients.scf.deleteLayerVersion(layer.name, version);
      if (doomed.length) lines.push(`layer ${layer.name}: versions ${doomed.join(', ')} deleted (keepVersions ${keep})`);
    }
    return lines;
  }
}

/**
 * Whether a layer version is this service and stage's: its tags say so, or it carries none that say otherwise
 * (ListLayerVersions may report Tags as null).
 */
function ours(version: LayerVersionInfo, service: string, stage: string): boolean {
  if (!version.tags || !Object.keys(version.tags).length) return true;
  const marks = pluginTags(service, stage);
  return Object.entries(marks).every(([key, value]) => version.tags![key] === value);
}

/** `sls remove`: every version of the service's layers (named in serverless.yml) that is this service and stage's. */
export async function removeLayers(clients: Clients, layers: readonly DesiredLayer[], service: string, stage: string): Promise<string[]> {
  const removed: string[] = [];
  for (const layer of layers) {
    const versions = (await clients.scf.listLayerVersions(layer.name)).filter((v) => ours(v, service, stage));
    for (const v of versions) await clients.scf.deleteLayerVersion(layer.name, v.version);
    if (versions.length) removed.push(`layer ${layer.name} (versions ${versions.map((v) => v.version).join(', ')})`);
  }
  return removed;
}

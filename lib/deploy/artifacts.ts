// The packages serverless built (or `deploy --package DIR` names), their SHA-256, and how each goes to SCF:
// inline (base64 in the request) while the request stays under API 3.0's 10 MB body limit, else through the COS
// bucket `provider.deploymentBucket`. A package too large to inline without a bucket is refused before anything
// changes, naming its size and the setting.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { inputError } from '../cloud/errors';
import { BYTE_LIMITS } from '../cloud/limits';
import type { FunctionCode } from '../cloud/types';
import { isStateDir } from '../emulator/store/state-dir';

export interface Artifact {
  file: string;
  sha256: string;
  size: number;
}

/** Room left in a request for everything but the zip: the configuration, names, tags. */
const REQUEST_OVERHEAD = 256 * 1024;

/** The largest zip sent inline: its base64 and the rest of the request fit in 10 MB. */
export const INLINE_ZIP_BYTES = Math.floor(((BYTE_LIMITS.tc3RequestBody - REQUEST_OVERHEAD) * 3) / 4);

export function megabytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export interface ServerlessPackaging {
  serviceDir: string;
  service: string;
  /** `service.package.artifact` after packaging (or as set). */
  serviceArtifact?: string;
  /** Each function's `package.artifact`, when packaged on its own. */
  functionArtifact(key: string): string | undefined;
  /** `deploy --package DIR`. */
  packageDir?: string;
  /**
   * `deploy function`: serverless just zipped the function on its own, into `<key>.zip` of this directory (it
   * does not always record the path on the function).
   */
  functionZipDir?: string;
}

/** The zip a function is deployed from. */
export function artifactPath(packaging: ServerlessPackaging, key: string): string {
  const own = packaging.functionArtifact(key);
  if (packaging.packageDir) {
    const dir = path.resolve(packaging.serviceDir, packaging.packageDir);
    for (const candidate of [own && path.join(dir, path.basename(own)), path.join(dir, `${key}.zip`), path.join(dir, `${packaging.service}.zip`)]) {
      if (candidate && fs.existsSync(candidate)) return candidate;
    }
    throw inputError(`--package ${packaging.packageDir} holds neither ${key}.zip nor ${packaging.service}.zip: make it with sls package --package ${packaging.packageDir}.`);
  }
  const fresh = packaging.functionZipDir ? path.resolve(packaging.serviceDir, packaging.functionZipDir, `${key}.zip`) : undefined;
  const file = own ?? (fresh && fs.existsSync(fresh) ? fresh : undefined) ?? packaging.serviceArtifact;
  if (!file) throw inputError(`No package was built for functions.${key}: run sls package, or sls deploy without --package.`);
  return path.resolve(packaging.serviceDir, file);
}

/**
 * `sls package --package DIR` (or `package.path`): serverless zips into .serverless whatever the option says and
 * leaves moving the packages to the provider (AWS's moves them). The packages this packaging made are copied into
 * DIR, and other zips there removed, so a later `sls deploy --package DIR` finds exactly them. Returns the files
 * now in DIR.
 */
export function copyArtifactsToPackageDir(serviceDir: string, packageDir: string, artifacts: readonly string[]): string[] {
  const target = path.resolve(serviceDir, packageDir);
  const made = [...new Set(artifacts.map((file) => path.resolve(serviceDir, file)))];
  fs.mkdirSync(target, { recursive: true });
  for (const name of fs.readdirSync(target)) {
    const file = path.join(target, name);
    if (name.endsWith('.zip') && !made.includes(file)) fs.rmSync(file, { force: true });
  }
  return made.map((file) => {
    const copy = path.join(target, path.basename(file));
    if (copy !== file) fs.copyFileSync(file, copy);
    return copy;
  });
}

/**
 * The emulator state directories inside a service directory (at most two levels down, node_modules aside), as
 * paths relative to it. They hold the emulator's account (other functions' environments) and every package ever
 * deployed to it: a package must never carry them.
 */
export function stateDirsIn(serviceDir: string): string[] {
  const found: string[] = [];
  const look = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'node_modules' || entry.name === '.git' || entry.name === '.serverless') continue;
      const child = path.join(dir, entry.name);
      if (isStateDir(child)) found.push(path.relative(serviceDir, child).split(path.sep).join('/'));
      else if (depth < 2) look(child, depth + 1);
    }
  };
  look(serviceDir, 1);
  return found.sort();
}

/** Reads a package's size and SHA-256 (of the zip's bytes, as GetFunctionAddress reports CodeSha256). */
export async function readArtifact(file: string): Promise<Artifact> {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    throw inputError(`The package ${file} does not exist: run sls package, or sls deploy without --package.`);
  }
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return { file, sha256: hash.digest('hex'), size };
}

export interface CosTarget {
  /** `<name>-<appid>` */
  bucket: string;
  region: string;
  /** Object key prefix, e.g. `sls-tencent-scf/shop/dev`. */
  prefix: string;
}

/** The COS object a package goes to: named by its content, so an unchanged package is the same object. */
export function cosObjectKey(target: CosTarget, artifact: Artifact): string {
  return `${target.prefix}/${path.basename(artifact.file, '.zip')}-${artifact.sha256.slice(0, 16)}.zip`;
}

const BUCKET = /^[a-z0-9][a-z0-9-]*-\d+$/;

/** `provider.deploymentBucket`, checked: undefined when not set. */
export function deploymentBucket(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !BUCKET.test(value)) {
    throw inputError(`provider.deploymentBucket must be a COS bucket's full name, <name>-<appid> (like deploy-1250000000), not ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Inline when it fits; else the COS object it must be uploaded to; refused when it does not fit and there is no bucket. */
export function codeRoute(artifact: Artifact, cos: CosTarget | undefined): { inline: true } | { inline: false; key: string } {
  if (artifact.size <= INLINE_ZIP_BYTES) return { inline: true };
  if (!cos) {
    throw inputError(
      `The package ${path.basename(artifact.file)} is ${megabytes(artifact.size)}: too large to send inline (at most ${megabytes(INLINE_ZIP_BYTES)} fits in a request). Set provider.deploymentBucket to a COS bucket (<name>-<appid>) to deploy it through COS, or make the package smaller (package.patterns).`,
    );
  }
  return { inline: false, key: cosObjectKey(cos, artifact) };
}

/** The Code of CreateFunction / UpdateFunctionCode for an artifact routed as `route`. */
export function functionCode(artifact: Artifact, route: ReturnType<typeof codeRoute>, cos: CosTarget | undefined, shortBucket: (bucket: string) => string): FunctionCode {
  if (route.inline) return { zipFile: fs.readFileSync(artifact.file).toString('base64') };
  return { cosBucketName: shortBucket(cos!.bucket), cosObjectName: `/${route.key}`, cosBucketRegion: cos!.region };
}

// Deployed packages: each zip kept as uploaded (GetFunctionAddress serves it) and unpacked once into a
// directory of its own, both named by the zip's SHA-256, so that a version keeps running the code it was
// published with whatever $LATEST becomes. Unpacking goes through yauzl and refuses what would escape the
// directory or could not be a real function package. An unpack works in a directory of its own that nothing
// collects; what it leaves is checked against the zip (files, bytes) before a function may refer to it, and that
// record (the manifest) is checked again before the code is reused: code found incomplete is unpacked again.
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pipeline } from 'stream/promises';
import * as yauzl from 'yauzl';
import { ApiFault } from '../api-fault';
import type { CodeRecord } from './account';
import { removeTree, setWritable, type StateDir, writeFileAtomic } from './state-dir';

/** SCF's limit on a version's unpacked code (layers included). */
export const MAX_UNPACKED_BYTES = 500 * 1024 * 1024;
/** More entries than any function package has: a zip bomb of empty files stops here. */
export const MAX_ENTRIES = 100_000;

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function zipFault(message: string): ApiFault {
  return new ApiFault('InvalidParameterValue.ZipFile', message);
}

export class PackageStore {
  /** Unpacks running now, by hash: two deploys of one zip share the work. */
  private readonly pending = new Map<string, Promise<CodeRecord>>();
  /** Code held by running invocations or unsettled updates, with how many holds: never collected while held. */
  private readonly held = new Map<string, number>();

  constructor(private readonly state: StateDir) {}

  private zipFile(sha256: string): string {
    return path.join(this.state.sub('packages'), `${sha256}.zip`);
  }

  private codeDir(sha256: string): string {
    return path.join(this.state.sub('code'), sha256);
  }

  /** The code record of a package this store has unpacked (the account file keeps only the hash). */
  codeRecord(sha256: string, size: number): CodeRecord {
    return { dir: this.codeDir(sha256), sha256, size };
  }

  /** The zip as uploaded, when this store has it. */
  zipPath(sha256: string): string | undefined {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    const file = this.zipFile(sha256);
    return fs.existsSync(file) ? file : undefined;
  }

  /** Keeps `zip` and unpacks it; refuses (InvalidParameterValue.ZipFile) what is not a usable zip. */
  unpack(zip: Buffer): Promise<CodeRecord> {
    const sha256 = sha256Hex(zip);
    const running = this.pending.get(sha256);
    if (running) return running;
    const work = this.unpackNew(zip, sha256).finally(() => this.pending.delete(sha256));
    this.pending.set(sha256, work);
    return work;
  }

  private manifestFile(sha256: string): string {
    return path.join(this.state.sub('packages'), `${sha256}.manifest.json`);
  }

  /** True when the code directory of `sha256` holds every file of its zip, at its size (its manifest says which). */
  isComplete(sha256: string): boolean {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(fs.readFileSync(this.manifestFile(sha256), 'utf8')) as Manifest;
    } catch {
      return false;
    }
    const found = treeSummary(this.codeDir(sha256));
    return found !== undefined && found.files === manifest.files && found.bytes === manifest.bytes;
  }

  private async unpackNew(zip: Buffer, sha256: string): Promise<CodeRecord> {
    const record = this.codeRecord(sha256, zip.length);
    const dir = record.dir;
    if (fs.existsSync(dir)) {
      if (this.isComplete(sha256)) {
        if (!fs.existsSync(this.zipFile(sha256))) writeFileAtomic(this.zipFile(sha256), zip, this.state.persistent);
        return record;
      }
      // Cut short (an emulator stopped mid-unpack, or a directory damaged since): unpacked again, never reused.
      removeTree(dir);
    }
    const temp = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
    fs.mkdirSync(temp, { recursive: true });
    try {
      const expected = await extract(zip, temp);
      const found = treeSummary(temp);
      if (!found || found.files !== expected.files || found.bytes !== expected.bytes) {
        throw new ApiFault('InternalError', `The package was unpacked incompletely (${found?.files ?? 0} of ${expected.files} files): deploy it again.`);
      }
      // SCF's code directory is read-only: a handler that writes there fails as it would in the cloud, and
      // cannot change what later runs (or a published version) execute.
      setWritable(temp, false);
      writeFileAtomic(this.zipFile(sha256), zip, this.state.persistent);
      writeFileAtomic(this.manifestFile(sha256), JSON.stringify(expected), this.state.persistent);
      fs.renameSync(temp, dir);
    } catch (error) {
      removeTree(temp);
      if (error instanceof ApiFault) throw error;
      throw zipFault(`The package could not be unpacked: ${(error as Error).message}`);
    }
    return record;
  }

  /**
   * Unpacks again, from the zips kept, the code of `hashes` found incomplete (an emulator stopped mid-unpack
   * or killed): returns the hashes that could not be repaired (their zip is gone too).
   */
  async repair(hashes: Iterable<string>): Promise<string[]> {
    const lost: string[] = [];
    for (const sha256 of hashes) {
      if (this.isComplete(sha256)) continue;
      const file = this.zipPath(sha256);
      if (!file) {
        lost.push(sha256);
        continue;
      }
      try {
        await this.unpack(fs.readFileSync(file));
      } catch {
        lost.push(sha256);
      }
    }
    return lost;
  }

  /** Keeps the code `sha256` names from collection until the returned release is called (once). */
  hold(sha256: string | undefined): () => void {
    if (!sha256) return () => {};
    this.held.set(sha256, (this.held.get(sha256) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(sha256) ?? 1) - 1;
      if (left) this.held.set(sha256, left);
      else this.held.delete(sha256);
    };
  }

  /**
   * Removes packages and code no function or version refers to any more and nothing holds. An unpack under way
   * (its directory and files are named by its hash) is never touched; what an unpack cut short by a stopped
   * emulator left behind is.
   */
  collect(referenced: ReadonlySet<string>): void {
    const keep = (name: string) => {
      const sha256 = name.slice(0, 64);
      return referenced.has(sha256) || this.held.has(sha256) || this.pending.has(sha256);
    };
    for (const sub of ['code', 'packages']) {
      const dir = this.state.sub(sub);
      for (const name of fs.readdirSync(dir)) if (!keep(name)) removeTree(path.join(dir, name));
    }
  }
}

interface Manifest {
  /** Regular files the zip unpacks to (each name once). */
  files: number;
  /** Their bytes. */
  bytes: number;
}

/** The regular files under `root` and their bytes; undefined when `root` is not there. */
function treeSummary(root: string): Manifest | undefined {
  const summary: Manifest = { files: 0, bytes: 0 };
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const target = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(target);
      else if (entry.isFile()) {
        summary.files++;
        summary.bytes += fs.statSync(target).size;
      }
    }
  };
  try {
    walk(root);
  } catch {
    return undefined;
  }
  return summary;
}

/** Unpacks `zip` into `dir`, which exists and is empty; returns what it should now hold. */
export async function extract(zip: Buffer, dir: string): Promise<Manifest> {
  let archive: yauzl.ZipFile;
  try {
    archive = await yauzl.fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true });
  } catch (error) {
    throw zipFault(`The package is not a zip file: ${(error as Error).message}`);
  }
  if (archive.entryCount > MAX_ENTRIES) {
    archive.close();
    throw zipFault(`The package has ${archive.entryCount} entries: more than ${MAX_ENTRIES}.`);
  }
  const root = path.resolve(dir);
  let total = 0;
  // The last entry of a name is the one left on disk.
  const files = new Map<string, number>();
  try {
    for await (const entry of archive.eachEntry()) {
      const name = entry.fileName;
      const target = path.resolve(root, name);
      // yauzl already refuses absolute names and `..`; this also holds for whatever it lets through.
      if (target !== root && !target.startsWith(root + path.sep)) throw zipFault(`The entry \`${name}\` points outside the package.`);
      if (name.endsWith('/')) {
        fs.mkdirSync(target, { recursive: true });
        continue;
      }
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      // A link could point anywhere: links are not unpacked.
      if ((mode & S_IFMT) === S_IFLNK) continue;
      if (entry.isEncrypted()) throw zipFault(`The entry \`${name}\` is encrypted.`);
      total += entry.uncompressedSize;
      if (total > MAX_UNPACKED_BYTES) throw zipFault(`The package unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB.`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const stream = await archive.openReadStreamPromise(entry);
      await pipeline(stream, fs.createWriteStream(target, { mode: mode & 0o111 ? 0o755 : 0o644 }));
      files.set(target, entry.uncompressedSize);
    }
  } catch (error) {
    archive.close();
    if (error instanceof ApiFault) throw error;
    throw zipFault(`The package is not a valid zip file: ${(error as Error).message}`);
  }
  let bytes = 0;
  for (const size of files.values()) bytes += size;
  return { files: files.size, bytes };
}

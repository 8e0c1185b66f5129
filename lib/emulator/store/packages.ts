// Deployed packages: each zip kept as uploaded (GetFunctionAddress serves it) and unpacked once into a
// directory of its own, both named by the zip's SHA-256, so that a version keeps running the code it was
// published with whatever $LATEST becomes. Unpacking goes through yauzl and refuses what would escape the
// directory or could not be a real function package.
import { createHash } from 'crypto';
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

  private async unpackNew(zip: Buffer, sha256: string): Promise<CodeRecord> {
    const record = this.codeRecord(sha256, zip.length);
    const dir = record.dir;
    if (fs.existsSync(dir)) {
      if (!fs.existsSync(this.zipFile(sha256))) writeFileAtomic(this.zipFile(sha256), zip);
      return record;
    }
    const temp = `${dir}.${process.pid}.${Date.now()}.partial`;
    fs.mkdirSync(temp, { recursive: true });
    try {
      await extract(zip, temp);
      // SCF's code directory is read-only: a handler that writes there fails as it would in the cloud, and
      // cannot change what later runs (or a published version) execute.
      setWritable(temp, false);
      writeFileAtomic(this.zipFile(sha256), zip);
      fs.renameSync(temp, dir);
    } catch (error) {
      removeTree(temp);
      if (error instanceof ApiFault) throw error;
      throw zipFault(`The package could not be unpacked: ${(error as Error).message}`);
    }
    return record;
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

  /** Removes packages and code no function or version refers to any more and nothing holds. */
  collect(referenced: ReadonlySet<string>): void {
    const keep = (sha256: string) => referenced.has(sha256) || this.held.has(sha256);
    for (const name of fs.readdirSync(this.state.sub('code'))) {
      if (!keep(name)) removeTree(path.join(this.state.sub('code'), name));
    }
    for (const name of fs.readdirSync(this.state.sub('packages'))) {
      if (!keep(name.replace(/\.zip$/, ''))) fs.rmSync(path.join(this.state.sub('packages'), name), { force: true });
    }
  }
}

/** Unpacks `zip` into `dir`, which exists and is empty. */
export async function extract(zip: Buffer, dir: string): Promise<void> {
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
    }
  } catch (error) {
    archive.close();
    if (error instanceof ApiFault) throw error;
    throw zipFault(`The package is not a valid zip file: ${(error as Error).message}`);
  }
}

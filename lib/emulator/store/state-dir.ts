// Where the emulator keeps what outlives a request: the account file, deployed packages, unpacked code and
// COS objects. A directory the user names (`--state-dir`, kept across restarts), or a temporary one made on
// first use and removed at close.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';

export class StateDir {
  private made?: string;

  constructor(private readonly chosen?: string) {}

  /** True when the directory outlives the emulator. */
  get persistent(): boolean {
    return this.chosen !== undefined;
  }

  /** The directory (created when first asked for). */
  get path(): string {
    if (this.chosen) {
      if (!this.made) {
        fs.mkdirSync(this.chosen, { recursive: true });
        this.made = path.resolve(this.chosen);
      }
      return this.made;
    }
    this.made ??= fs.mkdtempSync(path.join(os.tmpdir(), 'scf-emulator-'));
    return this.made;
  }

  /** A subdirectory, created when missing. */
  sub(name: string): string {
    const dir = path.join(this.path, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Removes a temporary directory; a chosen one stays. */
  close(): void {
    if (!this.chosen && this.made) removeTree(this.made);
    if (!this.chosen) this.made = undefined;
  }
}

/** Writes a file so that a reader (or a crash) sees the old content or the new, never a part. */
export function writeFileAtomic(file: string, data: string | Buffer): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
}

/** Takes write permission away from a tree (files keep their execute bits), or gives the owner's back. */
export function setWritable(root: string, writable: boolean): void {
  const walk = (target: string) => {
    const stat = fs.lstatSync(target);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory() && writable) fs.chmodSync(target, stat.mode | 0o200);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) walk(path.join(target, entry));
    if (!writable) fs.chmodSync(target, stat.mode & ~0o222);
    else if (!stat.isDirectory()) fs.chmodSync(target, stat.mode | 0o200);
  };
  walk(root);
}

/** Removes a tree, read-only code included. */
export function removeTree(root: string): void {
  if (!fs.existsSync(root)) return;
  setWritable(root, true);
  fs.rmSync(root, { recursive: true, force: true });
}

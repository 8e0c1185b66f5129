// Where the emulator keeps what outlives a request: the account file, deployed packages, unpacked code, CLS
// records and COS objects. A directory the user names (`--state-dir`, kept across restarts), or a temporary one
// removed at close. Either way one emulator holds it: a lock file names the process, and a second emulator is
// refused while that process lives. A new directory is the user's alone (0700): deployed code and the account
// (other functions' environments) are not for other local users to read.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';

/** The lock file: `{pid, host, startedAt}` of the emulator that holds the directory. */
export const LOCK_FILE = 'emulator.lock';
/** Names the directory as an emulator's state (the plugin leaves such a directory out of packages). */
export const MARKER_FILE = 'SCF-EMULATOR-STATE';
/** Temporary state directories: `<tmpdir>/scf-emulator-XXXXXX`. */
const TEMP_PREFIX = 'scf-emulator-';

/** A state directory that cannot be used as it is: the message says which and what to do. */
export class StateDirError extends Error {
  override name = 'StateDirError';
}

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

/** True while process `pid` exists (one of another user counts). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(dir: string): LockInfo | undefined {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
    return { pid: Number(lock?.pid), host: String(lock?.host ?? ''), startedAt: String(lock?.startedAt ?? '') };
  } catch {
    return undefined;
  }
}

/** The emulator that holds `dir` now (its lock names a live process on this host), if any. */
export function lockHolder(dir: string): LockInfo | undefined {
  const lock = readLock(dir);
  if (!lock) return undefined;
  // A lock written on another host cannot be checked: it counts as held.
  return lock.host !== os.hostname() || alive(lock.pid) ? lock : undefined;
}

function heldText(dir: string, lock: LockInfo): string {
  const where = lock.host !== os.hostname() ? ` on ${lock.host}` : '';
  return `${dir} is in use by another emulator (PID ${lock.pid}${where}, started ${lock.startedAt}): stop it, or give this one another --state-dir. If no emulator runs there, delete ${path.join(dir, LOCK_FILE)}.`;
}

/** Takes the lock of `dir` for this process; a lock whose process is gone is taken over. */
function takeLock(dir: string): void {
  const file = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 5; attempt++) {
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(temp, mine, { mode: 0o600 });
    try {
      // A link fails when the lock exists: two emulators starting at once cannot both win.
      fs.linkSync(temp, file);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(temp, { force: true });
    }
    const holder = lockHolder(dir);
    if (holder) throw new StateDirError(heldText(dir, holder));
    // Stale: moved aside (only one taker can), then taken.
    try {
      const aside = `${file}.${randomBytes(6).toString('hex')}.stale`;
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  throw new StateDirError(`Could not take the lock of ${dir}: another emulator keeps starting there.`);
}

function releaseLock(dir: string): void {
  const lock = readLock(dir);
  if (lock && lock.pid === process.pid && lock.host === os.hostname()) fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
}

/**
 * Temporary state directories of emulators that died without closing (killed, out of memory): their lock names
 * a process that is gone. Only this user's are looked at; a directory without a lock is left alone.
 */
export function sweepAbandoned(tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((name) => name.startsWith(TEMP_PREFIX));
  } catch {
    return removed;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    const dir = path.join(tmp, name);
    try {
      const stat = fs.lstatSync(dir);
      if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) continue;
      const lock = readLock(dir);
      if (!lock || lockHolder(dir)) continue;
      removeTree(dir);
      removed.push(dir);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return removed;
}

/** True when `dir` holds an emulator's state (its marker, or an account file with code or packages beside it). */
export function isStateDir(dir: string): boolean {
  if (fs.existsSync(path.join(dir, MARKER_FILE))) return true;
  return fs.existsSync(path.join(dir, 'account.json')) && (fs.existsSync(path.join(dir, 'code')) || fs.existsSync(path.join(dir, 'packages')));
}

/** `scf-emulator --reset DIR`: removes an emulator's state directory, read-only code included; never one in use. */
export function resetStateDir(dir: string): void {
  const resolved = path.resolve(dir);
  if (!fs.existsSync(resolved)) throw new StateDirError(`${dir} does not exist: nothing to reset.`);
  if (!isStateDir(resolved)) throw new StateDirError(`${dir} is not an emulator's state directory (no ${MARKER_FILE} or account.json in it): left alone.`);
  const holder = lockHolder(resolved);
  if (holder) throw new StateDirError(heldText(dir, holder));
  removeTree(resolved);
}

export class StateDir {
  private made?: string;

  constructor(private readonly chosen?: string) {}

  /** True when the directory outlives the emulator. */
  get persistent(): boolean {
    return this.chosen !== undefined;
  }

  /**
   * Makes (0700 when new) or opens the directory and takes its lock; refused while another emulator holds it.
   * Temporary directories that died with their emulator are removed first.
   */
  open(): string {
    if (this.made) return this.made;
    if (this.chosen === undefined) {
      sweepAbandoned();
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
      takeLock(dir);
      this.made = dir;
      return dir;
    }
    const dir = path.resolve(this.chosen);
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new StateDirError(`--state-dir ${this.chosen} is a file, not a directory.`);
    // A directory made here is the user's alone; one that exists keeps the mode its owner gave it.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    takeLock(dir);
    if (!fs.existsSync(path.join(dir, MARKER_FILE))) {
      fs.writeFileSync(path.join(dir, MARKER_FILE), 'The state of an SCF emulator (scf-emulator --state-dir). Delete it with: scf-emulator --reset DIR\n', { mode: 0o600 });
    }
    this.made = dir;
    return dir;
  }

  /** The directory (opened when first asked for). */
  get path(): string {
    return this.open();
  }

  /** A subdirectory, created when missing. */
  sub(name: string): string {
    const dir = path.join(this.path, name);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Releases the lock; removes a temporary directory (a chosen one stays). */
  close(): void {
    if (!this.made) return;
    if (this.chosen === undefined) removeTree(this.made);
    else releaseLock(this.made);
    this.made = undefined;
  }
}

/**
 * Writes a file so that a reader sees the old content or the new, never a part; `durable` (a kept state
 * directory) also so that a crash does: flushed to disk first, which blocks, so a temporary directory skips it.
 */
export function writeFileAtomic(file: string, data: string | Buffer, durable = true): void {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(temp, 'w', 0o600);
  try {
    fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    if (durable) fs.fsyncSync(fd);
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

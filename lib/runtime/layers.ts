// Layers as SCF mounts them: the contents of each layer a function binds, unpacked under /opt in the order the
// function lists them, a later layer's file replacing an earlier one's of the same path. Here /opt is a directory
// of this machine: one layer is used as it is, several are merged into one directory (hard links where the file
// system allows, copies elsewhere), so `invoke local` and the emulator run handlers over the same files.
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Where Node.js finds modules of layers (SCF's NODE_PATH and its layer page): after the code's own. */
export function nodeLayerPaths(optDir: string): string[] {
  return [path.join(optDir, 'nodejs', 'node_modules'), path.join(optDir, 'node_modules'), optDir];
}

/** Where Python finds modules of layers (SCF's PYTHONPATH and its layer page): after the code's own. */
export function pythonLayerPaths(optDir: string): string[] {
  return [path.join(optDir, 'python'), optDir];
}

/** Copies (or links) every file of `from` into `to`, replacing what is there: a later layer wins. */
function overlay(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      // A file of an earlier layer where this one has a directory: the directory wins.
      if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) fs.rmSync(target, { force: true });
      overlay(source, target);
    } else if (entry.isFile()) {
      fs.rmSync(target, { recursive: true, force: true });
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
        fs.chmodSync(target, fs.statSync(source).mode & 0o777);
      }
    }
  }
}

export interface MountedLayers {
  /** The directory standing for /opt. */
  dir: string;
  /** Removes what the mount made (nothing for a single layer or a kept mount). */
  release(): void;
}

/**
 * /opt for `layerDirs` (in the function's order): undefined without layers; the one directory itself for one
 * layer; else a merge. With `cacheDir` (layers whose directories never change, as the emulator's, named by their
 * content) the merge is kept there and reused; without, it is made afresh and `release` removes it.
 */
export function mountLayers(layerDirs: readonly string[], cacheDir?: string): MountedLayers | undefined {
  const dirs = layerDirs.filter((dir) => fs.existsSync(dir));
  if (!dirs.length) return undefined;
  if (dirs.length === 1) return { dir: dirs[0], release: () => undefined };
  if (cacheDir) {
    const dir = path.join(cacheDir, createHash('sha256').update(dirs.join('\0')).digest('hex').slice(0, 32));
    if (!fs.existsSync(dir)) {
      // Made aside and renamed in: two runs mounting at once never see half a merge.
      const temporary = `${dir}.${process.pid}.${randomBytes(4).toString('hex')}`;
      for (const layer of dirs) overlay(layer, temporary);
      try {
        fs.renameSync(temporary, dir);
      } catch {
        fs.rmSync(temporary, { recursive: true, force: true });
      }
    }
    return { dir, release: () => undefined };
  }
  const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'scf-opt-'));
  for (const layer of dirs) overlay(layer, dir);
  return { dir, release: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// How the plugin is installed in the service, and keeping its files out of what serverless walks when it
// packages. serverless v3 and osls glob the service with links followed: a plugin installed by path, `npm link`
// or a `link:` dependency is a link to its whole checkout (its node_modules, the examples' link back to it), which
// those globs would walk for many minutes. Two walks do so:
// - the zip's glob of `**`: a negative pattern ending in `/**` keeps the glob out of a directory, so the plugin's
//   own directory is excluded by pattern (it is a dev dependency: it never belongs in a package anyway);
// - serverless 3's dev-dependency exclusion, which globs `**/package.json` (node_modules included, with no way to
//   keep it out) before it asks npm: when the plugin is such a link, the plugin does that exclusion itself, the
//   same way (npm ls in each directory with a package.json, the same globs), without walking node_modules.
// pnpm's own layout links the plugin into node_modules/.pnpm, inside the service: nothing outside is walked.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const PLUGIN_NAME = 'serverless-tencent-scf-plugin';

/** The patterns that keep the plugin's directory, wherever node_modules holds it, out of the package and its walk. */
export function pluginExcludePatterns(name = PLUGIN_NAME): string[] {
  return [`!node_modules/${name}/**`, `!**/node_modules/${name}/**`];
}

/** Where node_modules/<name> of the service leads when it is a link out of the service directory, else undefined. */
export function linkOutOfService(serviceDir: string, name = PLUGIN_NAME): string | undefined {
  const link = path.join(serviceDir, 'node_modules', name);
  try {
    if (!fs.lstatSync(link).isSymbolicLink()) return undefined;
    const target = fs.realpathSync(link);
    const root = fs.realpathSync(serviceDir);
    return target === root || target.startsWith(root + path.sep) ? undefined : target;
  } catch {
    return undefined; // not there (found higher up, as in this repository's examples), or a dangling link
  }
}

/** Every directory under `dir` holding a package.json, node_modules and dot-directories left out, links not followed. */
export function packageDirs(dir: string, relative = ''): string[] {
  const found: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
  } catch {
    return found;
  }
  if (entries.some((e) => e.isFile() && e.name === 'package.json')) found.push(relative);
  for (const entry of entries) {
    if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) found.push(...packageDirs(dir, path.join(relative, entry.name)));
  }
  return found;
}

function npmList(cwd: string, kind: 'dev' | 'prod'): Promise<string[]> {
  return new Promise((resolve) => {
    // NODE_ENV=production would make `npm ls --dev` list nothing (serverless clears it for the same reason).
    const env = { ...process.env };
    delete env.NODE_ENV;
    execFile('npm', ['ls', `--${kind}=true`, '--parseable=true', '--long=false', '--silent', '--all'], { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (_error, stdout) =>
      resolve(String(stdout ?? '').split(/[\r\n]+/).filter(Boolean)),
    );
  });
}

/**
 * The patterns that leave the service's dev dependencies out of its package, as serverless 3's own exclusion makes
 * them (each dev-only package's directory, and its `.bin` entries), found without walking node_modules.
 */
export async function devDependencyPatterns(serviceDir: string): Promise<string[]> {
  const dev = new Set<string>();
  const prod = new Set<string>();
  for (const dir of packageDirs(serviceDir)) {
    const cwd = path.join(serviceDir, dir);
    const [devList, prodList] = await Promise.all([npmList(cwd, 'dev'), npmList(cwd, 'prod')]);
    devList.forEach((p) => dev.add(p));
    prodList.forEach((p) => prod.add(p));
  }
  const patterns: string[] = [];
  for (const full of dev) {
    if (prod.has(full)) continue;
    const item = path.relative(serviceDir, full);
    if (!item || item.startsWith('..') || !item.split(path.sep).includes('node_modules')) continue;
    const posix = item.split(path.sep).join('/');
    patterns.push(`!${posix}/**`);
    let bin: unknown;
    try {
      bin = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8')).bin;
    } catch {
      continue;
    }
    const modulePath = posix.slice(0, posix.lastIndexOf('/') + 1);
    const moduleName = posix.slice(posix.lastIndexOf('/') + 1);
    const bins = typeof bin === 'string' ? [moduleName] : bin && typeof bin === 'object' ? Object.keys(bin) : [];
    for (const name of bins) patterns.push(`!${modulePath}.bin/${name}`);
  }
  return patterns;
}

// Copies an npm package and everything it depends on into a service's node_modules, as `npm install` there would:
// the demo and the tests give examples/express its Express from this repository's own node_modules.
import * as fs from 'fs';
import * as path from 'path';

/** Looked up as Node.js does (node_modules up from `from`, then `extra` dirs): a package's "exports" may hide its package.json from require.resolve. */
function find(pkg: string, from: string, extra: readonly string[]): string | undefined {
  const dirs: string[] = [];
  for (let dir = from; ; dir = path.dirname(dir)) {
    dirs.push(path.join(dir, 'node_modules'));
    if (path.dirname(dir) === dir) break;
  }
  dirs.push(...extra, ...(process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean));
  return dirs.map((d) => path.join(d, pkg)).find((d) => fs.existsSync(path.join(d, 'package.json')));
}

/** Copies `name` (found from `root`) and its dependencies into `dir`/node_modules. */
export function vendorPackage(name: string, root: string, dir: string): void {
  const seen = new Set<string>();
  const copy = (pkg: string, from: string) => {
    if (seen.has(pkg)) return;
    seen.add(pkg);
    const source = find(pkg, from, [path.join(root, 'node_modules')]);
    if (!source) throw new Error(`${pkg} is not installed in ${root}: npm install --save-dev ${name}`);
    fs.cpSync(source, path.join(dir, 'node_modules', pkg), { recursive: true, dereference: true });
    for (const dep of Object.keys(JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8')).dependencies ?? {})) copy(dep, source);
  };
  copy(name, root);
}

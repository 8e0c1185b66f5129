// How the plugin is installed in the service. serverless v3 and osls package a service by globbing it with links
// followed, node_modules included, before they drop dev dependencies; a plugin installed by path or `npm link` is a
// link to its whole checkout (its node_modules, and the examples' link back to the checkout), which that glob walks
// for many minutes. Found before packaging, it is one line that says how to install a copy instead.
import * as fs from 'fs';
import * as path from 'path';

export const PLUGIN_NAME = 'serverless-tencent-scf-plugin';

/** One sentence when `serviceDir`'s node_modules holds the plugin as a link, else undefined. */
export function linkedInstallProblem(serviceDir: string, name = PLUGIN_NAME): string | undefined {
  const link = path.join(serviceDir, 'node_modules', name);
  let target: string;
  try {
    if (!fs.lstatSync(link).isSymbolicLink()) return undefined;
    target = fs.realpathSync(link);
  } catch {
    return undefined; // not there (found higher up, as in this repository's examples), or a dangling link
  }
  return (
    `node_modules/${name} is a link to ${target} (an install by path or npm link): packaging follows links and would ` +
    `walk that whole checkout for many minutes. Install a copy instead: npm install --save-dev --install-links ${target}`
  );
}

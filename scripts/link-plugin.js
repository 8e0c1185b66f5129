// Lets the example services name the plugin as a user's service does (`plugins: [serverless-tencent-scf-plugin]`):
// examples/node_modules/serverless-tencent-scf-plugin is made a link to this repository. Both serverless v3 and osls
// look plugins up from the service directory upwards, so examples/hello and examples/python find it there.
// The link sits outside every service directory (a deploy never packages it) and inside this checkout (each git
// worktree loads its own build, even when node_modules is shared). `npm install`, the build, the tests and the demo
// run it; in a copy without examples (an installed package) it does nothing.
const fs = require('fs');
const path = require('path');

const PLUGIN_NAME = 'serverless-tencent-scf-plugin';
const root = path.resolve(__dirname, '..');

/** Makes the link unless it is already right; returns its path, or undefined when there are no examples. */
function linkExamples() {
  const examples = path.join(root, 'examples');
  if (!fs.existsSync(examples)) return undefined;
  const link = path.join(examples, 'node_modules', PLUGIN_NAME);
  // Relative, so the checkout can move; Windows junctions need an absolute target.
  const target = process.platform === 'win32' ? root : path.relative(path.dirname(link), root);
  let current;
  try {
    current = fs.readlinkSync(link);
  } catch {
    // missing, or not a link
  }
  if (current === target) return link;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  const temporary = `${link}.${process.pid}`;
  fs.rmSync(temporary, { force: true });
  fs.symlinkSync(target, temporary, 'junction');
  // A rename swaps the link in at once: test files starting in parallel never see it missing.
  fs.renameSync(temporary, link);
  return link;
}

module.exports = { linkExamples, PLUGIN_NAME };

if (require.main === module) linkExamples();

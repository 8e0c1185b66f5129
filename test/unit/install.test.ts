import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { devDependencyPatterns, linkOutOfService, packageDirs, pluginExcludePatterns, PLUGIN_NAME } from '../../lib/config/install';

test('only a link out of the service counts: a copy, none, a dangling link, or pnpm\'s link into node_modules/.pnpm do not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-install-'));
  try {
    const service = path.join(root, 'svc');
    const clone = path.join(root, 'clone');
    const link = path.join(service, 'node_modules', PLUGIN_NAME);
    fs.mkdirSync(path.join(service, 'node_modules'), { recursive: true });
    fs.mkdirSync(clone);
    assert.equal(linkOutOfService(service), undefined, 'not installed here');
    fs.symlinkSync(clone, link);
    assert.equal(linkOutOfService(service), fs.realpathSync(clone), 'npm link, npm install ../clone');
    fs.unlinkSync(link);
    // pnpm's default layout: a link into the store under node_modules/.pnpm, inside the service.
    const store = path.join(service, 'node_modules', '.pnpm', `${PLUGIN_NAME}@0.1.0`, 'node_modules', PLUGIN_NAME);
    fs.mkdirSync(store, { recursive: true });
    fs.symlinkSync(store, link);
    assert.equal(linkOutOfService(service), undefined, 'pnpm');
    fs.unlinkSync(link);
    fs.symlinkSync(path.join(root, 'gone'), link);
    assert.equal(linkOutOfService(service), undefined, 'a dangling link is for the package manager to report');
    fs.unlinkSync(link);
    fs.mkdirSync(link);
    assert.equal(linkOutOfService(service), undefined, 'a copy');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('the plugin is kept out by patterns that end in /** (a glob does not enter what they exclude), wherever node_modules holds it', () => {
  assert.deepEqual(pluginExcludePatterns(), [`!node_modules/${PLUGIN_NAME}/**`, `!**/node_modules/${PLUGIN_NAME}/**`]);
});

test('dev dependencies are found without entering node_modules: package.json directories, then npm ls', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-install-'));
  try {
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'svc', version: '1.0.0', dependencies: { keep: '1.0.0' }, devDependencies: { tool: '1.0.0' } }));
    for (const [name, bin] of [['keep', undefined], ['tool', { tool: 'cli.js', 'tool-x': 'x.js' }]] as const) {
      fs.mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
      fs.writeFileSync(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...(bin ? { bin } : {}) }));
    }
    fs.mkdirSync(path.join(root, 'sub'));
    fs.writeFileSync(path.join(root, 'sub', 'package.json'), '{}');
    // A link inside that leads anywhere is not followed (a cycle here would never end).
    fs.symlinkSync(root, path.join(root, 'sub', 'loop'));
    assert.deepEqual(packageDirs(root).sort(), ['', 'sub']);
    const patterns = await devDependencyPatterns(root);
    assert.deepEqual(patterns.sort(), ['!node_modules/.bin/tool', '!node_modules/.bin/tool-x', '!node_modules/tool/**']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

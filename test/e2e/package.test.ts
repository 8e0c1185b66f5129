// What `npm pack` would publish: the built plugin (JavaScript, declarations, the Python bootstrap), LICENSE, README
// and package.json; no sources, tests, source maps, scripts or examples.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'child_process';
import { REPO } from '../helpers';

test('npm pack lists only dist/lib .js/.d.ts/.py, LICENSE, README.md and package.json', async () => {
  // --ignore-scripts: the files `npm test` just built, without building again.
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 }, (error, out) => (error ? reject(error) : resolve(out))),
  );
  const files: string[] = JSON.parse(stdout)[0].files.map((file: { path: string }) => file.path);
  const unexpected = files.filter((file) => !/^dist\/lib\/.+\.(js|d\.ts|py)$/.test(file) && !['LICENSE', 'README.md', 'package.json'].includes(file));
  assert.deepEqual(unexpected, []);
  for (const needed of ['dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/emulator/cli.js', 'dist/lib/runtime/python/bootstrap.py', 'LICENSE', 'README.md']) {
    assert.ok(files.includes(needed), `${needed} is packed`);
  }
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { linkedInstallProblem, PLUGIN_NAME } from '../../lib/config/install';

test('only a link in the service node_modules is a problem: a copy, none, or a dangling link is not', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-install-'));
  try {
    const service = path.join(root, 'svc');
    const clone = path.join(root, 'clone');
    fs.mkdirSync(path.join(service, 'node_modules'), { recursive: true });
    fs.mkdirSync(clone);
    assert.equal(linkedInstallProblem(service), undefined, 'not installed here');
    fs.symlinkSync(clone, path.join(service, 'node_modules', PLUGIN_NAME));
    assert.match(linkedInstallProblem(service)!, new RegExp(`is a link to ${fs.realpathSync(clone)} .*--install-links ${fs.realpathSync(clone)}$`));
    fs.rmSync(clone, { recursive: true });
    assert.equal(linkedInstallProblem(service), undefined, 'a dangling link is for npm to report');
    fs.unlinkSync(path.join(service, 'node_modules', PLUGIN_NAME));
    fs.mkdirSync(path.join(service, 'node_modules', PLUGIN_NAME));
    assert.equal(linkedInstallProblem(service), undefined, 'a copy');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

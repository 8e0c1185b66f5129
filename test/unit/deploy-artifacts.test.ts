// Packages on disk: which zip a function deploys from, how it travels (inline or COS), and the package
// directory `sls package --package DIR` fills.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isScfError } from '../../lib/cloud/errors';
import { artifactPath, codeRoute, copyArtifactsToPackageDir, INLINE_ZIP_BYTES } from '../../lib/deploy/artifacts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'scf-artifacts-'));
}

test('the package directory holds the packages just made, and no other zip', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, '.serverless'));
  fs.writeFileSync(path.join(dir, '.serverless', 'shop.zip'), 'service');
  fs.writeFileSync(path.join(dir, '.serverless', 'api.zip'), 'api');
  fs.mkdirSync(path.join(dir, 'out'));
  fs.writeFileSync(path.join(dir, 'out', 'old.zip'), 'stale');
  fs.writeFileSync(path.join(dir, 'out', 'notes.txt'), 'kept');
  const written = copyArtifactsToPackageDir(dir, 'out', ['.serverless/shop.zip', path.join(dir, '.serverless', 'api.zip')]);
  assert.deepEqual(written, [path.join(dir, 'out', 'shop.zip'), path.join(dir, 'out', 'api.zip')]);
  assert.deepEqual(fs.readdirSync(path.join(dir, 'out')).sort(), ['api.zip', 'notes.txt', 'shop.zip']);
  assert.equal(fs.readFileSync(path.join(dir, 'out', 'api.zip'), 'utf8'), 'api');
  assert.equal(artifactPath({ serviceDir: dir, service: 'shop', functionArtifact: () => undefined, packageDir: 'out' }, 'api'), path.join(dir, 'out', 'api.zip'));
  assert.equal(artifactPath({ serviceDir: dir, service: 'shop', functionArtifact: () => undefined, packageDir: 'out' }, 'web'), path.join(dir, 'out', 'shop.zip'));

  // The package directory is where serverless zipped to: nothing is lost.
  const same = copyArtifactsToPackageDir(dir, '.serverless', ['.serverless/shop.zip']);
  assert.deepEqual(same, [path.join(dir, '.serverless', 'shop.zip')]);
  assert.equal(fs.readFileSync(same[0], 'utf8'), 'service');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a package too large to inline goes through the bucket, or is refused naming its size and the setting', () => {
  const artifact = { file: '/x/shop.zip', sha256: 'ab'.repeat(32), size: INLINE_ZIP_BYTES + 1 };
  assert.deepEqual(codeRoute({ ...artifact, size: INLINE_ZIP_BYTES }, undefined), { inline: true });
  assert.deepEqual(codeRoute(artifact, { bucket: 'deploy-1250000000', region: 'ap-guangzhou', prefix: 'sls-tencent-scf/shop/dev' }), {
    inline: false,
    key: `sls-tencent-scf/shop/dev/shop-${'ab'.repeat(8)}.zip`,
  });
  assert.throws(
    () => codeRoute(artifact, undefined),
    (error) => isScfError(error) && error.code === 'Plugin.InvalidInput' && /^The package shop\.zip is 7\.3 MB: too large .*Set provider\.deploymentBucket/.test(error.message),
  );
});

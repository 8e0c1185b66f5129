// The README's first command, `npm run demo`, run as CI runs it: a demo broken on a fresh clone must not land.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'child_process';
import * as path from 'path';
import { REPO } from '../helpers';

test('npm run demo: every step behaves as the demo says', async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(process.execPath, [path.join(REPO, 'dist', 'examples', 'demo.js')], { cwd: REPO, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as any).code) || 1 : 0, output: stdout + stderr });
    });
  });
  assert.equal(code, 0, output);
  assert.match(output, /All demo steps behaved as expected\./);
  assert.match(output, /\$ cd examples\/hello && npx sls invoke -f hello --data '\{"name":"demo"\}'/, 'commands are printed as they can be pasted');
});

// The `scf-emulator` bin as a user runs it: stopping it (SIGTERM, SIGINT) stops every handler process it
// started, grandchildren included, at once; a handler whose emulator died (SIGKILL) exits by itself.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Credentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { createClients } from '../../lib/cloud/clients';
import { processExists as alive, REPO } from '../helpers';

const CLI = path.join(REPO, 'dist', 'lib', 'emulator', 'cli.js');

/** A service whose handler starts a grandchild and records both pids, then waits a long time. */
function service(): { dir: string; pids: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-cli-'));
  const pids = path.join(dir, 'pids.txt');
  fs.writeFileSync(
    path.join(dir, 'index.js'),
    `const { spawn } = require('child_process');
exports.hang = async () => {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  require('fs').writeFileSync(${JSON.stringify(pids)}, process.pid + ' ' + child.pid);
  await new Promise((r) => setTimeout(r, 60000));
};\n`,
  );
  fs.writeFileSync(path.join(dir, 'serverless.yml'), 'service: hang\nprovider:\n  name: tencent\n  timeout: 60\nfunctions:\n  hang:\n    handler: index.hang\n');
  return { dir, pids };
}

async function start(dir: string): Promise<{ child: ChildProcess; url: string; id: string; key: string }> {
  const child = spawn(process.execPath, [CLI, '--service', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (/Control API token/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code}): ${out}`)));
  });
  const value = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(out)![1];
  return { child, url: value('TENCENTCLOUD_SCF_ENDPOINT'), id: value('TENCENTCLOUD_SECRET_ID'), key: value('TENCENTCLOUD_SECRET_KEY') };
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return condition();
}

async function runningHandler(signal: NodeJS.Signals): Promise<{ handler: number; grandchild: number; exited: Promise<unknown> }> {
  const { dir, pids } = service();
  const emulator = await start(dir);
  const exited = new Promise((resolve) => emulator.child.once('exit', resolve));
  const scf = createClients({ endpoints: { scf: parseEndpoint(emulator.url) }, region: 'ap-guangzhou', credentials: new Credentials(emulator.id, emulator.key, undefined, 'test') }).scf;
  await scf.invoke({ functionName: 'hang-dev-hang', namespace: 'default', invocationType: 'Event', clientContext: '{}' });
  assert.ok(await until(() => fs.existsSync(pids) && fs.readFileSync(pids, 'utf8').includes(' '), 15_000), 'the handler started');
  const [handler, grandchild] = fs.readFileSync(pids, 'utf8').split(' ').map(Number);
  assert.ok(alive(handler) && alive(grandchild));
  emulator.child.kill(signal);
  return { handler, grandchild, exited };
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal} stops the emulator and every handler process it started, grandchildren too, at once`, async () => {
    const { handler, grandchild, exited } = await runningHandler(signal);
    await exited;
    assert.ok(await until(() => !alive(handler) && !alive(grandchild), 3000), `handler ${handler} or grandchild ${grandchild} outlived the emulator`);
  });
}

test('a handler whose emulator was killed exits by itself', async () => {
  const { handler, grandchild, exited } = await runningHandler('SIGKILL');
  await exited;
  try {
    assert.ok(await until(() => !alive(handler), 5000), `handler ${handler} kept running without its emulator`);
  } finally {
    if (alive(grandchild)) process.kill(grandchild, 'SIGKILL');
  }
});

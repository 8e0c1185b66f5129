// What the README tells a new user to do, done: the pipeline example starts the emulator so that `kill $!` stops
// it, and the facts it states about osls and serverless hold for the versions this repository installs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { CLIS, EXAMPLE, newCredentials, PLUGIN_NAME, REPO, serviceDir, sls } from '../helpers';

const README = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The README's fenced shell block holding `marker`. */
function block(marker: string): string {
  const found = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).find((text) => text.includes(marker));
  assert.ok(found, `the README has a shell block with ${marker}`);
  return found!;
}

function bash(script: string, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], { cwd, timeout: 60_000, env: { PATH: process.env.PATH, HOME: os.tmpdir() } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0, stdout, stderr }),
    );
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("the README's pipeline example starts the emulator's own bin: kill $! stops it, nothing is left listening", async () => {
  const example = block('EMULATOR=$!');
  assert.match(example, /^node_modules\/\.bin\/scf-emulator /m, 'the bin itself, not npx');
  assert.doesNotMatch(example, /npx scf-emulator/);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-pipeline-'));
  try {
    // The example's own files (its .serverless, which another test may be writing, is not one).
    for (const file of ['serverless.yml', 'index.js', 'jobs.js']) fs.copyFileSync(path.join(EXAMPLE, file), path.join(dir, file));
    // node_modules/.bin/scf-emulator as npm makes it: the package's bin, run by node.
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', '.bin', 'scf-emulator'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO, 'dist', 'lib', 'emulator', 'cli.js')}" "$@"\n`, { mode: 0o755 });
    const port = await freePort();
    // The deploy line is the user's own: here it is a request that the emulator answers.
    const script = example
      .replace(/9000/g, String(port))
      .replace(/^node_modules\/\.bin\/serverless .*$/m, `"${process.execPath}" -e "require('http').get('http://127.0.0.1:${port}/', (r) => console.log(r.statusCode))"`)
      .concat('\nwait $EMULATOR 2>/dev/null; echo "exit $?"\n');
    const result = await bash(script, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(fs.readFileSync(path.join(dir, 'emulator.log'), 'utf8'), /SCF emulator listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(result.stdout, /exit \d+/, 'the emulator ended when it was killed');
    assert.equal(await portOpen(port), false, 'nothing is left listening');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the README says how osls and serverless take the plugin, and they do', async () => {
  assert.match(README, /osls 4\.3 also loads a path\s+like `\.\/node_modules\/serverless-tencent-scf-plugin`/);
  assert.match(README, /serverless 3 says `Serverless command "deploy" not found`/);
  assert.match(README, /osls 4 stops at configuration errors that serverless 3 only\s+warns about, and at `frameworkVersion: '3'`/);
  assert.match(README, /both provide a\s+`sls` bin: here `npx sls` is osls/);
  assert.equal(fs.realpathSync(path.join(REPO, 'node_modules', '.bin', 'sls')), fs.realpathSync(CLIS.osls), 'npx sls is osls here');

  const emulator = { url: 'http://127.0.0.1:9', credentials: newCredentials() };
  const byPath = serviceDir(`service: bypath\nprovider:\n  name: tencent\nplugins:\n  - ./node_modules/${PLUGIN_NAME}\nfunctions:\n  a:\n    handler: index.hello\n`);
  fs.mkdirSync(path.join(byPath, 'node_modules'));
  fs.symlinkSync(REPO, path.join(byPath, 'node_modules', PLUGIN_NAME), 'junction');
  const printed = await sls(byPath, ['print'], emulator, {}, '', CLIS.osls);
  assert.equal(printed.code, 0, printed.stdout + printed.stderr);
  const help = await sls(byPath, ['logs', '--help'], emulator, {}, '', CLIS.osls);
  assert.match(help.stdout + help.stderr, /--requestId/, "the plugin's own options: it was loaded from the path");

  const without = serviceDir(`service: without\nprovider:\n  name: tencent\nfunctions:\n  a:\n    handler: index.hello\n`);
  const missing = await sls(without, ['deploy'], emulator, {}, '', CLIS.serverless);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stdout + missing.stderr, /Serverless command "deploy" not found/);

  const pinned = serviceDir(`service: pinned\nframeworkVersion: '3'\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  a:\n    handler: index.hello\n`);
  const refused = await sls(pinned, ['print'], emulator, {}, '', CLIS.osls);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /does not satisfy the "frameworkVersion" \(3\)/);
});

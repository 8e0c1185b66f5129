// The emulator's state directory under stress (issue 23): code being unpacked while the collector runs, code
// found incomplete, two emulators on one directory, its mode, a damaged account file, what a killed emulator
// leaves behind; and what outlives a restart besides functions (CLS topics and their records).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import JSZip = require('jszip');
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { newCredentials, type TestCredentials } from '../helpers';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { PackageStore } from '../../lib/emulator/store/packages';
import { StateDir } from '../../lib/emulator/store/state-dir';

const ScfSdkClient = (scf as any).v20180416.Client;
const NO_SERVICE = { dir: process.cwd(), service: '', stage: '', functions: [] };

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a state directory (its code is read-only). */
function removeState(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const walk = (target: string) => {
    const stat = fs.lstatSync(target);
    if (stat.isSymbolicLink()) return;
    fs.chmodSync(target, stat.mode | 0o700);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) walk(path.join(target, entry));
  };
  walk(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

async function zipOf(files: Record<string, string>): Promise<Buffer> {
  const zip = new JSZip();
  for (const [name, content] of Object.entries(files)) zip.file(name, content);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'STORE' });
}

/** A package of `count` small files besides its handler. */
async function manyFiles(count: number): Promise<Buffer> {
  const files: Record<string, string> = { 'index.js': 'exports.main = async () => "all there";\n' };
  for (let i = 0; i < count; i++) files[`lib/${i % 20}/file-${i}.js`] = `module.exports = ${i};\n`;
  return zipOf(files);
}

function filesUnder(dir: string): number {
  let count = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) count += entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : 1;
  return count;
}

interface Harness {
  emulator: RunningEmulator;
  credentials: TestCredentials;
  client: any;
}

async function start(stateDir: string | undefined, extra: Partial<EmulatorOptions> = {}, credentials = newCredentials()): Promise<Harness> {
  const emulator = await startEmulator({ service: NO_SERVICE, credentials, behaviour: { transitionMs: 0, stateDir }, ...extra });
  const client = new ScfSdkClient({
    credential: credentials,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://', reqTimeout: 60 } },
  });
  return { emulator, credentials, client };
}

async function deploy(h: Harness, name: string, zip: Buffer): Promise<void> {
  await h.client.CreateFunction({ FunctionName: name, Runtime: 'Nodejs18.15', Handler: 'index.main', Code: { ZipFile: zip.toString('base64') } });
  for (let i = 0; i < 200 && (await h.client.GetFunction({ FunctionName: name })).Status !== 'Active'; i++) await new Promise((r) => setTimeout(r, 25));
}

async function invoke(h: Harness, name: string): Promise<{ RetMsg: string; ErrMsg: string }> {
  return (await h.client.Invoke({ FunctionName: name, ClientContext: '{}' })).Result;
}

// ---- finding 2: the collector and unpacks ---------------------------------------------------------------------

test('a collection while a package is being unpacked leaves the unpack alone: the code is complete', async () => {
  const dir = tempDir('scf-state-unpack-');
  try {
    const store = new PackageStore(new StateDir(dir));
    const zip = await manyFiles(2000);
    const codeRoot = path.join(dir, 'code');
    const unpacking = store.unpack(zip);
    // Once the unpack has written into its own directory, the collector runs: nothing refers to that code yet.
    for (let i = 0; ; i++) {
      const partial = fs.existsSync(codeRoot) ? fs.readdirSync(codeRoot).find((name) => name.endsWith('.partial')) : undefined;
      if (partial && filesUnder(path.join(codeRoot, partial)) > 0) break;
      assert.ok(i < 100_000, 'the unpack never started writing');
      await new Promise((r) => setImmediate(r));
    }
    store.collect(new Set());
    const record = await unpacking;
    assert.equal(filesUnder(record.dir), 2001, 'every file of the package is there');
  } finally {
    removeState(dir);
  }
});

test('code found incomplete is unpacked again rather than reused, on deploy and at start', async () => {
  const dir = tempDir('scf-state-repair-');
  try {
    const store = new PackageStore(new StateDir(dir));
    const zip = await manyFiles(10);
    const first = await store.unpack(zip);
    // What an unpack cut short leaves: the directory in place with files missing.
    fs.chmodSync(first.dir, 0o755);
    fs.rmSync(path.join(first.dir, 'index.js'));
    const again = await store.unpack(zip);
    assert.equal(again.dir, first.dir);
    assert.equal(filesUnder(again.dir), 11, 'unpacked again, not reused');

    // A kept account whose code lost a file while the emulator was down: repaired from the zip before serving.
    const h = await start(dir);
    await deploy(h, 'whole', zip);
    const codeDir = h.emulator.core.account.getFunction('default', 'whole')!.code.dir;
    await h.emulator.close();
    fs.chmodSync(codeDir, 0o755);
    fs.rmSync(path.join(codeDir, 'index.js'));
    const restarted = await start(dir, {}, h.credentials);
    try {
      const result = await invoke(restarted, 'whole');
      assert.equal(result.ErrMsg, '', result.ErrMsg);
      assert.equal(JSON.parse(result.RetMsg), 'all there');
    } finally {
      await restarted.emulator.close();
    }
  } finally {
    removeState(dir);
  }
});

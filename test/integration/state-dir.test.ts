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
import { Credentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { createClients } from '../../lib/cloud/clients';
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

/** Starts an emulator on `dir` expecting a refusal (StateDirError); one that starts after all is closed, and fails the test. */
async function refusedStart(dir: string): Promise<Error> {
  const outcome = await start(dir).catch((error: Error) => error);
  if (!(outcome instanceof Error)) {
    await outcome.emulator.close();
    assert.fail('the emulator started');
  }
  assert.equal(outcome.name, 'StateDirError', outcome.stack);
  return outcome;
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
    const state = new StateDir(dir);
    const store = new PackageStore(state);
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
    state.close();
  } finally {
    removeState(dir);
  }
});

test('code found incomplete is unpacked again rather than reused, on deploy and at start', async () => {
  const dir = tempDir('scf-state-repair-');
  try {
    const state = new StateDir(dir);
    const store = new PackageStore(state);
    const zip = await manyFiles(10);
    const first = await store.unpack(zip);
    // What an unpack cut short leaves: the directory in place with files missing.
    fs.chmodSync(first.dir, 0o755);
    fs.rmSync(path.join(first.dir, 'index.js'));
    const again = await store.unpack(zip);
    assert.equal(again.dir, first.dir);
    assert.equal(filesUnder(again.dir), 11, 'unpacked again, not reused');
    state.close();

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

// ---- finding 5: one emulator per state directory --------------------------------------------------------------

test('a second emulator on a state directory in use is refused, naming the holder; a lock whose process is gone is taken over', async () => {
  const dir = tempDir('scf-state-lock-');
  try {
    const first = await start(dir);
    try {
      const second = await refusedStart(dir);
      assert.match(second.message, new RegExp(`is in use by another emulator \\(PID ${process.pid}, started `));
      // The refused one took nothing: the first still serves, its code intact.
      await deploy(first, 'kept', await manyFiles(3));
      assert.equal(JSON.parse((await invoke(first, 'kept')).RetMsg), 'all there');
    } finally {
      await first.emulator.close();
    }
    // An emulator that died without closing left its lock: the next one takes the directory over.
    fs.writeFileSync(path.join(dir, 'emulator.lock'), JSON.stringify({ pid: await deadPid(), host: os.hostname(), startedAt: 'then' }));
    const next = await start(dir, {}, first.credentials);
    try {
      assert.equal(JSON.parse((await invoke(next, 'kept')).RetMsg), 'all there');
    } finally {
      await next.emulator.close();
    }
  } finally {
    removeState(dir);
  }
});

/** The PID of a process that has exited. */
async function deadPid(): Promise<number> {
  const { spawn } = await import('child_process');
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

// ---- finding 10: modes, a damaged account file, an alias on itself, what a killed emulator leaves --------------

test('a new state directory is the user\'s alone (0700); an existing one keeps its mode', async () => {
  const parent = tempDir('scf-state-mode-');
  try {
    const fresh = path.join(parent, 'fresh');
    const h = await start(fresh);
    await h.emulator.close();
    assert.equal(fs.statSync(fresh).mode & 0o777, 0o700);
    const shared = path.join(parent, 'shared');
    fs.mkdirSync(shared, { mode: 0o750 });
    fs.chmodSync(shared, 0o750);
    await (await start(shared)).emulator.close();
    assert.equal(fs.statSync(shared).mode & 0o777, 0o750, "the owner's choice stays");
  } finally {
    removeState(parent);
  }
});

test('a truncated account file stops start-up with one sentence naming it and what to do', async () => {
  const dir = tempDir('scf-state-cut-');
  try {
    const h = await start(dir);
    await deploy(h, 'whole', await manyFiles(1));
    await h.emulator.close();
    const file = path.join(dir, 'account.json');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
    const error = await refusedStart(dir);
    assert.ok(error.message.startsWith(`${file} is not a whole account file (`), error.message);
    assert.match(error.message, /Restore it from a copy, or move it away to start with an empty account/);
    // The refused start let the directory go: once the file is moved away, the account starts empty.
    fs.renameSync(file, `${file}.broken`);
    const empty = await start(dir);
    assert.equal(empty.emulator.core.account.functions.size, 0);
    await empty.emulator.close();
  } finally {
    removeState(dir);
  }
});

test('an alias pointing at itself in a hand-edited account file is refused at load, naming it', async () => {
  const dir = tempDir('scf-state-alias-');
  try {
    const h = await start(dir);
    await deploy(h, 'looped', await manyFiles(1));
    await h.client.CreateAlias({ FunctionName: 'looped', Name: 'live', FunctionVersion: '$LATEST' });
    await h.emulator.close();
    const file = path.join(dir, 'account.json');
    const account = JSON.parse(fs.readFileSync(file, 'utf8'));
    account.functions[0].aliases.find((a: any) => a.name === 'live').functionVersion = 'live';
    fs.writeFileSync(file, JSON.stringify(account));
    const error = await refusedStart(dir);
    assert.match(error.message, /alias live of default\/looped points at "live", which is not one of its versions \(none\) nor \$LATEST/);
  } finally {
    removeState(dir);
  }
});

test('the temporary state an emulator killed without closing left behind is removed at the next start', async () => {
  const abandoned = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-emulator-'));
  fs.mkdirSync(path.join(abandoned, 'code', 'abc'), { recursive: true });
  fs.writeFileSync(path.join(abandoned, 'code', 'abc', 'index.js'), 'exports.main = () => 1;');
  fs.chmodSync(path.join(abandoned, 'code', 'abc'), 0o555);
  fs.writeFileSync(path.join(abandoned, 'emulator.lock'), JSON.stringify({ pid: await deadPid(), host: os.hostname(), startedAt: 'then' }));
  // One whose emulator still runs (this process) is left alone.
  const running = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-emulator-'));
  fs.writeFileSync(path.join(running, 'emulator.lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: 'now' }));
  try {
    const h = await start(undefined);
    await h.emulator.close();
    assert.equal(fs.existsSync(abandoned), false, 'the dead emulator\'s directory is gone');
    assert.equal(fs.existsSync(running), true, 'the live one is kept');
  } finally {
    removeState(abandoned);
    removeState(running);
  }
});

// ---- issue 24 item 5: CLS topics and their records outlive a restart ------------------------------------------

test('--state-dir: CLS topics and their records survive a restart, and the topic goes on taking records', async () => {
  const dir = tempDir('scf-state-cls-');
  try {
    const h = await start(dir);
    await deploy(h, 'logged', await zipOf({ 'index.js': 'exports.main = async (event) => { console.log("run", event.n); return event.n; };\n' }));
    const topicId = (await h.client.GetFunction({ FunctionName: 'logged' })).ClsTopicId;
    assert.ok(topicId);
    const before: string[] = [];
    for (let n = 1; n <= 2; n++) before.push((await h.client.Invoke({ FunctionName: 'logged', ClientContext: JSON.stringify({ n }) })).Result.FunctionRequestId);
    await h.emulator.close();

    const restarted = await start(dir, {}, h.credentials);
    try {
      assert.equal((await restarted.client.GetFunction({ FunctionName: 'logged' })).ClsTopicId, topicId, 'the function keeps its topic');
      const after = (await restarted.client.Invoke({ FunctionName: 'logged', ClientContext: '{"n":3}' })).Result.FunctionRequestId;
      const cls = createClients({
        endpoints: { scf: parseEndpoint(restarted.emulator.url), cls: parseEndpoint(restarted.emulator.url) },
        region: 'ap-guangzhou',
        credentials: new Credentials(h.credentials.secretId, h.credentials.secretKey, undefined, 'test'),
      }).cls;
      const found = await cls.searchLog({ topicId, from: Date.now() - 600_000, to: Date.now() + 1000, query: '', limit: 1000, sort: 'asc' });
      const ids = new Set(found.records.map((r) => r.fields.SCF_RequestId));
      for (const id of [...before, after]) assert.ok(ids.has(id), `the records of ${id} are searchable`);
      const runs = found.records.map((r) => /\brun \d$/.exec((r.fields.SCF_Message ?? '').trim())?.[0]).filter(Boolean);
      assert.deepEqual(runs, ['run 1', 'run 2', 'run 3']);
    } finally {
      await restarted.emulator.close();
    }
  } finally {
    removeState(dir);
  }
});

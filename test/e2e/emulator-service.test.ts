// `scf-emulator --service DIR` as a new user starts it: a serverless.json with `${file(...)}` variables, a function
// it cannot run (one line on stderr, the others served), the service's region; clashing names and a timeout over
// SCF's cap stop it with one line.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import JSZip = require('jszip');
import { Credentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { createClients } from '../../lib/cloud/clients';
import { REPO } from '../helpers';

const CLI = path.join(REPO, 'dist', 'lib', 'emulator', 'cli.js');
const made: string[] = [];
after(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function service(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-emu-svc-'));
  made.push(dir);
  fs.copyFileSync(path.join(REPO, 'examples', 'hello', 'index.js'), path.join(dir, 'index.js'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Runs the bin (from a directory of its own, not the service's) until it has printed its start lines (or exited). */
async function start(args: string[]): Promise<{ child: ChildProcess; stdout: string; stderr: string; code: number | null }> {
  const env = { PATH: process.env.PATH, HOME: os.tmpdir() };
  const child = spawn(process.execPath, [CLI, ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: os.tmpdir() });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      if (/Control API token/.test(stdout)) resolve(null);
    });
    child.once('exit', (exitCode) => resolve(exitCode));
  });
  return { child, stdout, stderr, code };
}

test('serverless.json with ${file(...)}: functions it cannot run are named on stderr, the others served, in the service region', async () => {
  const dir = service({
    'config.json': JSON.stringify({ ns: 'team', region: 'ap-shanghai' }),
    'serverless.json': JSON.stringify({
      service: 'newbie',
      provider: { name: 'tencent', namespace: '${file(./config.json):ns}', region: '${file(./config.json):region}' },
      functions: { hello: { handler: 'index.hello' }, nohandler: { timeout: 3 }, nodot: { handler: 'index' } },
    }),
  });
  const run = await start(['--service', dir]);
  try {
    assert.equal(run.code, null, run.stderr);
    assert.equal(
      run.stderr,
      'scf-emulator: functions.nohandler has no handler: give it "file.function", like index.main_handler. It is not served.\n' +
        'scf-emulator: functions.nodot.handler "index" is not "file.function" (the file, a dot, the function), like index.main_handler. It is not served.\n',
    );
    assert.match(run.stdout, /\(service newbie, stage dev, region ap-shanghai, appid \d+, uin \d+: team\/newbie-dev-hello\)/);
    assert.match(run.stdout, /export TENCENTCLOUD_REGION=ap-shanghai\n/);
    const value = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(run.stdout)![1];
    const scf = createClients({
      endpoints: { scf: parseEndpoint(value('TENCENTCLOUD_SCF_ENDPOINT')) },
      region: 'ap-shanghai',
      credentials: new Credentials(value('TENCENTCLOUD_SECRET_ID'), value('TENCENTCLOUD_SECRET_KEY'), undefined, 'test'),
    }).scf;
    const result = await scf.invoke({ functionName: 'newbie-dev-hello', namespace: 'team', invocationType: 'RequestResponse', clientContext: '{"name":"new"}' });
    assert.equal(JSON.parse(result.retMsg).message, 'Hello from newbie-dev-hello');
  } finally {
    run.child.kill('SIGTERM');
  }
});

test('two functions under one deployed name, or a timeout over 900 s, stop it with one line', async () => {
  const cases: Array<[string, string]> = [
    [
      'service: clash\nfunctions:\n  first:\n    handler: index.hello\n    name: same-name\n  second:\n    handler: index.echo\n    name: same-name\n',
      'scf-emulator: functions.first and functions.second are both deployed as same-name in namespace default: give one another name or namespace.\n',
    ],
    ['service: long\nfunctions:\n  batch:\n    handler: index.slow\n    timeout: 1800\n', "scf-emulator: functions.batch.timeout is 1800 s: SCF caps a function's timeout at 900 s.\n"],
    [
      'service: vars\nprovider:\n  namespace: ${ssm:/team/ns}\nfunctions:\n  a:\n    handler: index.hello\n',
      'scf-emulator: Cannot resolve provider.namespace "${ssm:/team/ns}" in serverless.yml: ${ssm:...} is not a source the emulator resolves. ' +
        "The emulator resolves ${opt:NAME}, ${env:NAME}, ${self:PATH}, ${sls:stage} and ${file(PATH):KEY}, with 'text' or number fallbacks.\n",
    ],
  ];
  for (const [yml, line] of cases) {
    const dir = service({ 'serverless.yml': yml });
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, '--service', dir, '--port', '0'], { timeout: 30_000 }, (error, stdout, stderr) =>
        resolve({ code: typeof (error as any)?.code === 'number' ? (error as any).code : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.code, 2, run.stdout);
    assert.equal(run.stderr, line);
    assert.equal(run.stdout, '');
  }
});

// ---- issue 24 item 17: timers, TypeScript as serverless reads it, regions, --help, --verbose -------------------

/** Waits until `child`'s stdout (collected into `out`) matches `pattern`; false when it did not within `ms`. */
async function printed(child: ChildProcess, out: { text: string }, pattern: RegExp, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pattern.test(out.text)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return pattern.test(out.text);
}

function clientOf(stdout: string) {
  const value = (name: string) => new RegExp(`export ${name}=(\\S+)`).exec(stdout)![1];
  return createClients({
    endpoints: { scf: parseEndpoint(value('TENCENTCLOUD_SCF_ENDPOINT')) },
    region: 'ap-guangzhou',
    credentials: new Credentials(value('TENCENTCLOUD_SECRET_ID'), value('TENCENTCLOUD_SECRET_KEY'), undefined, 'test'),
  }).scf;
}

test('--service arms the service\'s timer triggers; --verbose prints a line per request and per timer firing', async () => {
  const dir = service({
    'serverless.yml': "service: ticker\nprovider:\n  name: tencent\nfunctions:\n  tick:\n    handler: index.hello\n    events:\n      - timer: { name: every-second, cron: '* * * * * * *', argument: '{\"from\":\"timer\"}' }\n",
  });
  const run = await start(['--service', dir, '--verbose']);
  const out = { text: run.stdout };
  run.child.stdout!.on('data', (chunk) => (out.text += chunk));
  try {
    assert.equal(run.code, null, run.stderr);
    assert.match(run.stdout, /^Timer triggers armed: 1$/m);
    assert.ok(await printed(run.child, out, /^\d\d:\d\d:\d\d\.\d{3} timer every-second of default\/ticker-dev-tick \(\$DEFAULT\) fired: request [0-9a-f-]{36}$/m, 20_000), out.text);
    await clientOf(run.stdout).invoke({ functionName: 'ticker-dev-tick', namespace: 'default', invocationType: 'RequestResponse', clientContext: '{}' });
    assert.ok(await printed(run.child, out, /^\d\d:\d\d:\d\d\.\d{3} scf Invoke default\/ticker-dev-tick ok \d+ ms$/m, 20_000), out.text);
  } finally {
    run.child.kill('SIGTERM');
  }
});

test('serverless.ts is read through ts-node with the service\'s tsconfig.json, as serverless reads it; a type error is one line', async () => {
  // The real ts-node (a dev dependency here, found beside the plugin), started from another directory: the
  // service's own tsconfig.json must rule (not strict: the untyped parameter passes; ts-node's default is strict).
  const typed = "function named(name) { return name; }\nconst config: { service: string; functions: Record<string, { handler: string }> } = { service: named('typed'), functions: { hello: { handler: 'index.hello' } } };\nexport default config;\n";
  const dir = service({ 'serverless.ts': typed, 'tsconfig.json': '{"compilerOptions":{"module":"commonjs","strict":false}}\n' });
  const run = await start(['--service', dir]);
  try {
    assert.equal(run.code, null, run.stderr);
    assert.match(run.stdout, /\(service typed, stage dev, .*: default\/typed-dev-hello\)/);
  } finally {
    run.child.kill('SIGTERM');
  }
  fs.writeFileSync(path.join(dir, 'serverless.ts'), "const config: { service: number } = { service: 'typed' };\nexport default config;\n");
  const refused = await runCli(['--service', dir, '--port', '0']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^scf-emulator: Cannot read \S+serverless\.ts: \S*serverless\.ts\(1,\d+\): error TS2322: Type 'string' is not assignable to type 'number'\.\n$/);
});

/** Runs the bin to its end. */
function runCli(args: string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: os.tmpdir() }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [CLI, ...args], { timeout: 30_000, env, cwd: os.tmpdir() }, (error, stdout, stderr) => resolve({ code: typeof (error as any)?.code === 'number' ? (error as any).code : 0, stdout, stderr })),
  );
}

test('a malformed --region is refused as the plugin refuses it; --help lists --version apart from the options', async () => {
  const mars = await runCli(['--region', 'mars', '--port', '0']);
  assert.equal(mars.code, 2);
  assert.equal(mars.stderr, 'scf-emulator: Region "mars" is not a Tencent Cloud region name (like ap-guangzhou or na-siliconvalley).\n');
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  const options = help.stdout.slice(help.stdout.indexOf('\nOptions:'));
  assert.ok(options.length > 100, help.stdout);
  assert.doesNotMatch(options, /--version/);
  assert.match(help.stdout, /^ {7}scf-emulator --help \| --version$/m);
  assert.match(options, /^ {2}--verbose /m);
});

// ---- issue 23 finding 6: the emulator's key is not given on the command line ------------------------------------

test('--secret-key-file: a key others can read is refused; one only its owner reads is used and not printed; --secret-key warns', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-key-'));
  made.push(dir);
  const file = path.join(dir, 'key');
  fs.writeFileSync(file, 'k3y-only-mine\n', { mode: 0o644 });
  fs.chmodSync(file, 0o644);
  const open = await runCli(['--secret-id', 'AKIDmine', '--secret-key-file', file, '--port', '0']);
  assert.equal(open.code, 2);
  assert.equal(open.stderr, `scf-emulator: --secret-key-file ${file} can be read by others (mode 644): chmod 600 ${file}\n`);
  fs.chmodSync(file, 0o600);
  const run = await start(['--secret-id', 'AKIDmine', '--secret-key-file', file]);
  try {
    assert.equal(run.code, null, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, /k3y-only-mine/);
    assert.match(run.stdout, new RegExp(`export TENCENTCLOUD_SECRET_KEY="\\$\\(cat ${file}\\)"`));
    const endpoint = /export TENCENTCLOUD_SCF_ENDPOINT=(\S+)/.exec(run.stdout)![1];
    const scf = createClients({ endpoints: { scf: parseEndpoint(endpoint) }, region: 'ap-guangzhou', credentials: new Credentials('AKIDmine', 'k3y-only-mine', undefined, 'test') }).scf;
    assert.deepEqual(await scf.listFunctions('default'), []);
  } finally {
    run.child.kill('SIGTERM');
  }
  const flagged = await start(['--secret-id', 'AKIDmine', '--secret-key', 'on-the-command-line']);
  try {
    assert.match(flagged.stderr, /^scf-emulator: warning: --secret-key is visible to every local user \(ps, \/proc\): put the key in a file only you can read and give --secret-key-file FILE\.$/m);
  } finally {
    flagged.child.kill('SIGTERM');
  }
});

// ---- issue 24 item 16: a state directory its owner can delete; the made-up pair kept with it -------------------

test('--state-dir keeps the made-up credentials; --reset deletes the directory, never one in use or one that is not a state', async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-reset-'));
  made.push(parent);
  const state = path.join(parent, 'state');
  const dir = service({ 'serverless.yml': 'service: kept\nfunctions:\n  hello:\n    handler: index.hello\n' });
  const first = await start(['--state-dir', state]);
  const pair = (text: string) => /export TENCENTCLOUD_SECRET_ID=(\S+)\n {2}export TENCENTCLOUD_SECRET_KEY=(\S+)/.exec(text)?.slice(1);
  let firstPair: string[] | undefined;
  try {
    assert.equal(first.code, null, first.stderr);
    firstPair = pair(first.stdout);
    assert.ok(firstPair);
    // Some deployed code: read-only, as SCF's is.
    const scf = clientOf(first.stdout);
    const zip = await new JSZip().file('index.js', fs.readFileSync(path.join(dir, 'index.js'))).generateAsync({ type: 'nodebuffer' });
    await scf.createFunction({ functionName: 'kept', namespace: 'default' }, { runtime: 'Nodejs18.15', handler: 'index.hello', memorySize: 128, timeout: 3, description: '', environment: {}, layers: [] }, { zipFile: zip.toString('base64') }, {});
    const busy = await runCli(['--reset', state]);
    assert.equal(busy.code, 2);
    assert.match(busy.stderr, /is in use by another emulator \(PID \d+, started /);
  } finally {
    first.child.kill('SIGTERM');
    await new Promise((r) => first.child.once('exit', r));
  }
  const second = await start(['--state-dir', state]);
  try {
    assert.deepEqual(pair(second.stdout), firstPair, 'a restart keeps the pair');
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }
  assert.ok(fs.readdirSync(path.join(state, 'code')).length > 0);
  const reset = await runCli(['--reset', state]);
  assert.equal(reset.code, 0, reset.stderr);
  assert.equal(reset.stdout, `Deleted the emulator state in ${state}.\n`);
  assert.equal(fs.existsSync(state), false);
  const notState = await runCli(['--reset', parent]);
  assert.equal(notState.code, 2);
  assert.match(notState.stderr, /is not an emulator's state directory/);
  assert.ok(fs.existsSync(parent));
});

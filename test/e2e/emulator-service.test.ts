// `scf-emulator --service DIR` as a new user starts it: a serverless.json with `${file(...)}` variables, a function
// it cannot run (one line on stderr, the others served), the service's region; clashing names and a timeout over
// SCF's cap stop it with one line.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
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

/** Runs the bin until it has printed its start lines (or exited); returns what it printed. */
async function start(args: string[]): Promise<{ child: ChildProcess; stdout: string; stderr: string; code: number | null }> {
  const env = { PATH: process.env.PATH, HOME: os.tmpdir() };
  const child = spawn(process.execPath, [CLI, ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
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

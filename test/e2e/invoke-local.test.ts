// `sls invoke local` end to end: the real serverless v3 CLI running Node.js and Python handlers on this machine,
// through lib/runtime, with serverless.yml's runtime, limits and environment. `npm test` runs this file under osls 4
// as well (helpers: SCF_E2E_CLI).
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { newCredentials, REPO, serviceDir, sls, type SlsRun } from '../helpers';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

const dir = serviceDir(`
service: loc
provider:
  name: tencent
  runtime: Nodejs20.15
  memorySize: 128
  timeout: 5
  environment:
    SHARED: provider
    ONLY_PROVIDER: p
plugins:
  - __PLUGIN__
functions:
  hello:
    handler: index.hello
  echo:
    handler: index.echo
    runtime: Nodejs12.16
  esm:
    handler: esm.main
  fail:
    handler: index.fail
  env:
    handler: local.env
    environment:
      SHARED: function
  sleeper:
    handler: local.sleeper
    timeout: 1
  hog:
    handler: local.hog
    memorySize: 64
    timeout: 20
  py:
    handler: handlers.value
    runtime: Python3.11
  pyfail:
    handler: handlers.boom
    runtime: Python3.11
  pyenv:
    handler: handlers.env
    runtime: Python3.11
  pysleeper:
    handler: handlers.sleeper
    runtime: Python3.11
    timeout: 1
  go:
    handler: main
    runtime: Go1
`);
fs.writeFileSync(
  path.join(dir, 'local.js'),
  `exports.env = async (event, context) => ({ env: process.env, context, event });
exports.sleeper = async () => {
  const child = require('child_process').spawn('sleep', ['30'], { stdio: 'ignore' });
  console.log('grandchild ' + child.pid);
  await new Promise((resolve) => setTimeout(resolve, 30000));
};
exports.hog = async () => {
  const kept = [];
  for (;;) kept.push(new Array(100000).fill({ n: Math.random() }));
};
`,
);
fs.writeFileSync(path.join(dir, 'esm.mjs'), `export const main = async (event, context) => ({ esm: true, event, version: context.function_version });\n`);
fs.writeFileSync(
  path.join(dir, 'handlers.py'),
  `import os, subprocess, time

def value(event, context):
    print("python got", event)
    return {"sum": sum(event["numbers"]), "name": context["function_name"]}

def boom(event, context):
    raise KeyError("missing")

def env(event, context):
    return {"event": event, "env": dict(os.environ), "context": context}

def sleeper(event, context):
    child = subprocess.Popen(["sleep", "30"])
    print("grandchild", child.pid, flush=True)
    time.sleep(30)
`,
);
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Invoke local needs no endpoint; the credentials are there so that every run is checked not to show them. */
const account = { url: 'http://127.0.0.1:9', credentials: newCredentials() };

function local(args: string[], input = ''): Promise<SlsRun> {
  return sls(dir, ['invoke', 'local', ...args], account, {}, input);
}

/** Serverless v3 prints a failed command's "Error:" and message on stdout: exactly those two lines. */
function errorLine(run: SlsRun): string {
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'Error:', `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
  assert.equal(lines.length, 2, `a one-line error: ${run.stdout}`);
  return lines[1];
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && !isGone(pid); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  return isGone(pid);
}

test('Node.js async handler: stdout is the value exactly as `sls invoke` prints it; the log and a summary on stderr', async () => {
  const run = await local(['-f', 'hello', '-d', '{"name":"e2e"}']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, JSON.stringify({ message: 'Hello from loc-dev-hello', input: { name: 'e2e' } }, null, 2) + '\n');
  assert.match(run.stderr, new RegExp(`START RequestId: (${UUID})\\n\\S+Z\\t\\1\\thello invoked with {"name":"e2e"}\\nEND RequestId: \\1\\nReport RequestId: \\1 Duration:[\\d.]+ms Memory:128MB MemUsage:[\\d.]+MB\\n`));
  assert.match(run.stderr, new RegExp(`RequestId: ${UUID} {2}Duration: [\\d.]+ ms {2}Billed: \\d+ ms {2}Memory: [\\d.]+ MB`));
  assert.doesNotMatch(run.stderr, /Warning/);
});

test('Node.js callback handler with the event on stdin; a warning when the local Node.js is not the runtime\'s', async () => {
  const run = await local(['-f', 'echo'], '{"ping":"pong"}\n');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { ping: 'pong' });
  assert.match(run.stderr, /Warning: Nodejs12\.16 runs here on Node\.js \d+\.\d+\.\d+: the local major version differs/);
});

test('Node.js ES module handler (.mjs)', async () => {
  const run = await local(['-f', 'esm', '-d', '[1,2]']);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { esm: true, event: [1, 2], version: '$LATEST' });
});

test('a handler that throws: non-zero exit, its message and type; the stack in the log', async () => {
  const run = await local(['-f', 'fail', '-d', '{"reason":"db down"}']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), new RegExp(`^Function loc-dev-fail failed: Error: db down \\(RequestId ${UUID}\\)$`));
  assert.match(run.stderr, /\tabout to fail\n/);
  assert.match(run.stderr, /\tError: db down\n +at exports\.fail /);
});

test('the environment: SCF built-ins, provider and function merged, -e last, IS_LOCAL, no host credentials; the context with --context', async () => {
  const run = await local(['-f', 'env', '-e', 'EXTRA=x=y', '-e', 'ONLY_PROVIDER=cli', '--context', '{"custom":"c"}']);
  assert.equal(run.code, 0, run.stderr);
  const { env, context, event } = JSON.parse(run.stdout);
  assert.deepEqual(event, {});
  assert.equal(env.IS_LOCAL, 'true');
  assert.equal(env.SHARED, 'function');
  assert.equal(env.ONLY_PROVIDER, 'cli');
  assert.equal(env.EXTRA, 'x=y');
  assert.equal(env.SCF_FUNCTIONNAME, 'loc-dev-env');
  assert.equal(env.SCF_NAMESPACE, 'default');
  assert.equal(env.SCF_RUNTIME, 'Nodejs20.15');
  assert.equal(env.SCF_FUNCTIONVERSION, '$LATEST');
  assert.equal(env.TENCENTCLOUD_REGION, 'ap-guangzhou');
  assert.equal(env.TENCENTCLOUD_RUNENV, 'SCF');
  assert.equal(env.TZ, 'UTC');
  assert.equal(fs.realpathSync(env.USER_CODE_ROOT), fs.realpathSync(dir));
  for (const key of Object.keys(env)) assert.doesNotMatch(key, /SECRET|TOKEN|SLS_|TENCENTCLOUD_SCF_ENDPOINT/, key);
  assert.match(context.request_id, new RegExp(`^${UUID}$`));
  assert.equal(context.function_name, 'loc-dev-env');
  assert.equal(context.namespace, 'default');
  assert.equal(context.memory_limit_in_mb, 128);
  assert.equal(context.time_limit_in_ms, 5000);
  assert.equal(context.tencentcloud_region, 'ap-guangzhou');
  assert.equal(context.custom, 'c');
  assert.equal(context.callbackWaitsForEmptyEventLoop, true);
  assert.equal(JSON.parse(context.environment).EXTRA, 'x=y');
});

test('a timeout: non-zero exit, TimeLimitExceeded, and nothing the handler started is left running', async () => {
  const run = await local(['-f', 'sleeper']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), /^Function loc-dev-sleeper failed: TimeLimitExceeded: Invoking task timed out after 1 seconds/);
  const pid = Number(/grandchild (\d+)/.exec(run.stderr)![1]);
  assert.ok(await waitUntilGone(pid), `sleep ${pid} is still running`);
});

test('the memory limit: a handler over its memorySize fails, named', async () => {
  const run = await local(['-f', 'hog']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), /^Function loc-dev-hog failed: ResourceLimitExceeded: Memory limit reached: the function needed more than its 64 MB/);
});

test('Python: the value on stdout, print output in the log', async () => {
  const run = await local(['-f', 'py', '-d', '{"numbers":[1,2,3]}']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, JSON.stringify({ sum: 6, name: 'loc-dev-py' }, null, 2) + '\n');
  assert.match(run.stderr, /\npython got {'numbers': \[1, 2, 3\]}\n/);
});

test('Python: an exception exits non-zero with its type and message, the traceback in the log', async () => {
  const run = await local(['-f', 'pyfail']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), /^Function loc-dev-pyfail failed: KeyError: 'missing' \(RequestId /);
  assert.match(run.stderr, /Traceback \(most recent call last\):\n {2}File ".*handlers\.py", line \d+, in boom\n[\s\S]*KeyError: 'missing'/);
});

test('Python: --event timer starts from the timer sample; the context is a dict with SCF keys', async () => {
  const run = await local(['-f', 'pyenv', '--event', 'timer', '-d', '{"Message":"custom"}']);
  assert.equal(run.code, 0, run.stderr);
  const { event, env, context } = JSON.parse(run.stdout);
  assert.equal(event.Type, 'Timer');
  assert.equal(event.TriggerName, 'EveryDay');
  assert.equal(event.Message, 'custom');
  assert.match(event.Time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(env.TRIGGER_SRC, 'timer');
  assert.equal(env.IS_LOCAL, 'true');
  assert.equal(env.SCF_RUNTIME, 'Python3.11');
  assert.equal(context.function_name, 'loc-dev-pyenv');
  assert.equal(JSON.parse(context.environment).SHARED, 'provider');
  assert.equal(context.environ.split(';').includes('IS_LOCAL=true'), true);
});

test('Python: a timeout leaves nothing running', async () => {
  const run = await local(['-f', 'pysleeper']);
  assert.notEqual(run.code, 0);
  assert.match(errorLine(run), /TimeLimitExceeded: Invoking task timed out after 1 seconds/);
  const pid = Number(/grandchild (\d+)/.exec(run.stderr)![1]);
  assert.ok(await waitUntilGone(pid), `sleep ${pid} is still running`);
});

test('refused before running: a runtime that does not run here (named, with the list), a bad --event, --data with --path', async () => {
  const go = await local(['-f', 'go']);
  assert.notEqual(go.code, 0);
  assert.match(errorLine(go), /^Function go has the runtime Go1, which does not run locally: the runtimes that do are Nodejs[\d.]+, .*Nodejs20\.15, .*Python3\.12 \(any NodejsX\.Y or Python3\.X\)\.$/);
  assert.doesNotMatch(go.stderr, /START RequestId/);
  const badEvent = await local(['-f', 'hello', '--event', 'sqs']);
  assert.match(errorLine(badEvent), /^--event must be one of timer, cos, apigw, ckafka, cmq, not "sqs"\.$/);
  const both = await local(['-f', 'hello', '-d', '{}', '-p', 'event.json']);
  assert.match(errorLine(both), /not both/);
  assert.ok(fs.existsSync(path.join(REPO, 'dist', 'lib', 'runtime', 'python', 'bootstrap.py')), 'the build ships the Python bootstrap');
});

// lib/runtime with real processes: Node.js handlers (async, callback, ES modules, subfolders), the event loop
// rule, every line arriving, limits (timeout with the whole process group, memory, return values), a parent's
// death; Python handlers through the shipped bootstrap.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type FunctionSpec, runFunction, type RunOptions, type RunResult } from '../../lib/runtime';

const code = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-runtime-'));
after(() => fs.rmSync(code, { recursive: true, force: true }));

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(code, file)), { recursive: true });
  fs.writeFileSync(path.join(code, file), text);
}

write(
  'index.js',
  `
exports.async = async (event, context) => {
  console.log('async got', JSON.stringify(event));
  return { event, name: context.function_name, remaining: context.getRemainingTimeInMillis(), waits: context.callbackWaitsForEmptyEventLoop };
};
exports.callback = (event, context, callback) => {
  setTimeout(() => console.log('timer ran'), 300);
  callback(null, { via: 'callback' });
};
exports.callbackNoWait = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = false;
  setTimeout(() => console.log('timer ran'), 3000);
  callback(null, { via: 'callback' });
};
exports.lines = async (event) => {
  for (let i = 1; i <= event.count; i++) console.log('line ' + i + ' of ' + event.count + ' ' + 'x'.repeat(60));
  process.stdout.write('raw stdout\\n');
  process.stderr.write('raw stderr\\n');
  if (event.exit) process.exit(0);
  return event.count;
};
exports.sleeper = async () => {
  const child = require('child_process').spawn('sleep', ['30'], { stdio: 'inherit' });
  console.log('grandchild ' + child.pid);
  await new Promise(() => setInterval(() => undefined, 1000));
};
exports.leaveBehind = async () => {
  const { spawn } = require('child_process');
  const inGroup = spawn('sleep', ['30'], { stdio: 'inherit' });
  const escaped = spawn('sleep', ['31'], { stdio: 'inherit', detached: true });
  console.log('pids ' + inGroup.pid + ' ' + escaped.pid);
  return 'returned';
};
exports.hog = async () => {
  const kept = [];
  for (;;) kept.push(new Array(100000).fill({ n: Math.random() }));
};
exports.big = async () => 'x'.repeat(6 * 1024 * 1024 + 1);
exports.bigint = async () => ({ n: 10n });
exports.circular = async () => { const o = {}; o.self = o; return o; };
exports.fn = async () => () => 1;
exports.throws = async () => { throw new RangeError('out of range'); };
exports.exit3 = async () => { process.exit(3); };
exports.env = async () => ({ env: { ...process.env }, cwd: process.cwd() });
`,
);
write('esm.mjs', `export const main = async (event) => ({ esm: 'mjs', event });\n`);
write('typed/package.json', '{"type":"module"}\n');
write('typed/handler.js', `export async function main() { return { esm: 'type-module', url: import.meta.url.startsWith('file:') }; }\n`);
write('legacy.cjs', `exports.main = async () => ({ cjs: true });\n`);
write('src/api/app.js', `exports.main = async () => 'from a subfolder';\n`);
write(
  'py_handlers.py',
  `
import json, os, subprocess, sys, time

def value(event, context):
    print("printed", event["n"])
    sys.stderr.write("to stderr\\n")
    return {"doubled": event["n"] * 2, "context": sorted(context.keys()), "name": context["function_name"]}

def boom(event, context):
    print("before the error")
    raise KeyError("missing")

def lines(event, context):
    for i in range(event["count"]):
        print("line", i + 1)
    return event["count"]

def env(event, context):
    return {"env": dict(os.environ), "cwd": os.getcwd(), "environment": json.loads(context["environment"]), "environ": context["environ"]}

def sleeper(event, context):
    child = subprocess.Popen(["sleep", "30"])
    print("grandchild", child.pid, flush=True)
    time.sleep(30)

def hog(event, context):
    kept = []
    while True:
        kept.append(bytearray(8 * 1024 * 1024))

def unserialisable(event, context):
    return {"when": object()}
`,
);

function specFor(handler: string, overrides: Partial<FunctionSpec> = {}): FunctionSpec {
  return {
    functionName: 'rt-fn',
    namespace: 'default',
    version: '$LATEST',
    runtime: handler.startsWith('py_') ? 'Python3.11' : 'Nodejs20.15',
    handler,
    codeDir: code,
    memorySize: 128,
    timeout: 5,
    environment: { FROM_SERVICE: 'yes' },
    region: 'ap-guangzhou',
    ...overrides,
  };
}

let counter = 0;
function run(handler: string, event: unknown = {}, overrides: Partial<FunctionSpec> = {}, options: Partial<RunOptions> = {}): Promise<RunResult> {
  return runFunction(specFor(handler, overrides), { requestId: `req-${++counter}`, event, ...options }).done;
}

function texts(result: RunResult): string[] {
  return result.lines.map((l) => l.text);
}

/** Gone, or a zombie nobody reaps yet (it runs nothing). */
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

async function waitUntilGone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (isGone(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return isGone(pid);
}

test('Node.js async handler: the value, SCF context, stamped console lines, platform lines', async () => {
  const result = await run('index.async', { a: 1 });
  assert.equal(result.status, 'succeeded', result.errMsg);
  assert.equal(result.statusCode, 200);
  const value = JSON.parse(result.retMsg);
  assert.deepEqual(value.event, { a: 1 });
  assert.equal(value.name, 'rt-fn');
  assert.equal(value.waits, true);
  assert.ok(value.remaining > 0 && value.remaining <= 5000);
  assert.match(texts(result)[0], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-\d+\tasync got {"a":1}$/);
  assert.match(result.log, /^START RequestId: (req-\d+)\n.*async got.*\nEND RequestId: \1\nReport RequestId: \1 Duration:[\d.]+ms Memory:128MB MemUsage:[\d.]+MB\n$/);
  assert.ok(result.memUsageBytes > 1024 * 1024);
  assert.ok(result.billDurationMs >= Math.ceil(result.durationMs));
  assert.equal(result.interpreter?.command, process.execPath);
});

test('Node.js callback handler: the invocation lasts until the event loop is empty, or ends at the callback when told', async () => {
  const waiting = await run('index.callback');
  assert.deepEqual(JSON.parse(waiting.retMsg), { via: 'callback' });
  assert.ok(texts(waiting).some((t) => t.endsWith('\ttimer ran')), 'the timer ran within the invocation');
  assert.ok(waiting.durationMs >= 250);

  const notWaiting = await run('index.callbackNoWait');
  assert.deepEqual(JSON.parse(notWaiting.retMsg), { via: 'callback' });
  // The timer is 3 s away: had the run waited for it, its line would be in the log.
  assert.ok(!texts(notWaiting).some((t) => t.endsWith('timer ran')));
});

test('Node.js ES modules (.mjs, "type": "module"), .cjs and a handler in a subfolder', async () => {
  assert.deepEqual(JSON.parse((await run('esm.main', { e: 1 })).retMsg), { esm: 'mjs', event: { e: 1 } });
  assert.deepEqual(JSON.parse((await run('typed/handler.main')).retMsg), { esm: 'type-module', url: true });
  assert.deepEqual(JSON.parse((await run('legacy.main')).retMsg), { cjs: true });
  assert.equal((await run('src/api/app.main')).retMsg, '"from a subfolder"');
  const missing = await run('index.nothing');
  assert.equal(missing.statusCode, 437);
  assert.match(missing.errorMessage, /does not export a function named "nothing"/);
});

test('every line arrives, in order: 2000 console lines, raw stdout and stderr, also when the handler calls process.exit', async () => {
  for (const exit of [false, true]) {
    const result = await run('index.lines', { count: 2000, exit });
    const lines = texts(result);
    assert.equal(lines.length, 2002, `exit=${exit}`);
    lines.slice(0, 2000).forEach((text, i) => assert.ok(text.includes(`\tline ${i + 1} of 2000 `), text));
    assert.deepEqual(lines.slice(2000), ['raw stdout', 'raw stderr']);
    if (exit) {
      assert.equal(result.status, 'exited');
      assert.equal(result.statusCode, 439);
      assert.match(result.errorMessage, /exited with code 0/);
    } else assert.equal(result.retMsg, '2000');
  }
});

test('the log keeps its last logCapBytes with a marker; onLine sees every line as it comes', async () => {
  const seen: string[] = [];
  const result = await run('index.lines', { count: 1000 }, {}, { logCapBytes: 10_000, onLine: (line) => seen.push(line.text) });
  assert.equal(seen.length, 1002);
  assert.match(texts(result)[0], /^\[log truncated: the first \d+ bytes/);
  assert.ok(result.truncatedBytes > 50_000);
  assert.deepEqual(texts(result).slice(-2), ['raw stdout', 'raw stderr']);
});

test('a timeout is 433 and kills the whole process group: the grandchild the handler started is gone', async () => {
  const result = await run('index.sleeper', {}, { timeout: 1 });
  assert.equal(result.status, 'timeout');
  assert.equal(result.statusCode, 433);
  assert.equal(result.errorMessage, 'Invoking task timed out after 1 seconds');
  assert.match(result.log, /\tInvoking task timed out after 1 seconds\nEND RequestId/);
  const pid = Number(/grandchild (\d+)/.exec(result.log)![1]);
  assert.ok(await waitUntilGone(pid), `sleep ${pid} is still running`);
});

test('children holding the pipes do not keep a finished run alive; those in its group end with it', async () => {
  const started = Date.now();
  const result = await run('index.leaveBehind');
  assert.equal(result.retMsg, '"returned"');
  const [inGroup, escaped] = /pids (\d+) (\d+)/.exec(result.log)!.slice(1).map(Number);
  try {
    // The children sleep 30 s holding the pipes: a run that waited for its pipes would take that long.
    assert.ok(Date.now() - started < 20_000, `the run took ${Date.now() - started} ms`);
    assert.ok(await waitUntilGone(inGroup), `sleep ${inGroup} is still running`);
  } finally {
    try {
      process.kill(escaped, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

test('a handler over its memory is 434, named', async () => {
  const result = await run('index.hog', {}, { memorySize: 64, timeout: 20 });
  assert.equal(result.status, 'memory');
  assert.equal(result.statusCode, 434);
  assert.match(result.errorMessage, /Memory limit reached: the function needed more than its 64 MB/);
});

test('return values SCF cannot return fail, named: over 6 MB, BigInt, circular, a function', async () => {
  const big = await run('index.big');
  assert.equal(big.status, 'failed');
  assert.equal(big.statusCode, 407);
  assert.match(big.errorMessage, /6291459 bytes of JSON: SCF returns at most 6291456 bytes/);
  assert.match((await run('index.bigint')).errorMessage, /cannot be serialised to JSON: .*BigInt/);
  assert.match((await run('index.circular')).errorMessage, /cannot be serialised to JSON: .*circular/i);
  assert.match((await run('index.fn')).errorMessage, /The return value is a function/);
});

test('errors: a thrown error (430, its stack in the log) and an exit code (439)', async () => {
  const thrown = await run('index.throws');
  assert.equal(thrown.statusCode, 430);
  assert.equal(thrown.errorType, 'RangeError');
  const error = JSON.parse(thrown.errMsg);
  assert.equal(error.errorMessage, 'out of range');
  assert.match(error.stackTrace, /RangeError: out of range\n +at exports\.throws/);
  assert.doesNotMatch(error.stackTrace, /bootstrap/);
  assert.match(thrown.log, /\tRangeError: out of range\n +at exports\.throws/);
  const exited = await run('index.exit3');
  assert.equal(exited.status, 'exited');
  assert.match(exited.errorMessage, /exited with code 3/);
});

test('the handler\'s environment is built, not copied: no host secrets, SCF built-ins, the service environment, extraEnv last', async () => {
  process.env.TENCENTCLOUD_SECRET_KEY = 'host-secret-must-not-leak';
  try {
    const result = await run('index.env', {}, {}, { extraEnv: { IS_LOCAL: 'true', FROM_SERVICE: 'overridden' } });
    const { env, cwd } = JSON.parse(result.retMsg);
    assert.equal(env.TENCENTCLOUD_SECRET_KEY, undefined);
    assert.equal(env.SCF_FUNCTIONNAME, 'rt-fn');
    assert.equal(env.TENCENTCLOUD_RUNENV, 'SCF');
    assert.equal(env.USER_CODE_ROOT, code);
    assert.equal(env.FROM_SERVICE, 'overridden');
    assert.equal(env.IS_LOCAL, 'true');
    assert.equal(fs.realpathSync(cwd), fs.realpathSync(code));
  } finally {
    delete process.env.TENCENTCLOUD_SECRET_KEY;
  }
});

test('terminate: a running invocation stops, 499', async () => {
  const running = runFunction(specFor('index.sleeper'), { requestId: 'req-terminate', event: {} });
  await new Promise((resolve) => setTimeout(resolve, 500));
  running.terminate(false);
  const result = await running.done;
  assert.equal(result.status, 'terminated');
  assert.equal(result.statusCode, 499);
});

test('a runtime that does not run here, and a handler outside the code directory, fail without starting anything', async () => {
  const go = await run('main', {}, { runtime: 'Go1' });
  assert.equal(go.status, 'failed');
  assert.match(go.errorMessage, /Go1 does not run locally: the runtimes that do are Nodejs[\d.]+, .*Nodejs20\.15, .*Python3\.12/);
  const outside = await run('../outside.main');
  assert.equal(outside.statusCode, 437);
});

test('a handler process whose parent died ends itself and what it started', async () => {
  const driver = path.join(code, 'driver.js');
  fs.writeFileSync(
    driver,
    `const { runFunction } = require(${JSON.stringify(path.resolve(__dirname, '../../lib/runtime'))});
const [handler, runtime] = process.argv.slice(2);
runFunction({ functionName: 'f', namespace: 'default', version: '$LATEST', runtime, handler, codeDir: ${JSON.stringify(code)}, memorySize: 128, timeout: 60, environment: {}, region: 'ap-guangzhou' },
  { requestId: 'orphan', event: {}, onLine: (line) => console.log(line.text) });
setInterval(() => undefined, 1000);
`,
  );
  for (const [handler, runtime] of [['index.sleeper', 'Nodejs20.15'], ['py_handlers.sleeper', 'Python3.11']]) {
    const parent = spawn(process.execPath, [driver, handler, runtime], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const grandchild = await new Promise<number>((resolve, reject) => {
      parent.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /grandchild (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      parent.once('exit', () => reject(new Error(`the driver ended: ${out}`)));
    });
    const handlerPid = Number(fs.readFileSync(`/proc/${grandchild}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    parent.kill('SIGKILL');
    assert.ok(await waitUntilGone(handlerPid), `${runtime}: the handler process ${handlerPid} outlived its parent`);
    assert.ok(await waitUntilGone(grandchild), `${runtime}: the grandchild ${grandchild} outlived the handler`);
  }
});

test('Python: the value, print and stderr lines in order, the context a dict with SCF keys', async () => {
  const result = await run('py_handlers.value', { n: 21 });
  assert.equal(result.status, 'succeeded', result.errMsg);
  const value = JSON.parse(result.retMsg);
  assert.equal(value.doubled, 42);
  assert.equal(value.name, 'rt-fn');
  assert.deepEqual(value.context, [
    'environ',
    'environment',
    'function_name',
    'function_version',
    'memory_limit_in_mb',
    'namespace',
    'request_id',
    'tencentcloud_appid',
    'tencentcloud_region',
    'tencentcloud_uin',
    'time_limit_in_ms',
  ]);
  assert.deepEqual(texts(result), ['printed 21', 'to stderr']);
  assert.match(result.interpreter!.version, /^3\.\d+\.\d+$/);
});

test('Python: an exception is 430 with its type, message and traceback, in the log too', async () => {
  const result = await run('py_handlers.boom');
  assert.equal(result.status, 'failed');
  assert.equal(result.statusCode, 430);
  assert.equal(result.errorType, 'KeyError');
  assert.equal(result.errorMessage, "'missing'");
  const error = JSON.parse(result.errMsg);
  assert.match(error.stackTrace, /^Traceback \(most recent call last\):\n {2}File ".*py_handlers\.py", line \d+, in boom\n/);
  assert.doesNotMatch(error.stackTrace, /bootstrap\.py/);
  assert.match(result.log, /\nbefore the error\nTraceback \(most recent call last\):\n[\s\S]*KeyError: 'missing'\nEND RequestId/);
  assert.match((await run('py_handlers.unserialisable')).errorMessage, /cannot be serialised to JSON: Object of type object is not JSON serializable/);
  assert.match((await run('py_handlers.nothing')).errorMessage, /'module' object has no attribute 'nothing'/);
});

test('Python: every printed line arrives', async () => {
  const result = await run('py_handlers.lines', { count: 2000 });
  assert.equal(result.retMsg, '2000');
  assert.equal(result.lines.length, 2000);
  assert.equal(result.lines[1999].text, 'line 2000');
});

test('Python: the environment and the context\'s environment strings', async () => {
  process.env.TENCENTCLOUD_SECRET_ID = 'AKIDhost';
  try {
    const result = await run('py_handlers.env', {}, {}, { extraEnv: { IS_LOCAL: 'true' } });
    const value = JSON.parse(result.retMsg);
    assert.equal(value.env.TENCENTCLOUD_SECRET_ID, undefined);
    assert.equal(value.env.SCF_RUNTIME, 'Python3.11');
    assert.equal(value.env.FROM_SERVICE, 'yes');
    assert.equal(value.env.PYTHONPATH, code);
    assert.deepEqual(value.environment, { FROM_SERVICE: 'yes', IS_LOCAL: 'true', SCF_NAMESPACE: 'default' });
    assert.equal(value.environ, 'FROM_SERVICE=yes;IS_LOCAL=true;SCF_NAMESPACE=default');
  } finally {
    delete process.env.TENCENTCLOUD_SECRET_ID;
  }
});

test('Python: a timeout kills the group (433); memory over the limit is 434', async () => {
  const slow = await run('py_handlers.sleeper', {}, { timeout: 1 });
  assert.equal(slow.statusCode, 433);
  const pid = Number(/grandchild (\d+)/.exec(slow.log)![1]);
  assert.ok(await waitUntilGone(pid), `sleep ${pid} is still running`);
  const hog = await run('py_handlers.hog', {}, { memorySize: 64, timeout: 20 });
  assert.equal(hog.status, 'memory');
  assert.equal(hog.statusCode, 434);
  assert.ok(hog.memUsageBytes > 40 * 1024 * 1024, `${hog.memUsageBytes}`);
});

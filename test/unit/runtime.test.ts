// The runtime layer's pure pieces: environment, context, handler names, log lines and caps, results, runtime
// names; and the invoke-local and event-input helpers around them.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { handlerEnvironment, HOST_ALLOW_LIST, parseHandler, scfContext } from '../../lib/runtime/environment';
import { LineSplitter, LogCollector, MAX_LINE_BYTES, platformLog } from '../../lib/runtime/log';
import { parseAnswer, runResult, type ResultInput } from '../../lib/runtime/outcome';
import { pythonCommands, runtimeFamily, versionWarning } from '../../lib/runtime/runtimes';
import { sampleEvent, SAMPLE_EVENT_KINDS } from '../../lib/runtime/sample-events';
import type { FunctionSpec } from '../../lib/runtime/types';
import { mergedEnvironment, parseEnvOptions } from '../../lib/commands/invoke-local';
import { parseEventText, readEventInput } from '../../lib/commands/event-input';
import { loadService } from '../../lib/emulator/service-file';

const spec: FunctionSpec = {
  functionName: 'shop-dev-hello',
  namespace: 'batch',
  version: '$LATEST',
  runtime: 'Nodejs18.15',
  handler: 'index.main',
  codeDir: '/srv/code',
  memorySize: 256,
  timeout: 7,
  environment: { GREETING: 'hi', TZ: 'Asia/Shanghai' },
  region: 'ap-shanghai',
  appId: '1250000000',
  uin: '100000000001',
};

test('the handler environment: a short host allow-list, SCF built-ins, the function environment, then extraEnv', () => {
  const host = {
    PATH: '/usr/bin',
    HOME: '/home/me',
    LANG: 'C.UTF-8',
    TENCENTCLOUD_SECRET_ID: 'AKIDhost',
    TENCENTCLOUD_SECRET_KEY: 'hostsecret',
    TENCENTCLOUD_SESSION_TOKEN: 'hosttoken',
    NODE_OPTIONS: '--inspect',
    AWS_SECRET_ACCESS_KEY: 'x',
    SOMETHING_ELSE: 'y',
  };
  const { env, dropped } = handlerEnvironment(spec, 'nodejs', host, { IS_LOCAL: 'true', GREETING: 'from -e' });
  assert.equal(Object.getPrototypeOf(env), null);
  for (const key of Object.keys(host)) {
    if (!HOST_ALLOW_LIST.includes(key)) assert.equal(env[key], undefined, `${key} must not reach the handler`);
  }
  assert.equal(env.PATH, '/usr/bin');
  assert.equal(env.HOME, '/home/me');
  assert.equal(env.SCF_FUNCTIONNAME, 'shop-dev-hello');
  assert.equal(env.SCF_FUNCTIONVERSION, '$LATEST');
  assert.equal(env.SCF_RUNTIME, 'Nodejs18.15');
  assert.equal(env.SCF_NAMESPACE, 'batch');
  assert.equal(env.TENCENTCLOUD_REGION, 'ap-shanghai');
  assert.equal(env.TENCENTCLOUD_APPID, '1250000000');
  assert.equal(env.TENCENTCLOUD_UIN, '100000000001');
  assert.equal(env.TENCENTCLOUD_RUNENV, 'SCF');
  assert.equal(env.USER_CODE_ROOT, '/srv/code');
  assert.equal(env.NODE_PATH, '/srv/code:/srv/code/node_modules');
  assert.equal(env.TZ, 'Asia/Shanghai', 'the service may set TZ');
  assert.equal(env.GREETING, 'from -e', 'extraEnv wins');
  assert.equal(env.IS_LOCAL, 'true');
  assert.deepEqual(dropped, []);

  const python = handlerEnvironment({ ...spec, environment: {} }, 'python', { PATH: '/usr/bin', VIRTUAL_ENV: '/venv' }, { 'BAD\0': 'x', OK: 'a\0b' });
  assert.equal(python.env.TZ, 'UTC');
  assert.equal(python.env.PYTHONPATH, '/srv/code');
  assert.equal(python.env.NODE_PATH, undefined);
  assert.equal(python.env.PATH, '/venv/bin:/usr/bin', 'an active virtualenv comes first');
  assert.deepEqual(python.dropped, ['BAD\0', 'OK']);
});

test('the SCF context: snake_case keys, environment as a JSON string, environ as K=V;K=V, overrides win', () => {
  const context = scfContext(spec, 'req-1', { IS_LOCAL: 'true' }, { function_name: 'overridden', extra: 1, ['__proto__']: { polluted: true } });
  assert.equal(Object.getPrototypeOf(context), null);
  assert.equal(context.request_id, 'req-1');
  assert.equal(context.function_name, 'overridden');
  assert.equal(context.function_version, '$LATEST');
  assert.equal(context.namespace, 'batch');
  assert.equal(context.memory_limit_in_mb, 256);
  assert.equal(context.time_limit_in_ms, 7000);
  assert.equal(context.tencentcloud_region, 'ap-shanghai');
  assert.equal(context.tencentcloud_appid, '1250000000');
  assert.equal(context.tencentcloud_uin, '100000000001');
  assert.equal(typeof context.environment, 'string');
  assert.deepEqual(JSON.parse(context.environment as string), { GREETING: 'hi', TZ: 'Asia/Shanghai', IS_LOCAL: 'true', SCF_NAMESPACE: 'batch' });
  assert.equal(context.environ, 'GREETING=hi;TZ=Asia/Shanghai;IS_LOCAL=true;SCF_NAMESPACE=batch');
  assert.equal(context.extra, 1);
  assert.equal(({} as any).polluted, undefined);
});

test('handler names: file.export, in a subfolder too; a file outside the code directory is refused', () => {
  assert.deepEqual(parseHandler('index.main_handler'), { file: 'index', exportName: 'main_handler' });
  assert.deepEqual(parseHandler('src/api/app.main'), { file: 'src/api/app', exportName: 'main' });
  assert.deepEqual(parseHandler('lib/v1.2/app.main'), { file: 'lib/v1.2/app', exportName: 'main' });
  for (const bad of ['index', '.main', 'index.', 'index.ma-in', '../x.main', '/etc/x.main', 'a/../../x.main', 'dir/.main']) {
    assert.equal(typeof parseHandler(bad), 'string', bad);
  }
});

test('lines: split across chunks and characters, a line over 8 KB cut with a marker, the last line without newline kept', () => {
  const lines: string[] = [];
  const splitter = new LineSplitter((text) => lines.push(text));
  const text = 'first\r\nsé';
  const bytes = Buffer.from(text + 'cond\n' + 'x'.repeat(MAX_LINE_BYTES + 100) + '\n€'.repeat(1) + 'tail');
  for (let i = 0; i < bytes.length; i += 3) splitter.write(bytes.subarray(i, i + 3));
  splitter.end();
  assert.equal(lines[0], 'first');
  assert.equal(lines[1], 'sécond');
  assert.equal(lines[2], 'x'.repeat(MAX_LINE_BYTES) + ' [line cut: 100 more bytes]');
  assert.equal(lines[3], '€tail');
  assert.equal(lines.length, 4);

  const multibyte: string[] = [];
  const cut = new LineSplitter((t) => multibyte.push(t), 10);
  cut.write(Buffer.from('aaaaaaaaa€€\n'));
  assert.equal(multibyte[0], 'aaaaaaaaa [line cut: 6 more bytes]', 'cut on a character boundary');
});

test('the log keeps its last bytes, with a marker first saying how much was dropped; onLine sees every line', () => {
  const seen: string[] = [];
  const log = new LogCollector(100, (line) => seen.push(line.text));
  for (let i = 0; i < 50; i++) log.add(`line ${String(i).padStart(2, '0')}`, 1000 + i);
  const { lines, truncatedBytes } = log.result();
  assert.equal(seen.length, 50);
  assert.match(lines[0].text, /^\[log truncated: the first \d+ bytes \(\d+ lines\) were dropped/);
  const kept = lines.slice(1).map((l) => l.text);
  assert.equal(kept[kept.length - 1], 'line 49');
  assert.ok(kept.reduce((n, l) => n + l.length + 1, 0) <= 100);
  assert.equal(truncatedBytes, 50 * 8 - kept.length * 8);
  assert.deepEqual(new LogCollector(100).result(), { lines: [], truncatedBytes: 0 });
});

function input(overrides: Partial<ResultInput>): ResultInput {
  return {
    requestId: 'req-9',
    family: 'nodejs',
    timeoutSeconds: 3,
    memorySizeMb: 128,
    ending: { reason: 'answered', answer: { ok: true, retMsg: '{"a":1}' } },
    lines: [{ timeMs: 0, text: 'hello' }],
    truncatedBytes: 0,
    startMs: 1000,
    endMs: 1012,
    durationMs: 11.2345,
    memUsageBytes: 20 * 1048576,
    warnings: [],
    ...overrides,
  };
}

test('results: success, and each way a run fails, with SCF status codes and its error JSON', () => {
  const ok = runResult(input({}));
  assert.equal(ok.status, 'succeeded');
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.retMsg, '{"a":1}');
  assert.equal(ok.errMsg, '');
  assert.equal(ok.durationMs, 11.235);
  assert.equal(ok.billDurationMs, 12);
  assert.equal(ok.log, 'START RequestId: req-9\nhello\nEND RequestId: req-9\nReport RequestId: req-9 Duration:11.235ms Memory:128MB MemUsage:20.000000MB\n');
  assert.equal(runResult(input({ durationMs: 0.2 })).billDurationMs, 1);

  const cases: Array<[Partial<ResultInput>, string, number, string]> = [
    [{ ending: { reason: 'answered', answer: { ok: false, kind: 'error', errorType: 'TypeError', errorMessage: 'bad', stackTrace: 'TypeError: bad\n    at x' } } }, 'failed', 430, 'TypeError'],
    [{ ending: { reason: 'answered', answer: { ok: false, kind: 'too-large', errorType: 'ResponseSizeTooLarge', errorMessage: 'big' } } }, 'failed', 407, 'ResponseSizeTooLarge'],
    [{ ending: { reason: 'answered', answer: { ok: false, kind: 'handler', errorType: 'Error', errorMessage: 'no' } } }, 'failed', 437, 'Error'],
    [{ ending: { reason: 'answered', answer: { ok: false, kind: 'load', errorType: 'SyntaxError', errorMessage: 'no' } } }, 'failed', 443, 'SyntaxError'],
    [{ ending: { reason: 'answered', answer: { ok: false, kind: 'memory', errorType: 'MemoryError', errorMessage: '' } } }, 'memory', 434, 'ResourceLimitExceeded'],
    [{ ending: { reason: 'timeout' } }, 'timeout', 433, 'TimeLimitExceeded'],
    [{ ending: { reason: 'terminated' } }, 'terminated', 499, 'Terminated'],
    [{ ending: { reason: 'exited', exit: { code: 3, signal: null } } }, 'exited', 439, 'UserProcessExit'],
    [{ ending: { reason: 'exited', exit: { code: null, signal: 'SIGABRT' }, outOfMemory: true } }, 'memory', 434, 'ResourceLimitExceeded'],
  ];
  for (const [overrides, status, statusCode, errorType] of cases) {
    const result = runResult(input(overrides));
    assert.equal(result.status, status);
    assert.equal(result.statusCode, statusCode);
    assert.equal(result.retMsg, '');
    const error = JSON.parse(result.errMsg);
    assert.deepEqual(Object.keys(error), ['errorCode', 'errorMessage', 'errorType', 'stackTrace', 'requestId', 'statusCode']);
    assert.equal(error.errorCode, -1);
    assert.equal(error.errorType, errorType);
    assert.equal(error.requestId, 'req-9');
    assert.equal(error.statusCode, statusCode);
    assert.match(result.log, /\nEND RequestId: req-9\nReport RequestId: req-9 Duration:/);
  }
  assert.match(runResult(input({ ending: { reason: 'timeout' } })).errorMessage, /^Invoking task timed out after 3 seconds$/);
  assert.match(runResult(input({ ending: { reason: 'exited', exit: { code: 3, signal: null } } })).errorMessage, /exited with code 3/);
  assert.match(runResult(input({ ending: { reason: 'exited', exit: { code: null, signal: 'SIGSEGV' } } })).errorMessage, /killed by SIGSEGV/);
  assert.match(runResult(input({ ending: { reason: 'timeout' }, memorySizeMb: 64 })).log, /Z\treq-9\tInvoking task timed out after 3 seconds\nEND/);
  // The handler's error is in the log: Node's stack stamped, Python's traceback as it is.
  const nodeError = runResult(input(cases[0][0]));
  assert.match(nodeError.log, /\nhello\n\S+Z\treq-9\tTypeError: bad\n    at x\nEND/);
  const pythonError = runResult(input({ family: 'python', ending: { reason: 'answered', answer: { ok: false, kind: 'error', errorType: 'ValueError', errorMessage: 'v', stackTrace: 'Traceback (most recent call last):\nValueError: v\n' } } }));
  assert.match(pythonError.log, /\nhello\nTraceback \(most recent call last\):\nValueError: v\nEND/);
});

test('answers: only well-formed ones are taken', () => {
  assert.deepEqual(parseAnswer('{"ok":true,"retMsg":"1","maxRssBytes":5}'), { ok: true, retMsg: '1', kind: undefined, errorType: undefined, errorMessage: undefined, stackTrace: undefined, maxRssBytes: 5 });
  for (const bad of ['', 'null', '{"ok":"yes"}', '{"ok":true}', '[1]', '{']) assert.equal(parseAnswer(bad), undefined, bad);
  assert.equal(parseAnswer('{"ok":false,"kind":"rm -rf"}')!.kind, undefined);
});

test('platform log lines', () => {
  assert.equal(
    platformLog({ requestId: 'r', lines: [], durationMs: 1, memorySizeMb: 64, memUsageBytes: 1572864 }),
    'START RequestId: r\nEND RequestId: r\nReport RequestId: r Duration:1ms Memory:64MB MemUsage:1.500000MB\n',
  );
});

test('runtime names: families, interpreters to try, version warnings', () => {
  for (const name of ['Nodejs12.16', 'Nodejs20.15', 'nodejs22.1', 'Nodejs16']) assert.equal(runtimeFamily(name), 'nodejs', name);
  for (const name of ['Python3.6', 'Python3.12', 'python3.13']) assert.equal(runtimeFamily(name), 'python', name);
  for (const name of ['Python2.7', 'Go1', 'Php7.2', 'Java8', 'CustomRuntime', '', 'Nodejs']) assert.equal(runtimeFamily(name), undefined, name);
  assert.deepEqual(pythonCommands('Python3.9'), ['python3.9', 'python3']);
  assert.equal(versionWarning('Nodejs20.15', 'v20.19.1'), undefined);
  assert.match(versionWarning('Nodejs18.15', 'v20.19.1')!, /Nodejs18\.15 runs here on Node\.js 20\.19\.1/);
  assert.equal(versionWarning('Python3.11', '3.11.7'), undefined);
  assert.match(versionWarning('Python3.9', '3.11.7')!, /Python3\.9 runs here on Python 3\.11\.7/);
});

test('sample events carry their trigger\'s shape', () => {
  const now = Date.UTC(2026, 10, 20, 8, 0, 0);
  assert.deepEqual(sampleEvent('timer', now), { Type: 'Timer', TriggerName: 'EveryDay', Time: '2026-11-20T08:00:00Z', Message: 'user define msg body' });
  const cos = sampleEvent('cos', now, 'ap-beijing') as any;
  assert.equal(cos.Records[0].cos.cosBucket.region, 'ap-beijing');
  assert.equal(cos.Records[0].event.eventSource, 'qcs::cos');
  assert.equal((sampleEvent('apigw', now) as any).requestContext.httpMethod, 'POST');
  assert.equal((sampleEvent('ckafka', now) as any).Records[0].Ckafka.topic, 'test-topic');
  assert.equal((sampleEvent('cmq', now) as any).Records[0].CMQ.type, 'topic');
  for (const kind of SAMPLE_EVENT_KINDS) JSON.stringify(sampleEvent(kind, now));
});

test('invoke local helpers: -e KEY=VAL, merged environments', () => {
  assert.deepEqual({ ...parseEnvOptions(['A=1', 'B=x=y', 'C=', 'D']) }, { A: '1', B: 'x=y', C: '', D: '' });
  assert.deepEqual({ ...parseEnvOptions('ONE=1') }, { ONE: '1' });
  assert.throws(() => parseEnvOptions(['=1']), /-e =1/);
  assert.throws(() => parseEnvOptions(['1A=1']), /-e 1A=1/);
  const env = mergedEnvironment('fn', ['provider.environment', { A: 'p', B: 2, C: true, D: 'gone' }], ['functions.fn.environment', { A: 'f', D: null }]);
  assert.deepEqual({ ...env }, { A: 'f', B: '2', C: 'true' });
  assert.throws(() => mergedEnvironment('fn', ['provider.environment', { A: { Ref: 'x' } }]), /provider\.environment\.A must be a string, a number or a boolean/);
  assert.throws(() => mergedEnvironment('fn', ['provider.environment', ['A=1']]), /must be a mapping/);
});

test('the event: --data, --path, stdin; --raw; both --data and --path refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-event-'));
  fs.writeFileSync(path.join(dir, 'e.yml'), 'a: 1\nb: [x]\n');
  fs.writeFileSync(path.join(dir, 'e.json'), '{"j":true}');
  const none = async () => undefined;
  assert.deepEqual(await readEventInput({ data: '{"d":1}' }, dir, none), { d: 1 });
  assert.equal(await readEventInput({ data: 'plain', raw: true }, dir, none), 'plain');
  assert.deepEqual(await readEventInput({ path: 'e.yml' }, dir, none), { a: 1, b: ['x'] });
  assert.deepEqual(await readEventInput({ path: 'e.json' }, dir, none), { j: true });
  assert.equal(await readEventInput({}, dir, none), undefined);
  assert.deepEqual(await readEventInput({}, dir, async () => '{"piped":1}\n'), { piped: 1 });
  assert.equal(await readEventInput({ raw: true }, dir, async () => 'hello\n'), 'hello');
  assert.equal(await readEventInput({}, dir, async () => '  \n'), undefined);
  await assert.rejects(readEventInput({}, dir, async () => 'nope'), /The event on stdin is not valid JSON/);
  await assert.rejects(readEventInput({ data: '{}', path: 'e.json' }, dir, none), /not both/);
  await assert.rejects(readEventInput({ path: 'missing.json' }, dir, none), /the file does not exist/);
  assert.throws(() => parseEventText('{', false, '--data'), /--data is not valid JSON/);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a service file gives each function its environment (provider and function merged, variables resolved) and runtime', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-svc-env-'));
  fs.writeFileSync(
    path.join(dir, 'serverless.yml'),
    [
      'service: envs',
      'provider:',
      '  name: tencent',
      '  runtime: Python3.9',
      '  environment:',
      '    SHARED: from-provider',
      '    STAGE: ${sls:stage}',
      '    COUNT: 3',
      '    SECRET: ${env:MY_SECRET}',
      'functions:',
      '  a:',
      '    handler: src/api/app.main',
      '    environment:',
      '      SHARED: from-function',
      '      COUNT: null',
      '  b:',
      '    handler: index.main',
      '    runtime: Nodejs20.15',
    ].join('\n'),
  );
  const service = loadService(dir, { stage: 'prod', env: { MY_SECRET: 's3' } });
  const [a, b] = service.functions;
  assert.deepEqual({ ...a.environment }, { SHARED: 'from-function', STAGE: 'prod', SECRET: 's3' });
  assert.equal(a.runtime, 'Python3.9');
  assert.equal(a.handler, 'src/api/app.main');
  assert.deepEqual({ ...b.environment }, { SHARED: 'from-provider', STAGE: 'prod', COUNT: '3', SECRET: 's3' });
  assert.equal(b.runtime, 'Nodejs20.15');
  fs.rmSync(dir, { recursive: true, force: true });
});

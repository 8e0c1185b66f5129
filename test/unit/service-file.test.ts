// The emulator's service reader (lib/emulator/service-file.ts): the configuration file found as serverless finds
// it, `${file(...)}` variables, what an unresolved variable says, functions it cannot run, clashing names, the
// timeout cap and the region.
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadService, resolveString, SUPPORTED_SOURCES } from '../../lib/emulator/service-file';
import { handlerProblem, handlerProblems } from '../../lib/config/handlers';

const made: string[] = [];
after(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A service directory holding these files. */
function service(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-service-file-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('expected a refusal');
}

const BASIC = 'service: svc\nprovider:\n  name: tencent\nfunctions:\n  a:\n    handler: index.a\n';

test('${file(./config.json):key} and ${file(./x.yml):a.b} are resolved, relative to the service', () => {
  const dir = service({
    'config.json': JSON.stringify({ ns: 'from-json', nested: { name: 'svc-json-name' } }),
    'conf/x.yml': 'a:\n  b: from-yaml\n  stage: ${sls:stage}\n',
    'values.js': 'module.exports = { timeout: 7 };\n',
    'env.yml': 'FROM_FILE: yes-file\n',
    'serverless.yml': [
      'service: svc',
      'provider:',
      '  name: tencent',
      '  namespace: ${file(./config.json):ns}',
      '  environment: ${file(./env.yml)}',
      'functions:',
      '  a:',
      '    handler: index.a',
      '    name: ${file(./config.json):nested.name}',
      '    timeout: ${file(./values.js):timeout}',
      '    environment:',
      '      FROM_YAML: ${file(./conf/x.yml):a.b}',
      '      STAGE_IN_FILE: ${file(./conf/x.yml):a.stage}',
      "      FALLBACK: ${file(./missing.json):x, 'fallback'}",
    ].join('\n'),
  });
  const loaded = loadService(dir, { stage: 'qa', env: {} });
  const [a] = loaded.functions;
  assert.equal(a.namespace, 'from-json');
  assert.equal(a.functionName, 'svc-json-name');
  assert.equal(a.timeout, 7);
  assert.deepEqual({ ...a.environment }, { FROM_FILE: 'yes-file', FROM_YAML: 'from-yaml', STAGE_IN_FILE: 'qa', FALLBACK: 'fallback' });
});

test('a variable that cannot be resolved: the message says why and names the supported sources', () => {
  const cases: Array<[string, RegExp]> = [
    ['${file(./missing.json):ns}', /\.\/missing\.json does not exist/],
    ['${file(./config.json):nope}', /\.\/config\.json has no nope/],
    ['${ssm:/shared/ns}', /\$\{ssm:\.\.\.\} is not a source the emulator resolves/],
    ['${env:NS_FROM_ENV}', /NS_FROM_ENV is not set in the environment/],
    ['${self:custom.ns}', /the configuration has no custom\.ns/],
    ["${env:FIRST, 'x'}-${opt:team}", /: the emulator was not started with --team\./],
  ];
  for (const [variable, why] of cases) {
    const dir = service({ 'config.json': '{"ns":"x"}', 'serverless.yml': `service: svc\nprovider:\n  name: tencent\n  namespace: ${variable}\nfunctions:\n  a:\n    handler: index.a\n` });
    const message = refusal(() => loadService(dir, { env: {} }));
    assert.ok(message.startsWith(`Cannot resolve provider.namespace "${variable}" in serverless.yml`), message);
    assert.match(message, why);
    assert.ok(message.endsWith(`The emulator resolves ${SUPPORTED_SOURCES}.`), message);
    assert.doesNotMatch(message, /\n/);
  }
  const badJson = service({ 'config.json': '{"ns":', 'serverless.yml': 'service: svc\nprovider:\n  namespace: ${file(./config.json):ns}\n' });
  assert.match(refusal(() => loadService(badJson, { env: {} })), /^Cannot parse \.\/config\.json \(for \$\{file\(\.\/config\.json\)\}\): /);
});

test('serverless.yaml, .json, .js, .cjs and .ts are found as serverless finds them, serverless.yml first', () => {
  const json = JSON.stringify({ service: 'from-json', provider: { name: 'tencent', region: 'ap-shanghai' }, functions: { a: { handler: 'index.a' } } });
  assert.equal(loadService(service({ 'serverless.yaml': BASIC.replace('svc', 'from-yaml') }), { env: {} }).service, 'from-yaml');
  const fromJson = loadService(service({ 'serverless.json': json }), { env: {} });
  assert.equal(fromJson.service, 'from-json');
  assert.equal(path.basename(fromJson.file!), 'serverless.json');
  assert.equal(fromJson.region, 'ap-shanghai');
  const js = `module.exports = { service: 'from-js', provider: { name: 'tencent', stage: process.env.NO_SUCH_VAR || 'js' }, functions: { a: { handler: 'index.a' } } };\n`;
  const fromJs = loadService(service({ 'serverless.js': js }), { env: {} });
  assert.equal(fromJs.service, 'from-js');
  assert.equal(fromJs.stage, 'js');
  assert.equal(loadService(service({ 'serverless.cjs': js.replace('from-js', 'from-cjs') }), { env: {} }).service, 'from-cjs');
  const ts = `const config: { service: string; provider: { name: string }; functions: Record<string, { handler: string }> } = { service: 'from-ts', provider: { name: 'tencent' }, functions: { a: { handler: 'index.a' } } };\nexport default config;\n`;
  assert.equal(loadService(service({ 'serverless.ts': ts }), { env: {} }).service, 'from-ts');
  assert.equal(loadService(service({ 'serverless.yml': BASIC.replace('svc', 'yml-wins'), 'serverless.json': json }), { env: {} }).service, 'yml-wins');
  assert.match(refusal(() => loadService(service({ 'serverless.js': 'module.exports = Promise.resolve({});\n' }), { env: {} })), /serverless\.js exports a Promise/);
  const empty = service({});
  assert.equal(refusal(() => loadService(empty, { env: {} })), `${empty} holds no serverless.yml (nor serverless.yaml, .json, .js, .mjs, .cjs or .ts).`);
});

test('a function without a handler, or whose handler has no dot, is left out with one line naming it; the others are served', () => {
  const dir = service({
    'serverless.yml': [
      'service: svc',
      'provider:',
      '  name: tencent',
      'functions:',
      '  good:',
      '    handler: index.good',
      '  nohandler:',
      '    timeout: 5',
      '  nodot:',
      '    handler: index',
      '  gofn:',
      '    handler: main',
      '    runtime: Go1',
      '  pyok:',
      '    handler: app.main',
      '    runtime: Python3.9',
    ].join('\n'),
  });
  const loaded = loadService(dir, { env: {} });
  assert.deepEqual(
    loaded.functions.map((f) => f.key),
    ['good', 'gofn', 'pyok'],
  );
  assert.deepEqual(loaded.notServed, [
    'functions.nohandler has no handler: give it "file.function", like index.main_handler. It is not served.',
    'functions.nodot.handler "index" is not "file.function" (the file, a dot, the function), like index.main_handler. It is not served.',
  ]);
});

test('handlerProblem: file.function for Node.js, Python and PHP; Go, Java and custom runtimes have their own forms', () => {
  assert.equal(handlerProblem('a', 'index.main', undefined), undefined);
  assert.equal(handlerProblem('a', 'src/app.handler', 'Nodejs18.15'), undefined);
  assert.match(handlerProblem('a', undefined, 'Python3.9')!, /^functions\.a has no handler/);
  assert.match(handlerProblem('a', '', undefined)!, /^functions\.a has no handler/);
  assert.match(handlerProblem('a', 'index.', 'Nodejs18.15')!, /^functions\.a\.handler "index\." is not "file\.function"/);
  assert.match(handlerProblem('a', '.main', 'Php8')!, /is not "file\.function"/);
  assert.match(handlerProblem('a', 42, undefined)!, /^functions\.a\.handler must be "file\.function", like index\.main_handler, not 42\./);
  assert.equal(handlerProblem('a', 'main', 'Go1'), undefined);
  assert.equal(handlerProblem('a', undefined, 'Go1'), undefined);
  assert.equal(handlerProblem('a', 'example.Hello::mainHandler', 'Java8'), undefined);
  assert.match(handlerProblem('a', undefined, 'Java11')!, /Java takes package\.Class::method/);
  assert.equal(handlerProblem('a', 'bootstrap', 'CustomRuntime'), undefined);
  assert.deepEqual([...handlerProblems({ ok: { handler: 'a.b' }, bad: {}, nul: null, go: { handler: 'main' } }, 'Go1').keys()], []);
  assert.deepEqual([...handlerProblems({ ok: { handler: 'a.b' }, bad: {}, nul: null, go: { handler: 'main', runtime: 'Go1' } }, undefined).keys()], ['bad', 'nul']);
});

test('two functions deployed under one name are refused, naming both keys', () => {
  const dir = service({
    'serverless.yml': 'service: svc\nprovider:\n  name: tencent\nfunctions:\n  first:\n    handler: index.a\n    name: shared\n  second:\n    handler: index.b\n    name: shared\n  third:\n    handler: index.c\n    name: shared\n    namespace: other\n',
  });
  assert.equal(refusal(() => loadService(dir, { env: {} })), 'functions.first and functions.second are both deployed as shared in namespace default: give one another name or namespace.');
  const byDefault = service({ 'serverless.yml': 'service: svc\nfunctions:\n  a:\n    handler: index.a\n  b:\n    handler: index.b\n    name: svc-dev-a\n' });
  assert.match(refusal(() => loadService(byDefault, { env: {} })), /^functions\.a and functions\.b are both deployed as svc-dev-a in namespace default/);
});

test('a namespace or name that is a list, a number or empty is refused as the plugin refuses it', () => {
  for (const [value, shown] of [['[a, b]', '["a","b"]'], ['123', '123'], ['""', '""']]) {
    const dir = service({ 'serverless.yml': `service: svc\nprovider:\n  namespace: ${value}\nfunctions:\n  a:\n    handler: index.a\n` });
    assert.equal(refusal(() => loadService(dir, { env: {} })), `provider.namespace must be a non-empty string, not ${shown}.`);
  }
  const named = service({ 'serverless.yml': 'service: svc\nfunctions:\n  a:\n    handler: index.a\n    name: 42\n' });
  assert.equal(refusal(() => loadService(named, { env: {} })), 'functions.a.name must be a non-empty string, not 42.');
});

test('a timeout over 900 s is refused as SCF caps it, naming the function', () => {
  const own = service({ 'serverless.yml': 'service: svc\nfunctions:\n  ok:\n    handler: index.a\n    timeout: 900\n  long:\n    handler: index.b\n    timeout: 901\n' });
  assert.equal(refusal(() => loadService(own, { env: {} })), "functions.long.timeout is 901 s: SCF caps a function's timeout at 900 s.");
  const provider = service({ 'serverless.yml': 'service: svc\nprovider:\n  timeout: 3600\nfunctions:\n  a:\n    handler: index.a\n' });
  assert.equal(refusal(() => loadService(provider, { env: {} })), "provider.timeout (for functions.a) is 3600 s: SCF caps a function's timeout at 900 s.");
});

test('the region: the one the emulator was started for answers ${opt:region}; else the service\'s', () => {
  const dir = service({ 'serverless.yml': "service: svc\nprovider:\n  region: ${opt:region, 'ap-chengdu'}\nfunctions:\n  a:\n    handler: index.a\n" });
  assert.equal(loadService(dir, { env: {} }).region, 'ap-chengdu');
  assert.equal(loadService(dir, { env: {}, region: 'ap-beijing' }).region, 'ap-beijing');
  assert.equal(loadService(service({ 'serverless.yml': BASIC }), { env: {} }).region, undefined);
});

test('resolveString: fallbacks around file(...) split at top-level commas only', () => {
  const dir = service({ 'a,b.json': '{"k":"comma-file"}' });
  const ctx = { options: {}, env: {}, self: {}, dir };
  assert.equal(resolveString('${file(./a,b.json):k}', ctx), 'comma-file');
  assert.equal(resolveString("${file(./none.json):k, 'dflt'}", ctx), 'dflt');
});

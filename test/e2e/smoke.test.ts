// Post-deploy smoke checks end to end: the real `sls deploy` / `sls smoke` against the emulator running the
// example handlers. `npm test` runs this file under osls 4 as well (helpers: SCF_E2E_CLI).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { assertNoSecrets, emulatorFor, EXAMPLE, SCHEMA_ERRORS_STOP, serviceDir, sls, type SlsRun, type TestCredentials } from '../helpers';
import { loadService } from '../../lib/emulator/service-file';
import type { RunningEmulator } from '../../lib/emulator/http/server';

const SERVICE = `service: smoky
provider:
  name: tencent
  timeout: 10
plugins:
  - __PLUGIN__
package:
  patterns: ['!reports/**']   # the JUnit report is not code: it would change the package at every run
custom:
  scf:
    smoke:
      concurrency: 4
      junit: reports/smoke.xml
functions:
  hello:
    handler: index.hello
    smoke: true
  echo:
    handler: index.echo
    smoke:
      event: { status: ok, n: 2 }
      expect:
        equals: { status: ok, n: 2 }
        contains: ok
  thrower:
    handler: index.fail
    smoke:
      event: { reason: "db unreachable" }
  wrongText:
    handler: index.hello
    smoke:
      expect:
        contains: Goodbye
  tooSlow:
    handler: index.slow
    smoke:
      event: { ms: 4000 }
      timeout: 1
  expectedFailure:
    handler: index.fail
    smoke:
      expect: { success: false }
  noCheck:
    handler: index.echo
`;

let dir: string;
let emulator: RunningEmulator & { credentials: TestCredentials };

before(async () => {
  dir = serviceDir(SERVICE);
  emulator = await emulatorFor(dir, { credentials: { secretId: 'AKIDsmoke', secretKey: 'smokeSECRETkey42', token: 'smokeTOKEN77' } });
});
after(() => emulator.close());

async function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<SlsRun> {
  const result = await sls(cwd, args, emulator, env);
  assertNoSecrets(result, emulator.credentials);
  assert.doesNotMatch(result.stderr, /validation schema|Invalid configuration/, result.stderr);
  return result;
}

test('sls deploy runs every check and fails on the ones that do not answer as expected; JUnit report', async () => {
  emulator.reset();
  const result = await run(dir, ['deploy']);
  assert.notEqual(result.code, 0);
  assert.match(result.stdout, /^Error:\n3 of 6 smoke checks failed: thrower, wrongText, tooSlow\n/);
  const out = result.stderr;
  assert.match(out, /hello +passed/);
  assert.match(out, /echo +passed/);
  assert.match(out, /expectedFailure +passed/);
  assert.match(out, /thrower \(smoky-dev-thrower\): the function failed: db unreachable \[RequestId ([0-9a-f-]{36}): sls logs -f thrower --requestId \1\]/);
  assert.match(out, /wrongText \(smoky-dev-wrongText\): the result does not contain "Goodbye"/);
  assert.match(out, /tooSlow \(smoky-dev-tooSlow\): Request [0-9a-f-]{36} of smoky-dev-tooSlow had not finished after 1 s \(still running\)/);
  assert.match(out, /noCheck \(smoky-dev-noCheck\): code updated/, 'deployed like every function');
  assert.doesNotMatch(out, /noCheck +(passed|FAILED)/, 'functions without a check are not checked');
  assert.ok(!emulator.requests.some((r) => r.action === 'Invoke' && r.params.FunctionName === 'smoky-dev-noCheck'));
  assert.ok(emulator.requests.filter((r) => r.action === 'Invoke').every((r) => r.params.InvocationType === 'Event'));

  const xml = fs.readFileSync(path.join(dir, 'reports', 'smoke.xml'), 'utf8');
  assert.equal(XMLValidator.validate(xml), true);
  const report = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
  const suite = report.testsuites.testsuite;
  assert.equal(suite.tests, '6');
  assert.equal(suite.failures, '3');
  const cases: any[] = suite.testcase;
  assert.deepEqual(cases.map((c) => c.name), ['hello', 'echo', 'thrower', 'wrongText', 'tooSlow', 'expectedFailure']);
  for (const c of cases) {
    assert.equal(c.classname, 'smoke.smoky');
    assert.ok(Number(c.time) >= 0);
  }
  assert.match(cases[2].failure.message, /db unreachable/);
  assert.equal(cases[0].failure, undefined);
  assert.ok(!xml.includes(emulator.credentials.secretKey));
});

test('sls smoke -f runs one check without deploying; --no-smoke skips them', async () => {
  emulator.reset();
  const one = await run(dir, ['smoke', '-f', 'echo']);
  assert.equal(one.code, 0, one.stdout + one.stderr);
  assert.match(one.stderr, /The smoke check passed/);
  assert.deepEqual([...new Set(emulator.requests.map((r) => r.params.FunctionName))], ['smoky-dev-echo']);
  emulator.reset();
  const skipped = await run(dir, ['deploy', '--no-smoke']);
  assert.equal(skipped.code, 0);
  assert.match(skipped.stderr, /No changes to \S+ \(stage \w+, region [\w-]+\) in [\d.]+ m?s: 7 functions match serverless\.yml, nothing was sent/);
  assert.match(skipped.stderr, /Smoke checks skipped/);
  assert.deepEqual(emulator.requests.filter((r) => !/^(Get|List)/.test(r.action)), [], 'a deploy with nothing to change sends reads only, and no smoke check');
  const fnDeploy = await run(dir, ['deploy', 'function', '-f', 'thrower']);
  assert.notEqual(fnDeploy.code, 0);
  assert.match(fnDeploy.stdout, /1 of 1 smoke check failed: thrower/);
  const noCheck = await run(dir, ['smoke', '-f', 'noCheck']);
  assert.notEqual(noCheck.code, 0);
  assert.match(noCheck.stdout, /Function "noCheck" has no smoke check/);
});

test('failDeploy: false turns a failed check into a warning', async () => {
  const lenient = serviceDir(SERVICE.replace('concurrency: 4', 'concurrency: 4\n      failDeploy: false'));
  const result = await run(lenient, ['smoke', '-f', 'thrower']);
  assert.notEqual(result.code, 0, 'sls smoke itself still fails: it is a check, not a deploy');
  const deploy = await run(lenient, ['deploy', 'function', '-f', 'thrower']);
  assert.equal(deploy.code, 0, deploy.stdout);
  assert.match(deploy.stderr, /1 of 1 smoke check failed: thrower \(custom\.scf\.smoke\.failDeploy is false: the deploy stands\)/);
});

test('bad smoke configuration is one line and nothing is sent', async () => {
  // [the function's lines, the plugin's refusal, the schema's refusal where the CLI stops at schema errors (osls 4;
  // serverless 3 and osls 3 only warn)]
  const cases: Array<[string, RegExp, RegExp?]> = [
    ['    smoke:\n      expect: { maxDuration: fast }', /functions\.f\.smoke\.expect\.maxDuration must be a positive number of milliseconds/, /Configuration error at 'functions\.f\.smoke\.expect\.maxDuration'/],
    ['    smoke:\n      expect: { contain: ok }', /functions\.f\.smoke\.expect has unknown key contain/, /Configuration error at 'functions\.f\.smoke\.expect': unrecognized property 'contain'/],
    ['    smoke:\n      eventPath: missing.json', /functions\.f\.smoke\.eventPath missing\.json does not exist/],
    ['    smoke:\n      event: {}\n      eventPath: x.json', /give event or eventPath, not both/],
  ];
  cases.push(['    timeout: -5\n    smoke: true', /functions\.f\.timeout must be a positive number of seconds, not -5\./, /Configuration error at 'functions\.f\.timeout'/]);
  for (const [smoke, pattern, schemaPattern] of cases) {
    const bad = serviceDir(`service: bad\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\nfunctions:\n  f:\n    handler: index.hello\n${smoke}\n`);
    emulator.reset();
    const result = await sls(bad, ['smoke'], emulator);
    assert.notEqual(result.code, 0);
    if (SCHEMA_ERRORS_STOP && schemaPattern) assert.match(result.stdout, schemaPattern);
    else {
      assert.match(result.stdout, pattern);
      assert.equal(result.stdout.trim().split('\n').length, 2);
    }
    assert.equal(emulator.requests.length, 0);
  }
});

test('the example service passes its own checks', async () => {
  const example = await emulatorFor(EXAMPLE);
  try {
    const result = await sls(EXAMPLE, ['deploy'], example);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stderr, /All 3 smoke checks passed/);
  } finally {
    await example.close();
  }
});

const INVOKE_REPLY_MS = 3000;

test('thirty functions at once: Invokes are not held to 20 a second, GetRequestStatus is, and nothing is throttled', async () => {
  const functions = Array.from({ length: 30 }, (_, i) => `  f${i}:\n    handler: index.slow\n    timeout: 30\n    smoke:\n      event: { ms: 2000 }\n`).join('');
  const many = serviceDir(`service: many\nprovider:\n  name: tencent\nplugins:\n  - __PLUGIN__\ncustom:\n  scf:\n    smoke:\n      concurrency: 30\nfunctions:\n${functions}`);
  // The emulator holds each action to its own figure from the API's table, as the cloud does.
  const strict = await emulatorFor(many, { service: loadService(many, { env: {} }) });
  // Every Invoke answers 3 s after it arrives: a limiter holding Invokes to 20 a second (counting each from its
  // reply) could send the 21st only after 4 s; one holding them to Invoke's own 100 sends all 30 before any reply.
  Object.assign(strict.faults, { latencyMs: INVOKE_REPLY_MS, actions: ['Invoke'] });
  try {
    const result = await sls(many, ['smoke'], strict);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stderr, /All 30 smoke checks passed/);
    const peak = strict.peakPerSecond('GetRequestStatus');
    assert.ok(peak <= 20, `peak ${peak}`);
    const invokes = strict.requests.filter((r) => r.action === 'Invoke').map((r) => r.at);
    assert.equal(invokes.length, 30);
    const spread = Math.max(...invokes) - Math.min(...invokes);
    assert.ok(spread < INVOKE_REPLY_MS, `the 30 Invokes arrived over ${spread} ms, some after the first reply: the limiter held them to another action's figure`);
    assert.equal(strict.requests.filter((r) => r.outcome === 'RequestLimitExceeded').length, 0);
    const polls = strict.requests.filter((r) => r.action === 'GetRequestStatus').length;
    assert.ok(polls <= 30 * 8, `${polls} polls for 30 checks`);
  } finally {
    await strict.close();
  }
});

// Safe delivery end to end: `sls deploy` with a canary or linear strategy against the emulator, traffic sent to the
// alias while versions bake, the account read back with the vendor's own SDKs (SCF and Cloud Monitor).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { newCredentials, PLUGIN_NAME, serviceDir, SLS, sls, slsEnvironment, type SlsRun, type TestCredentials } from '../helpers';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';

const ScfSdkClient = (scf as any).v20180416.Client;
const MonitorSdkClient = require('tencentcloud-sdk-nodejs').monitor.v20180724.Client;

let emulator: RunningEmulator & { credentials: TestCredentials };
let client: any;
let monitor: any;
let sent: RecordedRequest[] = [];

before(async () => {
  const credentials = newCredentials();
  const started = await startEmulator({ credentials, behaviour: { transitionMs: 20, routingSeed: 7 } });
  emulator = Object.assign(started, { credentials });
  const profile = { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://', reqTimeout: 60 } };
  client = new ScfSdkClient({ credential: credentials, region: 'ap-guangzhou', profile });
  monitor = new MonitorSdkClient({ credential: credentials, region: 'ap-guangzhou', profile });
});
after(() => emulator.close());

/** Handlers: `label` in every answer; `failTraffic` fails every invocation but the smoke check's; `failSmoke` fails that one. */
const code = (label: string, { failTraffic = false, failSmoke = false } = {}) => `exports.main = async (event) => {
  if (event.smoke) { if (${failSmoke}) throw new Error('smoke broke'); return { ok: true, label: ${JSON.stringify(label)} }; }
  if (${failTraffic}) throw new Error('traffic broke');
  return { label: ${JSON.stringify(label)} };
};
`;

function yml(strategy: string, extra = ''): string {
  return `service: shop
provider:
  name: tencent
  runtime: Nodejs18.15
plugins:
  - ${PLUGIN_NAME}
package:
  individually: true
  patterns: ['!**']
custom:
  scf:
    deploy:
      strategy: ${strategy}
${extra}functions:
${['good', 'flaky', 'broken', 'steady']
  .map((key) => `  ${key}:\n    handler: ${key}.main\n    smoke:\n      event: { smoke: true }\n      expect: { contains: ok }\n    package:\n      patterns: ['${key}.js']\n`)
  .join('')}`;
}

const CANARY = `{ type: canary, weight: 50, bake: 3, metricsLag: 0, gate: { errorRate: 5 } }`;

let dir: string;

function write(files: Record<string, string>, strategy = CANARY, extra = ''): void {
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml(strategy, extra));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
}

async function run(args: string[]): Promise<SlsRun> {
  emulator.reset();
  const result = await sls(dir, args, emulator);
  sent = [...emulator.requests];
  return result;
}

const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const alias = async (name: string) => client.GetAlias({ FunctionName: `shop-dev-${name}`, Name: '$DEFAULT' });
const weightsSent = (name: string) =>
  sent.filter((r) => r.action === 'UpdateAlias' && r.params.FunctionName === `shop-dev-${name}`).map((r) => [r.params.FunctionVersion, (r.params.RoutingConfig?.AdditionalVersionWeights ?? []).map((w: any) => `${w.Version}:${w.Weight}`).join(',')]);

/** Invokes the functions' $DEFAULT alias every few ms until `until` settles: the traffic a bake watches. */
async function withTraffic<T>(names: string[], until: Promise<T>): Promise<T> {
  let done = false;
  const loops = names.map(async (name) => {
    while (!done) {
      await client.Invoke({ FunctionName: `shop-dev-${name}`, Qualifier: '$DEFAULT', ClientContext: '{}' }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 40));
    }
  });
  try {
    return await until;
  } finally {
    done = true;
    await Promise.all(loops);
  }
}

test('first deploy: each new version is smoke-checked, then serves $DEFAULT alone (nothing served before)', async () => {
  dir = serviceDir(yml(CANARY));
  write({ 'good.js': code('g1'), 'flaky.js': code('f1'), 'broken.js': code('b1'), 'steady.js': code('s1') });
  const result = await run(['deploy']);
  assert.equal(result.code, 0, output(result));
  for (const name of ['good', 'flaky', 'broken', 'steady']) {
    const a = await alias(name);
    assert.deepEqual([a.FunctionVersion, a.RoutingConfig.AdditionalVersionWeights], ['1', []], name);
    assert.match(a.Description, /^Served by sls deploy, deployments D\d{8}T\d{6}Z[0-9A-F]{4}\.$/);
  }
  const versions = await client.ListVersionByFunction({ FunctionName: 'shop-dev-good' });
  assert.match(versions.Versions.find((v: any) => v.Version === '1').Description, /^Published by sls deploy, deployment D\d{8}T\d{6}Z[0-9A-F]{4}/);
  // The smoke checks ran against version 1 itself, before the alias moved, and not again after the deploy.
  const smokes = sent.filter((r) => r.action === 'Invoke');
  assert.deepEqual(smokes.map((r) => r.params.Qualifier).sort(), ['1', '1', '1', '1']);
  assert.ok(sent.findIndex((r) => r.action === 'Invoke') < sent.findIndex((r) => r.action === 'UpdateAlias'));
});

test('canary: a version failing its smoke check moves no traffic; one failing the gate while it bakes is rolled back; a healthy one is promoted', async () => {
  write({ 'good.js': code('g2'), 'flaky.js': code('f2', { failTraffic: true }), 'broken.js': code('b2', { failSmoke: true }) });
  const deploying = run(['deploy']);
  const result = await withTraffic(['good', 'flaky'], deploying);
  assert.notEqual(result.code, 0, output(result));
  const all = result.stdout + result.stderr;
  assert.match(all, /good \(shop-dev-good\): version 2 serves alias \$DEFAULT/);
  assert.match(all, /flaky \(shop-dev-flaky\): version 2 rolled back at 50%, alias \$DEFAULT serves version 1 again: error rate \d+\.\d% is over the gate's 5%: \d+ errors? in \d+ invocations?/);
  assert.match(all, /broken \(shop-dev-broken\): version 2 not released, no traffic moved: its smoke check failed/);
  assert.match(all, /2 of 3 releases did not go through \(broken, flaky\)/);

  assert.deepEqual(weightsSent('good'), [['1', '2:0.5'], ['2', '']]);
  assert.deepEqual(weightsSent('flaky'), [['1', '2:0.5'], ['1', '']]);
  assert.deepEqual(weightsSent('broken'), [], 'no traffic moved');
  assert.deepEqual(weightsSent('steady'), [], 'unchanged: nothing published, nothing released');
  assert.equal(sent.filter((r) => r.action === 'PublishVersion' && r.params.FunctionName === 'shop-dev-steady').length, 0);
  for (const [name, version] of [['good', '2'], ['flaky', '1'], ['broken', '1'], ['steady', '1']]) {
    const a = await alias(name);
    assert.deepEqual([a.FunctionVersion, a.RoutingConfig.AdditionalVersionWeights], [version, []], name);
  }
  // Cloud Monitor, read with the vendor's own client, saw version 2 of flaky fail.
  const now = new Date();
  const figures = await monitor.GetMonitorData({
    Namespace: 'QCE/SCF_V2',
    MetricName: 'Error',
    Period: 60,
    StartTime: new Date(now.getTime() - 600_000).toISOString().replace('Z', '+00:00'),
    EndTime: now.toISOString().replace('Z', '+00:00'),
    Instances: [{ Dimensions: [{ Name: 'functionName', Value: 'shop-dev-flaky' }, { Name: 'namespace', Value: 'default' }, { Name: 'version', Value: '2' }] }],
  });
  assert.ok(figures.DataPoints[0].Values.reduce((a: number, b: number) => a + b, 0) > 0);
});

test('linear: traffic moves in steps, each watched, then the version serves alone', async () => {
  write({ 'steady.js': code('s2') }, `{ type: linear, step: 40, interval: 1, metricsLag: 0 }`);
  const result = await withTraffic(['steady'], run(['deploy', 'function', '-f', 'steady']));
  assert.equal(result.code, 0, output(result));
  assert.deepEqual(weightsSent('steady'), [['1', '2:0.4'], ['1', '2:0.8'], ['2', '']]);
  assert.equal((await alias('steady')).FunctionVersion, '2');
});

test('an interrupted release puts the alias back on the version it served; the next deploy releases again', async () => {
  write({ 'good.js': code('g3') }, `{ type: canary, weight: 20, bake: 600, metricsLag: 0 }`);
  emulator.reset();
  const { home, env } = slsEnvironment(emulator);
  const child = spawn(process.execPath, [SLS, 'deploy', 'function', '-f', 'good'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stderr += d));
  for (let i = 0; i < 1200 && !emulator.requests.some((r) => r.action === 'UpdateAlias' && r.params.RoutingConfig?.AdditionalVersionWeights?.length); i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual((await alias('good')).RoutingConfig.AdditionalVersionWeights, [{ Version: '3', Weight: 0.2 }], 'baking');
  child.kill('SIGINT');
  const code130 = await new Promise((r) => child.on('exit', (c) => r(c)));
  fs.rmSync(home, { recursive: true, force: true });
  assert.equal(code130, 130, stderr);
  const a = await alias('good');
  assert.deepEqual([a.FunctionVersion, a.RoutingConfig.AdditionalVersionWeights], ['2', []], stderr);

  // Nothing changed since: the next deploy releases version 3 again instead of publishing the same code twice.
  write({}, `{ type: canary, weight: 20, bake: 1, metricsLag: 0 }`);
  const again = await withTraffic(['good'], run(['deploy', 'function', '-f', 'good']));
  assert.equal(again.code, 0, output(again));
  assert.equal(sent.filter((r) => r.action === 'PublishVersion').length, 0);
  assert.deepEqual(weightsSent('good'), [['2', '3:0.2'], ['3', '']]);
});

test('deploy list: every deployment newest first, its commit-free versions, and what each alias serves; --json', async () => {
  const result = await run(['deploy', 'list', '--json']);
  assert.equal(result.code, 0, output(result));
  assert.deepEqual(sent.filter((r) => !/^(Get|List)/.test(r.action)), [], 'reads only');
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.alias, '$DEFAULT');
  const ids = doc.deployments.map((d: any) => d.id);
  assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
  const [newest] = doc.deployments;
  assert.deepEqual([newest.versions, newest.serving, newest.promoted], [{ good: '3' }, ['good'], true], 'the release cut short and finished later counts as its own deployment');
  const first = doc.deployments[doc.deployments.length - 1];
  assert.deepEqual(first.versions, { good: '1', flaky: '1', broken: '1', steady: '1' });
  assert.deepEqual(first.serving.sort(), ['broken', 'flaky']);
  const failed = doc.deployments.find((d: any) => d.versions.flaky === '2');
  assert.deepEqual([failed.versions, failed.serving], [{ good: '2', flaky: '2', broken: '2' }, []]);
  const table = await run(['deploy', 'list']);
  assert.equal(table.code, 0, output(table));
  assert.match(table.stdout, new RegExp(`^${newest.id} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d .* good:3\\* +yes$`, 'm'));
});

test('rollback: back to the deployment before the current (never to a version whose release failed), its smoke checks run; then to a named one', async () => {
  const list = JSON.parse((await run(['deploy', 'list', '--json'])).stdout).deployments;
  const [current, linear, second, first] = list.map((d: any) => d.id);
  const result = await run(['rollback']);
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, new RegExp(`Rolling shop \\(stage dev\\) back to deployment ${linear}`));
  // good was at 2 by then; flaky's version 2 failed its release, so it stays on 1; steady was at 2.
  assert.deepEqual(
    await Promise.all(['good', 'flaky', 'broken', 'steady'].map(async (n) => (await alias(n)).FunctionVersion)),
    ['2', '1', '1', '2'],
  );
  assert.deepEqual(sent.filter((r) => r.action === 'UpdateAlias').map((r) => r.params.FunctionName), ['shop-dev-good']);
  assert.deepEqual(sent.filter((r) => r.action === 'Invoke').map((r) => [r.params.FunctionName, r.params.Qualifier]), [['shop-dev-good', '$DEFAULT']], 'its smoke check, through the alias');
  assert.match(result.stderr, /triggers, tags and \$LATEST stay as the last deploy left them/);
  assert.ok(current > linear && linear > second && second > first);

  const named = await run(['rollback', '--deployment', first]);
  assert.equal(named.code, 0, output(named));
  assert.deepEqual(
    await Promise.all(['good', 'flaky', 'broken', 'steady'].map(async (n) => (await alias(n)).FunctionVersion)),
    ['1', '1', '1', '1'],
  );
  const bad = await run(['rollback', '--deployment', 'yesterday']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /--deployment "yesterday" is not a deployment id/);
  assert.deepEqual(sent, [], 'nothing sent');
});

test('keepVersions: the oldest versions go after a successful deploy, never one an alias serves nor the one it served before', async () => {
  write({ 'good.js': code('g4') }, `{ type: canary, weight: 50, bake: 1, metricsLag: 0 }`, '      keepVersions: 2\n');
  const result = await withTraffic(['good'], run(['deploy', 'function', '-f', 'good']));
  assert.equal(result.code, 0, output(result));
  // good had 1 (served before: the rollback put the alias there), 2, 3; now 4 serves.
  const versions = (await client.ListVersionByFunction({ FunctionName: 'shop-dev-good' })).Versions.map((v: any) => v.Version);
  assert.deepEqual(versions.filter((v: string) => v !== '$LATEST').sort(), ['1', '3', '4']);
  assert.deepEqual(sent.filter((r) => r.action === 'DeleteFunctionVersion').map((r) => r.params.Qualifier), ['2']);
});

test('sls metrics: the figures match the invocations made, per function and for the service, in one request per metric', async () => {
  await emulator.core.idle();
  const result = await run(['metrics', '--json']);
  assert.equal(result.code, 0, output(result));
  const doc = JSON.parse(result.stdout);
  assert.equal(doc.range.periodSeconds, 60);
  let total = 0;
  for (const name of ['good', 'flaky', 'broken', 'steady']) {
    const runs = emulator.core.store.of(`shop-dev-${name}`, 'default').filter((i) => i.status !== 'RUNNING');
    const failed = runs.filter((i) => i.statusCode !== 200).length;
    const figures = doc.functions.find((f: any) => f.key === name);
    assert.deepEqual([figures.invocations, figures.errors], [runs.length, failed], name);
    assert.equal(figures.invocationsPerPeriod.reduce((a: number, b: number) => a + b, 0), runs.length);
    assert.ok(figures.durationMaxMs >= figures.durationAvgMs, name);
    total += runs.length;
  }
  assert.equal(doc.service.invocations, total);
  assert.equal(doc.incompleteEnd, true);
  // Five metrics, four functions: one request each.
  assert.deepEqual(sent.filter((r) => r.action === 'GetMonitorData').map((r) => r.params.MetricName).sort(), ['ConcurrentExecutions', 'Duration', 'Error', 'Invocation', 'Throttle']);
  const table = await run(['metrics', '-f', 'good,flaky', '--startTime', '2h']);
  assert.equal(table.code, 0, output(table));
  assert.match(table.stdout, /^flaky +\d+ +\d+ +\d+\.\d+% +0 +[\d.]+ ms +[\d.]+ ms +\d+ +[ ▁▂▃▄▅▆▇█]+$/m);
  assert.match(table.stdout, /^\(service\) +\d+/m);
  assert.match(table.stderr, /Cloud Monitor reports a minute or two late/);
  const bad = await run(['metrics', '--period', '7']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /--period must be one of 60, 300, 3600, 86400 seconds, not "7"/);
});

test('adopting a strategy: an alias still on $LATEST is pinned to a version of it before the change, so the change waits for its release', async () => {
  const adopt = serviceDir(`service: adopt\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\nplugins:\n  - ${PLUGIN_NAME}\nfunctions:\n  api:\n    handler: api.main\n`);
  fs.writeFileSync(path.join(adopt, 'api.js'), code('a1'));
  emulator.reset();
  const plain = await sls(adopt, ['deploy'], emulator);
  assert.equal(plain.code, 0, output(plain));
  assert.equal((await client.GetAlias({ FunctionName: 'adopt-dev-api', Name: '$DEFAULT' })).FunctionVersion, '$LATEST');

  fs.writeFileSync(path.join(adopt, 'serverless.yml'), fs.readFileSync(path.join(adopt, 'serverless.yml'), 'utf8').replace('functions:', `custom:\n  scf:\n    deploy:\n      strategy: { type: canary, weight: 30, bake: 1, metricsLag: 0 }\nfunctions:`));
  fs.writeFileSync(path.join(adopt, 'api.js'), code('a2'));
  emulator.reset();
  const result = await sls(adopt, ['deploy'], emulator);
  assert.equal(result.code, 0, output(result));
  const order = emulator.requests.filter((r) => ['PublishVersion', 'UpdateAlias', 'UpdateFunctionCode'].includes(r.action)).map((r) => `${r.action} ${r.params.FunctionVersion ?? ''}`.trim());
  assert.deepEqual(order, ['PublishVersion', 'UpdateAlias 1', 'UpdateFunctionCode', 'PublishVersion', 'UpdateAlias 1', 'UpdateAlias 2']);
  const after = await client.Invoke({ FunctionName: 'adopt-dev-api', Qualifier: '$DEFAULT', ClientContext: '{}' });
  assert.equal(JSON.parse(after.Result.RetMsg).label, 'a2');
  const first = await client.Invoke({ FunctionName: 'adopt-dev-api', Qualifier: '1', ClientContext: '{}' });
  assert.equal(JSON.parse(first.Result.RetMsg).label, 'a1', 'version 1 is the code that served before');
});

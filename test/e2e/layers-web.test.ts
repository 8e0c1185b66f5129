// Layers, web functions, function URLs, concurrency and async settings end to end: the real `sls` against one
// emulator (an empty account), on copies of examples/layers and examples/express, read back with the vendor's SDK.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { newCredentials, PLUGIN_NAME, REPO, sls, type SlsRun, type TestCredentials } from '../helpers';
import { requestProblems } from '../vendor-tables';
import { vendorPackage } from '../../examples/vendor';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';

const ScfSdkClient = (scf as any).v20180416.Client;
let emulator: RunningEmulator & { credentials: TestCredentials };
let client: any;
const sent: RecordedRequest[] = [];
const counts = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-attempts-'));

before(async () => {
  const credentials = newCredentials();
  emulator = Object.assign(await startEmulator({ credentials, behaviour: { transitionMs: 20 } }), { credentials });
  client = new ScfSdkClient({ credential: credentials, region: 'ap-guangzhou', profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://', reqTimeout: 60 } } });
});
after(async () => {
  await emulator.close();
  fs.rmSync(counts, { recursive: true, force: true });
});

async function run(dir: string, args: string[]): Promise<SlsRun> {
  emulator.reset();
  const result = await sls(dir, args, emulator);
  sent.push(...emulator.requests);
  return result;
}
const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
const actions = () => emulator.requests.map((r) => r.action);

/** A copy of an example service in a temporary directory beside the plugin's link. */
function copyExample(name: string, edit: (yml: string) => string = (y) => y): string {
  const root = path.join(os.tmpdir(), `scf-services-e2e-${process.pid}`);
  fs.mkdirSync(path.join(root, 'node_modules'), { recursive: true });
  const link = path.join(root, 'node_modules', PLUGIN_NAME);
  if (!fs.existsSync(link)) fs.symlinkSync(REPO, link, 'junction');
  const dir = fs.mkdtempSync(path.join(root, `${name}-`));
  fs.cpSync(path.join(REPO, 'examples', name), dir, { recursive: true, filter: (source) => !/[\\/](\.serverless)$/.test(source) });
  const file = path.join(dir, 'serverless.yml');
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
  return dir;
}

// ---- layers ----------------------------------------------------------------------------------------------

let layered: string;

test('a Node.js and a Python function import a module only their layer provides: deployed, and through invoke local', async () => {
  layered = copyExample('layers', (yml) =>
    yml.replace(
      /^functions:\n/m,
      `functions:
  throttled:
    handler: slow.main
    reservedConcurrency: 1
  flaky:
    handler: slow.fail
    asyncRetries: 2
    environment:
      COUNT_FILE: ${path.join(counts, 'flaky')}
`,
    ),
  );
  fs.writeFileSync(
    path.join(layered, 'slow.js'),
    `exports.main = async (event) => { await new Promise((r) => setTimeout(r, event.ms || 0)); return 'done'; };
exports.fail = async () => { require('fs').appendFileSync(process.env.COUNT_FILE, 'attempt\\n'); throw new Error('always fails'); };
`,
  );
  const result = await run(layered, ['deploy', '--no-smoke']);
  assert.equal(result.code, 0, output(result));
  assert.match(result.stderr, /layer nodeDeps \(layered-dev-nodeDeps\): version 1 published/);
  assert.match(result.stderr, /layer pyDeps \(layered-dev-pyDeps\): version 1 published/);
  assert.ok(actions().indexOf('PublishLayerVersion') < actions().indexOf('CreateFunction'), 'layers are published before the functions that bind them');

  const node = await client.GetFunction({ FunctionName: 'layered-dev-node' });
  assert.deepEqual(node.Layers.map((l: any) => [l.LayerName, l.LayerVersion]), [['layered-dev-nodeDeps', 1]]);
  const layer = await client.GetLayerVersion({ LayerName: 'layered-dev-pyDeps', LayerVersion: 1 });
  assert.deepEqual([layer.CompatibleRuntimes, layer.LicenseInfo, layer.Description], [['Python3.9'], 'MIT', 'greeting module for Python']);
  for (const [name, runtime] of [['layered-dev-node', 'nodejs'], ['layered-dev-py', 'python']]) {
    const reply = await client.Invoke({ FunctionName: name, ClientContext: '{"name":"SCF"}' });
    assert.equal(reply.Result.ErrMsg, '', reply.Result.ErrMsg);
    assert.deepEqual(JSON.parse(reply.Result.RetMsg), { message: `Hello, SCF, from the ${runtime === 'nodejs' ? 'nodeDeps' : 'pyDeps'} layer`, runtime });
  }
  for (const [fn, label] of [['node', 'nodeDeps'], ['py', 'pyDeps']]) {
    const local = await run(layered, ['invoke', 'local', '-f', fn, '--data', '{"name":"local"}']);
    assert.equal(local.code, 0, output(local));
    assert.match(local.stdout, new RegExp(`Hello, local, from the ${label} layer`));
  }
});

test('a layer unchanged on redeploy publishes nothing; a changed one publishes a version the function binds', async () => {
  const same = await run(layered, ['deploy', '--no-smoke']);
  assert.equal(same.code, 0, output(same));
  assert.match(same.stderr, /No changes/);
  assert.ok(!actions().includes('PublishLayerVersion'), actions().join(' '));

  fs.writeFileSync(path.join(layered, 'layers', 'node', 'nodejs', 'node_modules', 'greeting', 'index.js'), 'exports.greet = (name) => `Hi, ${name}, from the nodeDeps layer v2`;\n');
  const changed = await run(layered, ['deploy', '--no-smoke']);
  assert.equal(changed.code, 0, output(changed));
  assert.deepEqual(emulator.requests.filter((r) => r.action === 'PublishLayerVersion').map((r) => r.params.LayerName), ['layered-dev-nodeDeps']);
  assert.match(changed.stderr, /node \(layered-dev-node\): configuration updated \(layers\)/);
  const node = await client.GetFunction({ FunctionName: 'layered-dev-node' });
  assert.deepEqual(node.Layers.map((l: any) => l.LayerVersion), [2]);
  const reply = await client.Invoke({ FunctionName: 'layered-dev-node', ClientContext: '{"name":"v2"}' });
  assert.match(reply.Result.RetMsg, /Hi, v2, from the nodeDeps layer v2/);
  // sls info tells which layer version each function runs with.
  const info = await run(layered, ['info']);
  assert.equal(info.code, 0, output(info));
  assert.match(info.stdout, /Layers \(in the order SCF binds them\):\n {2}node: layered-dev-nodeDeps:2\n {2}py: layered-dev-pyDeps:1\n/, output(info));
});

test('a function bound to a layer version that does not exist is refused before anything is published, created or changed', async () => {
  const dir = copyExample('layers', (yml) => yml.replace('service: layered', 'service: ghostly').replace('    layers: [pyDeps]\n', '    layers: [pyDeps, ghost:3, { name: ghostly-dev-nodeDeps, version: 7 }]\n'));
  const result = await run(dir, ['deploy', '--no-smoke']);
  assert.notEqual(result.code, 0, output(result));
  assert.match(result.stdout + result.stderr, /functions\.py\.layers: layer ghost version 3 does not exist in ap-guangzhou/);
  assert.match(result.stdout + result.stderr, /functions\.py\.layers: layer ghostly-dev-nodeDeps version 7 does not exist in ap-guangzhou/);
  assert.deepEqual(emulator.requests.filter((r) => !/^(Get|List)/.test(r.action)).map((r) => r.action), [], 'nothing was sent but reads');
});

test('a layer whose path is not there is named before packaging, nothing sent', async () => {
  const dir = copyExample('layers', (yml) => yml.replace('service: layered', 'service: pathless').replace('    path: layers/python ', '    path: layers/pyhton '));
  const result = await run(dir, ['deploy', '--no-smoke']);
  assert.notEqual(result.code, 0, output(result));
  assert.match(result.stdout + result.stderr, /layers\.pyDeps\.path: layers\/pyhton is not a directory of the service/);
  assert.doesNotMatch(result.stdout + result.stderr, /Packag/);
  assert.deepEqual(emulator.requests.map((r) => r.action), [], 'nothing was sent');
});

test('reserved concurrency is MB on SCF (a count times memory) and throttles the excess; async retries happen as set', async () => {
  assert.equal((await client.GetReservedConcurrencyConfig({ FunctionName: 'layered-dev-node' })).ReservedMem, 256, '2 instances of 128 MB');
  assert.equal((await client.GetReservedConcurrencyConfig({ FunctionName: 'layered-dev-throttled' })).ReservedMem, 128);
  const config = await client.GetFunctionEventInvokeConfig({ FunctionName: 'layered-dev-node' });
  assert.deepEqual([config.AsyncTriggerConfig.RetryConfig[0].RetryNum, config.AsyncTriggerConfig.MsgTTL], [1, 3600]);

  const slow = client.Invoke({ FunctionName: 'layered-dev-throttled', ClientContext: '{"ms":1500}' });
  // The second call comes while the first runs: past the 128 MB reserved, refused as SCF refuses it.
  await new Promise((r) => setTimeout(r, 400));
  const refused = await client.Invoke({ FunctionName: 'layered-dev-throttled', ClientContext: '{}' });
  assert.match(refused.Result.ErrMsg, /concurrency exceeded reserved quota 128 MB/);
  assert.equal((await slow).Result.ErrMsg, '');

  const accepted = await client.Invoke({ FunctionName: 'layered-dev-flaky', InvocationType: 'Event', ClientContext: '{}' });
  await emulator.core.idle();
  assert.equal(fs.readFileSync(path.join(counts, 'flaky'), 'utf8').trim().split('\n').length, 3, 'the first run and asyncRetries: 2 more');
  const status = await client.GetRequestStatus({ FunctionName: 'layered-dev-flaky', FunctionRequestId: accepted.Result.FunctionRequestId });
  assert.equal(status.Data[0].RetryNum, 2);

  // Removed from serverless.yml: cleared in the cloud.
  fs.writeFileSync(path.join(layered, 'serverless.yml'), fs.readFileSync(path.join(layered, 'serverless.yml'), 'utf8').replace(/    reservedConcurrency: 1\n/, '').replace(/    asyncRetries: 1.*\n    asyncMessageTtl: 3600.*\n/, ''));
  const cleared = await run(layered, ['deploy', '--no-smoke']);
  assert.equal(cleared.code, 0, output(cleared));
  assert.ok(actions().includes('DeleteReservedConcurrencyConfig') && actions().includes('UpdateFunctionEventInvokeConfig'), actions().join(' '));
  assert.equal((await client.GetReservedConcurrencyConfig({ FunctionName: 'layered-dev-throttled' })).ReservedMem, null);
  assert.equal((await client.GetFunctionEventInvokeConfig({ FunctionName: 'layered-dev-node' })).AsyncTriggerConfig.RetryConfig[0].RetryNum, 2, "SCF's default again");
});

// ---- web functions ------------------------------------------------------------------------------------------

let express: string;
let url: string;

test('an Express web function answers through its local function URL: GET and POST, headers, status codes', async () => {
  express = copyExample('express');
  vendorPackage('express', REPO, express);
  const result = await run(express, ['deploy', '--no-smoke']);
  assert.equal(result.code, 0, output(result));
  const created = emulator.requests.find((r) => r.action === 'CreateFunction')!;
  assert.equal(created.params.Type, 'HTTP');
  assert.equal(created.params.Handler, undefined, 'a web function names no handler');
  assert.deepEqual(created.params.InstanceConcurrencyConfig, { DynamicEnabled: 'FALSE', MaxConcurrency: 4 });
  const fn = await client.GetFunction({ FunctionName: 'express-web-dev-web' });
  assert.equal(fn.Type, 'HTTP');
  url = /web: (http:\/\/127\.0\.0\.1:\d+)/.exec(result.stderr)?.[1] ?? '';
  assert.ok(url, `the deploy prints the URL:\n${result.stderr}`);
  const info = await run(express, ['info', '--json']);
  assert.equal(JSON.parse(info.stdout).functions[0].triggers[0].url, url, 'info --json gives the URL');

  const home = await fetch(`${url}/`);
  assert.equal(home.status, 200);
  assert.deepEqual(await home.json(), { service: 'express-web', function: 'express-web-dev-web' });
  const made = await fetch(`${url}/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'ada' }) });
  assert.equal(made.status, 201);
  assert.equal(made.headers.get('location'), '/users/1');
  assert.deepEqual(await made.json(), { id: 1, name: 'ada' });
  assert.equal((await fetch(`${url}/users`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status, 400);
  const echoed = await fetch(`${url}/headers`, { headers: { 'X-Request-Tag': 'tag-1', Origin: 'https://app.example' } });
  assert.equal(echoed.headers.get('x-echo'), 'tag-1');
  assert.equal(echoed.headers.get('access-control-allow-origin'), '*', 'CORS answered as configured');
  assert.equal((await fetch(`${url}/nowhere`)).status, 404);
  const preflight = await fetch(`${url}/users`, { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' } });
  assert.equal(preflight.status, 204);
});

test('sls invoke sends an HTTP request to a web function and prints its response; invoke local starts it here', async () => {
  const remote = await run(express, ['invoke', '-f', 'web', '--method', 'POST', '--http-path', '/users', '--header', 'Content-Type: application/json', '-d', '{"name":"grace"}']);
  assert.equal(remote.code, 0, output(remote));
  assert.deepEqual(JSON.parse(remote.stdout), { id: 2, name: 'grace' }, 'the same instance answered: the one user before this one is there');
  assert.match(remote.stderr, /HTTP 201/);
  const local = await run(express, ['invoke', 'local', '-f', 'web', '--http-path', '/headers', '--header', 'X-Request-Tag: here']);
  assert.equal(local.code, 0, output(local));
  assert.deepEqual(JSON.parse(local.stdout), { tag: 'here' });
  assert.match(local.stderr, /express-web listening on 9000/);
});

test('a broken scf_bootstrap (CRLF, not executable) is refused before packaging, nothing sent', async () => {
  const broken = copyExample('express');
  fs.writeFileSync(path.join(broken, 'scf_bootstrap'), '#!/bin/bash\r\n/var/lang/node18/bin/node app.js\r\n', { mode: 0o644 });
  fs.chmodSync(path.join(broken, 'scf_bootstrap'), 0o644);
  const result = await run(broken, ['deploy']);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr + result.stdout, /scf_bootstrap is not executable/);
  assert.match(result.stderr + result.stdout, /CRLF/);
  assert.ok(!fs.existsSync(path.join(broken, '.serverless', 'express-web.zip')), 'nothing was packaged');
  assert.deepEqual(emulator.requests.filter((r) => !/^(Get|List)/.test(r.action)), [], 'nothing was sent');
});

test('sls remove deletes the service\'s layer versions; every parameter sent is in the vendor\'s tables', async () => {
  const removed = await run(layered, ['remove']);
  assert.equal(removed.code, 0, output(removed));
  assert.match(removed.stderr, /layer layered-dev-nodeDeps \(versions 2, 1\)/);
  assert.deepEqual((await client.ListLayers({})).Layers, []);
  assert.deepEqual(requestProblems(sent), []);
});

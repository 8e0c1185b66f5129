// The pure pieces of layers, web functions, URLs and settings: bootstrap checks and path mapping, layer decisions
// and quotas, settings plans, a URL's event and response.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { bootstrapProblems, localBootstrap } from '../../lib/runtime/web';
import { decideLayer, layerBindings, layerQuotaProblems, prunableLayerVersions } from '../../lib/deploy/layers';
import { functionSettings, planSettings } from '../../lib/deploy/settings';
import { Problems } from '../../lib/deploy/problems';
import { desiredState } from '../../lib/deploy/desired';
import { urlEvent, urlResponse, preflightResponse } from '../../lib/emulator/url/event';

test('scf_bootstrap: what SCF fails on is named, a good one passes', () => {
  assert.deepEqual(bootstrapProblems('#!/bin/bash\n/var/lang/node18/bin/node app.js\n', true, 'Nodejs18.15'), []);
  const bad = bootstrapProblems('/var/lang/node16/bin/node app.js --port 8080\r\nnode x.js\r\n', false, 'Nodejs18.15');
  assert.equal(bad.length, 6, bad.join('\n'));
  assert.match(bad.join('\n'), /not executable[\s\S]*CRLF[\s\S]*shebang[\s\S]*node16[\s\S]*node by name[\s\S]*port 8080/);
  assert.match(bootstrapProblems('#!/bin/bash\n/var/lang/python39/bin/python3.9 -m http.server --bind 127.0.0.1 9000\n', true, 'Python3.9').join(), /listens on 127\.0\.0\.1/);
});

test("scf_bootstrap's SCF paths map to this machine", () => {
  const out = localBootstrap('#!/bin/bash\ncd /var/user && /var/lang/node18/bin/node /opt/x.js && /var/lang/python39/bin/python3.9 a.py\n', { node: '/usr/bin/node', python: '/py/bin/python3', codeDir: '/code', optDir: '/layers' });
  assert.equal(out, '#!/bin/bash\ncd /code && /usr/bin/node /layers/x.js && /py/bin/python3 a.py\n');
});

test('a layer is published when new, changed or forced; kept otherwise; quotas before anything is sent', () => {
  const layer = { key: 'deps', name: 'svc-dev-deps', path: 'l', description: 'd', licenseInfo: '', compatibleRuntimes: ['Nodejs18.15'] };
  const newest = { layerName: 'svc-dev-deps', version: 4, compatibleRuntimes: ['Nodejs18.15'], description: 'd', licenseInfo: '', status: 'Active', addTime: '', codeSha256: 'a'.repeat(64) };
  assert.deepEqual(decideLayer(layer, 'a'.repeat(64), { newest, versions: 4 }), { layer, publish: false, version: 4 });
  assert.match((decideLayer(layer, 'b'.repeat(64), { newest, versions: 4 }) as any).reason, /content changed/);
  assert.match((decideLayer({ ...layer, description: 'e' }, 'a'.repeat(64), { newest, versions: 4 }) as any).reason, /description changed/);
  assert.equal(decideLayer(layer, 'a'.repeat(64), { versions: 0 }).publish, true);
  const publish = [{ layer, publish: true as const, reason: 'x' }];
  assert.match(layerQuotaProblems(publish, Array.from({ length: 20 }, (_, i) => `l${i}`), new Map()).join(), /20 layers a region/);
  assert.match(layerQuotaProblems(publish, [], new Map([['deps', { versions: 200 }]])).join(), /200 versions/);
  assert.deepEqual(prunableLayerVersions([1, 2, 3, 4, 5], 2, [1]), [3, 2]);
});

test("functions bind the service's layers by key, others by name:version; six layers, unknown keys and runtimes refused", () => {
  const service = [{ key: 'deps', name: 'svc-dev-deps', path: 'l', description: '', licenseInfo: '', compatibleRuntimes: [] }];
  const problems = new Problems();
  assert.deepEqual(layerBindings(['deps', 'other:3', { name: 'x', version: 2 }], 'functions.a.layers', problems, service), [{ key: 'deps' }, { name: 'other', version: 3 }, { name: 'x', version: 2 }]);
  assert.equal(layerBindings(['a:1', 'b:1', 'c:1', 'd:1', 'e:1', 'f:1'], 'w', problems, service), undefined);
  assert.equal(layerBindings(['nope'], 'w', problems, service), undefined);
  assert.equal(problems.lines.length, 2);
  assert.throws(
    () => desiredState({ service: 's', stage: 'dev', region: 'ap-guangzhou', layers: { deps: { path: 'l', compatibleRuntimes: ['Python3.9'] } }, functions: { a: { handler: 'index.main', layers: ['deps'] } } }),
    /compatibleRuntimes \(Python3\.9\) leave out the function's Nodejs18\.15/,
  );
  const desired = desiredState({ service: 's', stage: 'dev', region: 'ap-guangzhou', layers: { deps: { path: 'l' } }, functions: { a: { handler: 'index.main', layers: ['deps'] }, w: { type: 'web', instanceConcurrency: 3 } } });
  assert.deepEqual(desired.layers[0].compatibleRuntimes, ['Nodejs18.15'], "the runtimes of the functions that bind it");
  assert.deepEqual([desired.functions[1].configuration.web, desired.functions[1].configuration.handler, desired.functions[1].configuration.instanceConcurrency], [true, '', 3]);
});

test('settings: a count of instances is MB on SCF; removed settings are cleared; provisioning follows the version published', () => {
  const problems = new Problems();
  assert.deepEqual(functionSettings({ reservedConcurrency: 4, asyncRetries: 1 }, 'f', 256, problems), { reservedMem: 1024, async: { retries: 1, msgTtl: 21600 } });
  assert.deepEqual(functionSettings({ reservedConcurrency: '640MB' }, 'f', 256, problems), { reservedMem: 640 });
  functionSettings({ asyncRetries: 5, provisionedConcurrency: { count: 2, qualifier: '$LATEST' } }, 'f', 128, problems);
  assert.equal(problems.lines.length, 2, problems.lines.join('\n'));
  const read = { reservedMem: 512, provisioned: [{ qualifier: '3', allocated: 2, available: 2, status: 'Done', statusReason: '' }], async: { retries: 0, msgTtl: 60 } };
  assert.deepEqual(planSettings({}, read, { publishes: false, key: 'f' }).map((s) => s.action), ['deleteReserved', 'updateAsync', 'unprovision']);
  assert.deepEqual(planSettings({ reservedMem: 512, provisioned: { count: 2 }, async: { retries: 0, msgTtl: 60 } }, read, { publishes: false, published: '3', key: 'f' }), []);
  assert.deepEqual(planSettings({ provisioned: { count: 2 } }, read, { publishes: true, key: 'f' }).map((s) => [s.action, (s as any).qualifier]), [['deleteReserved', undefined], ['updateAsync', undefined], ['provision', undefined], ['unprovision', '3']]);
  assert.throws(() => planSettings({ provisioned: { count: 1 } }, { provisioned: [] }, { publishes: false, key: 'f' }), /publishes none/);
});

test("a function URL's event and response, and CORS", () => {
  const event = urlEvent({ method: 'post', target: '/a%20b?x=1&x=2&y=3', headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('hi'), remoteAddress: '127.0.0.1' });
  assert.deepEqual(JSON.parse(JSON.stringify(event)), { body: 'hi', headers: { 'content-type': 'text/plain', 'x-scf-remote-addr': '127.0.0.1' }, httpMethod: 'POST', path: '/a b', queryString: { x: ['1', '2'], y: '3' } });
  assert.deepEqual(urlResponse('{"statusCode":201,"headers":{"a":1},"body":"aGk=","isBase64Encoded":true}'), { statusCode: 201, headers: { a: '1' }, body: Buffer.from('hi') });
  assert.deepEqual(urlResponse('{"ok":true}'), { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"ok":true}') });
  const cors = { Enable: true, Origins: ['https://a.example'], Methods: ['GET'], Headers: ['x-a'], Credentials: true, MaxAge: 60 };
  const ok = preflightResponse(cors, { headers: { origin: 'https://a.example', 'access-control-request-method': 'GET' } });
  assert.deepEqual([ok.statusCode, ok.headers['Access-Control-Allow-Origin'], ok.headers['Access-Control-Allow-Credentials'], ok.headers['Access-Control-Max-Age']], [204, 'https://a.example', 'true', '60']);
  assert.equal(preflightResponse(cors, { headers: { origin: 'https://b.example', 'access-control-request-method': 'GET' } }).statusCode, 403);
});

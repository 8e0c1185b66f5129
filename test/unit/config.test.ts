import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { inspect } from 'util';
import { Credentials, parseIni, resolveCredentials, type FileInfo } from '../../lib/config/credentials';
import { parseEndpoint, resolveEndpoint, resolveFunction, resolveRegion, resolveStage, type ServiceConfig } from '../../lib/config/settings';
import { isScfError } from '../../lib/cloud/errors';

const service: ServiceConfig = {
  service: 'shop',
  provider: { namespace: 'team' },
  functions: { api: {}, named: { name: 'custom-name' }, own: { namespace: 'fn-ns' } },
};

test('region: --region > provider.region > TENCENTCLOUD_REGION > ap-guangzhou', () => {
  const env = { TENCENTCLOUD_REGION: 'ap-beijing' };
  assert.equal(resolveRegion({ region: 'ap-shanghai' }, { region: 'ap-chengdu' }, env), 'ap-shanghai');
  assert.equal(resolveRegion({}, { region: 'ap-chengdu' }, env), 'ap-chengdu');
  assert.equal(resolveRegion({}, {}, env), 'ap-beijing');
  assert.equal(resolveRegion({}, {}, {}), 'ap-guangzhou');
  assert.throws(() => resolveRegion({ region: 'Guangzhou!' }, {}, {}), /not a Tencent Cloud region/);
});

test('stage: --stage > provider.stage > dev', () => {
  assert.equal(resolveStage({ stage: 'prod' }, { stage: 'test' }), 'prod');
  assert.equal(resolveStage({}, { stage: 'test' }), 'test');
  assert.equal(resolveStage({}, {}), 'dev');
});

test('namespace: --namespace > function > provider > default; name: function name > service-stage-key', () => {
  assert.deepEqual(resolveFunction(service, 'api', 'dev'), { functionName: 'shop-dev-api', namespace: 'team' });
  assert.deepEqual(resolveFunction(service, 'own', 'prod'), { functionName: 'shop-prod-own', namespace: 'fn-ns' });
  assert.deepEqual(resolveFunction(service, 'own', 'prod', { namespace: 'cli' }), { functionName: 'shop-prod-own', namespace: 'cli' });
  assert.deepEqual(resolveFunction(service, 'named', 'dev'), { functionName: 'custom-name', namespace: 'team' });
  assert.deepEqual(resolveFunction({ ...service, provider: {} }, 'api', 'dev'), { functionName: 'shop-dev-api', namespace: 'default' });
});

test('an unknown function key is an error that lists the known ones', () => {
  assert.throws(() => resolveFunction(service, 'nope', 'dev'), (error: unknown) => {
    assert.ok(isScfError(error));
    assert.match(error.message, /"nope" is not defined/);
    assert.match(error.message, /api, named, own/);
    return true;
  });
  assert.throws(() => resolveFunction(service, 'toString', 'dev'), /not defined/);
});

test('endpoint: https anywhere, http only to loopback, no path', () => {
  assert.equal(parseEndpoint('https://scf.tencentcloudapi.com').origin, 'https://scf.tencentcloudapi.com');
  const local = parseEndpoint('http://127.0.0.1:9000');
  assert.equal(local.host, '127.0.0.1:9000');
  assert.equal(local.hostname, '127.0.0.1');
  assert.equal(local.port, 9000);
  assert.equal(parseEndpoint('http://localhost:1/').origin, 'http://localhost:1');
  assert.equal(parseEndpoint('http://[::1]:8080').hostname, '[::1]');
  assert.throws(() => parseEndpoint('http://10.0.0.5:9000'), /plain http to a host that is not loopback/);
  assert.throws(() => parseEndpoint('http://scf.tencentcloudapi.com'), /not loopback/);
  assert.throws(() => parseEndpoint('ftp://x'), /must start with https/);
  assert.throws(() => parseEndpoint('https://x/v2/index.php'), /scheme:\/\/host\[:port\] only/);
  assert.throws(() => parseEndpoint('not a url'), /not a URL/);
  assert.equal(resolveEndpoint({}, {}).origin, 'https://scf.tencentcloudapi.com');
  // The legacy API has a host of its own; a set endpoint wins over it.
  assert.equal(resolveEndpoint({ legacyApi: true }, {}).origin, 'https://scf.api.qcloud.com');
  assert.equal(resolveEndpoint({ legacyApi: false }, {}).origin, 'https://scf.tencentcloudapi.com');
  assert.equal(resolveEndpoint({ legacyApi: true, endpoint: 'https://private.example' }, {}).origin, 'https://private.example');
  assert.equal(resolveEndpoint({ legacyApi: true }, { TENCENTCLOUD_SCF_ENDPOINT: 'http://127.0.0.1:5' }).origin, 'http://127.0.0.1:5');
  assert.equal(resolveEndpoint({}, { TENCENTCLOUD_SCF_ENDPOINT: 'http://127.0.0.1:5' }).origin, 'http://127.0.0.1:5');
  assert.equal(resolveEndpoint({ endpoint: 'https://private.example' }, { TENCENTCLOUD_SCF_ENDPOINT: 'http://127.0.0.1:5' }).origin, 'https://private.example');
});

test('ini parsing: sections, comments, quotes', () => {
  const parsed = parseIni('# c\n[default]\nsecret_id = AKID1\nsecret_key="k=1"\n; c\n[prod]\nsecret_id=AKID2\n');
  assert.deepEqual(parsed, { default: { secret_id: 'AKID1', secret_key: 'k=1' }, prod: { secret_id: 'AKID2' } });
});

function files(map: Record<string, string>, mode = 0o600) {
  return (file: string): FileInfo | undefined => (file in map ? { text: map[file], mode } : undefined);
}

test('credentials: environment first, then the profile file, then the older plugin file', () => {
  const profileFile = '/home/u/.tencentcloud/credentials';
  const legacyFile = '/home/u/credentials';
  const all = files({
    [profileFile]: '[default]\nsecret_id=AKIDprofile\nsecret_key=profilekey\n[prod]\nsecret_id=AKIDprod\nsecret_key=prodkey',
    [legacyFile]: '[default]\ntencent_secret_id=AKIDlegacy\ntencent_secret_key=legacykey',
  });
  const base = { homeDir: '/home/u', baseDir: '/svc', readFile: all };
  const env = { TENCENTCLOUD_SECRET_ID: 'AKIDenv', TENCENTCLOUD_SECRET_KEY: 'envkey', TENCENTCLOUD_SESSION_TOKEN: 'tok' };
  const fromEnv = resolveCredentials({ ...base, env });
  assert.equal(fromEnv.secretId, 'AKIDenv');
  assert.equal(fromEnv.token, 'tok');
  assert.match(fromEnv.source, /environment/);
  assert.equal(resolveCredentials({ ...base, env: {} }).secretId, 'AKIDprofile');
  assert.equal(resolveCredentials({ ...base, env: {}, profile: 'prod' }).secretKey, 'prodkey');
  assert.equal(resolveCredentials({ ...base, env: { TENCENTCLOUD_PROFILE: 'prod' } }).secretId, 'AKIDprod');
  const legacy = resolveCredentials({ ...base, env: {}, readFile: files({ [legacyFile]: '[default]\ntencent_secret_id=AKIDlegacy\ntencent_secret_key=legacykey' }) });
  assert.equal(legacy.secretId, 'AKIDlegacy');
  const named = resolveCredentials({ ...base, env: {}, legacyFile: './creds.ini', readFile: files({ '/svc/creds.ini': '[default]\ntencent_secret_id=AKIDnamed\ntencent_secret_key=k' }) });
  assert.equal(named.secretId, 'AKIDnamed');
});

test('credentials: none found names all three places; half an env pair is refused; a named missing file is an error', () => {
  const base = { homeDir: '/home/u', baseDir: '/svc', readFile: files({}) };
  assert.throws(() => resolveCredentials({ ...base, env: {} }), (error: Error) => {
    assert.match(error.message, /TENCENTCLOUD_SECRET_ID/);
    assert.match(error.message, /~\/\.tencentcloud\/credentials/);
    assert.match(error.message, /provider\.credentials/);
    return true;
  });
  assert.throws(() => resolveCredentials({ ...base, env: { TENCENTCLOUD_SECRET_ID: 'x' } }), /Only one of/);
  assert.throws(() => resolveCredentials({ ...base, env: {}, legacyFile: '~/nope.ini' }), /\/home\/u\/nope\.ini .*does not exist/);
});

test('credentials: a file others can read draws a warning', () => {
  const warnings: string[] = [];
  resolveCredentials({
    env: {},
    homeDir: '/h',
    baseDir: '/',
    readFile: files({ '/h/.tencentcloud/credentials': '[default]\nsecret_id=a\nsecret_key=b' }, 0o644),
    warn: (m) => warnings.push(m),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /chmod 600/);
});

test('credentials never render their secret key or token', () => {
  const c = new Credentials('AKIDvisible', 'SUPERSECRETKEY', 'SESSIONTOKEN', 'the test');
  for (const text of [JSON.stringify(c), inspect(c), String(c), `${c}`, inspect({ nested: c }, { depth: 5, showHidden: false }), JSON.stringify({ c })]) {
    assert.ok(!text.includes('SUPERSECRETKEY'), text);
    assert.ok(!text.includes('SESSIONTOKEN'), text);
  }
  assert.equal(c.secretKey, 'SUPERSECRETKEY');
  assert.deepEqual(Object.keys(c).sort(), ['secretId', 'source']);
});

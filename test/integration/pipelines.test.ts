// Pipelines against the emulator over real HTTP, checked with the vendor's own SDKs: STS issues temporary keys
// for a web identity token it verifies (issuer, audience, expiry, signature) and for signed callers; every
// service and COS honours them until they expire; our client refreshes a role's keys before they do. COS refuses
// an overwrite under x-cos-forbid-overwrite (not once the bucket has versioning), lists by prefix, and the deploy
// lock holds against racing takers. Secrets Manager answers with its error codes.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import COS = require('cos-nodejs-sdk-v5');
import { newCredentials, type TestCredentials } from '../helpers';
import { testIssuer } from '../oidc';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { parseSecrets } from '../../lib/emulator/ssm/room';
import { STS_API_VERSION, StsClient } from '../../lib/cloud/sts';
import { SSM_API_VERSION } from '../../lib/cloud/ssm';
import { createClients } from '../../lib/cloud/clients';
import { Credentials } from '../../lib/config/credentials';
import { parseEndpoint } from '../../lib/config/settings';
import { Transport } from '../../lib/cloud/transport';
import { RoleCredentials } from '../../lib/cloud/role-credentials';
import { roleSpec } from '../../lib/config/assume-role';
import { CosObjects } from '../../lib/cloud/cos-objects';
import { readLock, StageLock } from '../../lib/deploy/lock';
import { systemClock } from '../../lib/cloud/limiter';

const issuer = testIssuer();
const BUCKET = 'locks-1250000000';
let emulator: RunningEmulator;
let credentials: TestCredentials;
let role: string;

before(async () => {
  credentials = newCredentials();
  emulator = await startEmulator({
    credentials,
    behaviour: { transitionMs: 0 },
    sts: { providers: [issuer.provider('GitHub')], roles: ['deployer'] },
    secrets: parseSecrets({ plain: 'made-without-a-version', rotated: { versions: { v1: 'first-value', v2: 'second-value' } }, off: { versions: { v1: 'x-x-x-x' }, enabled: false } }, 'the test'),
  });
  emulator.core.cos.createBucket(BUCKET, 'ap-guangzhou');
  role = `qcs::cam::uin/${emulator.core.account.identity.uin}:roleName/deployer`;
});
after(() => emulator.close());

const sdk = (version: string, credential: { secretId: string; secretKey: string; token?: string } = credentials) =>
  new CommonClient(`127.0.0.1:${emulator.port}`, version, { credential, region: 'ap-guangzhou', profile: { httpProfile: { protocol: 'http://', reqTimeout: 30 } } });
const scfSdk = (credential: { secretId: string; secretKey: string; token?: string }) => sdk('2018-04-16', credential);

async function webIdentity(token: string, extra: Record<string, unknown> = {}): Promise<any> {
  return sdk(STS_API_VERSION, { secretId: '', secretKey: '' }).request('AssumeRoleWithWebIdentity', { ProviderId: 'GitHub', WebIdentityToken: token, RoleArn: role, RoleSessionName: 'ci-run', ...extra }, { skipSign: true });
}

const code = (expected: string) => (error: any) => {
  assert.equal(error.code, expected, error.message);
  return true;
};

test("STS takes a web identity token only as its provider issued it: issuer, audience, expiry, signature, role", async () => {
  const issued = await webIdentity(issuer.token(), { DurationSeconds: 900 });
  assert.match(issued.Credentials.TmpSecretId, /^AKID/);
  assert.ok(issued.ExpiredTime - Date.now() / 1000 > 890);
  await assert.rejects(webIdentity(issuer.token({ iss: 'https://other.example' })), code('InvalidParameter.WebIdentityTokenError'));
  await assert.rejects(webIdentity(issuer.token({ aud: 'someone-else' })), code('InvalidParameter.WebIdentityTokenError'));
  await assert.rejects(webIdentity(issuer.token({ exp: Math.floor(Date.now() / 1000) - 3600 })), code('InvalidParameter.WebIdentityTokenError'));
  await assert.rejects(webIdentity(testIssuer().token()), code('InvalidParameter.WebIdentityTokenError'), 'signed by another key');
  const [head, body] = issuer.token().split('.');
  await assert.rejects(webIdentity(`${head}.${body}.`), code('InvalidParameter.WebIdentityTokenError'), 'no signature');
  await assert.rejects(webIdentity(issuer.token(), { RoleArn: role.replace('deployer', 'admin') }), code('ResourceNotFound.RoleNotFound'));
  await assert.rejects(webIdentity(issuer.token(), { ProviderId: 'Nobody' }), code('InvalidParameter.ParamError'));
  await assert.rejects(webIdentity(issuer.token(), { DurationSeconds: 50000 }), code('InvalidParameter.OverTimeError'));
  // Unsigned is for AssumeRoleWithWebIdentity alone.
  await assert.rejects(sdk(STS_API_VERSION).request('GetCallerIdentity', {}, { skipSign: true }), code('AuthFailure.InvalidAuthorization'));
  await assert.rejects(sdk('2018-04-16').request('ListFunctions', {}, { skipSign: true }), code('AuthFailure.InvalidAuthorization'));
});

test('temporary keys sign for every service (SCF, Secrets Manager, STS itself, COS) with their token, until they expire', async () => {
  const issued = (await webIdentity(issuer.token(), { DurationSeconds: 2 })).Credentials;
  const keys = { secretId: issued.TmpSecretId, secretKey: issued.TmpSecretKey, token: issued.Token };
  await scfSdk(keys).request('ListFunctions', {});
  assert.equal(((await sdk(SSM_API_VERSION, keys).request('GetSecretValue', { SecretName: 'plain', VersionId: 'SSM_Current' })) as any).SecretString, 'made-without-a-version');
  const me = (await sdk(STS_API_VERSION, keys).request('GetCallerIdentity', {})) as any;
  assert.deepEqual([me.Type, me.UserId.endsWith(':ci-run'), me.AccountId], ['CAMRole', true, emulator.core.account.identity.uin]);
  const again = (await sdk(STS_API_VERSION, keys).request('AssumeRole', { RoleArn: role, RoleSessionName: 'chained' })) as any;
  assert.match(again.Credentials.TmpSecretId, /^AKID/);
  await assert.rejects(scfSdk({ ...keys, token: 'not-its-token' }).request('ListFunctions', {}), code('AuthFailure.TokenFailure'));
  await assert.rejects(scfSdk({ secretId: keys.secretId, secretKey: keys.secretKey }).request('ListFunctions', {}), code('AuthFailure.TokenFailure'), 'no token at all');
  const cos = new COS({ SecretId: keys.secretId, SecretKey: keys.secretKey, SecurityToken: keys.token, Protocol: 'http:', Domain: `127.0.0.1:${emulator.port}/{Bucket}` });
  await new Promise<void>((resolve, reject) => cos.putObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key: 'by-role.txt', Body: 'x' }, (e) => (e ? reject(e) : resolve())));
  await new Promise((r) => setTimeout(r, 2100));
  await assert.rejects(scfSdk(keys).request('ListFunctions', {}), code('AuthFailure.TokenFailure'), 'expired');
  await assert.rejects(
    new Promise<void>((resolve, reject) => cos.putObject({ Bucket: BUCKET, Region: 'ap-guangzhou', Key: 'late.txt', Body: 'x' }, (e) => (e ? reject(e) : resolve()))),
    (e: any) => e.statusCode === 400 && e.code === 'ExpiredToken',
  );
  assert.equal(JSON.stringify(emulator.requests).includes(issuer.token().split('.')[2]), false, 'the request log keeps no web identity token');
  assert.ok(emulator.requests.some((r) => r.action === 'AssumeRoleWithWebIdentity' && /^<token: \d+ characters>$/.test(r.params.WebIdentityToken)));
});

test("our client acts as the role with nothing but a token, and asks STS again before the keys expire (a long deploy outlives them)", async () => {
  const endpoint = parseEndpoint(emulator.url);
  let token = issuer.token();
  const spec = roleSpec(undefined, { TENCENTCLOUD_ROLE_ARN: role, TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: '/token', TENCENTCLOUD_PROVIDER_ID: 'GitHub', TENCENTCLOUD_ROLE_SESSION_DURATION: '4' }, { sessionName: 'ci-run' })!;
  const noKeys = () => {
    throw new Error('no keys here');
  };
  const source = new RoleCredentials({ spec, sts: new StsClient(new Transport({ region: 'ap-guangzhou', credentials: noKeys }), endpoint), readFile: () => token });
  const clients = createClients({ endpoints: { scf: endpoint }, region: 'ap-guangzhou', credentials: source });
  emulator.reset();
  await clients.scf.listFunctions('default');
  token = issuer.token({ jti: 'second' });
  // STS gives the expiry in whole seconds: the keys last 3 to 4 s, and they are asked for again once less than a
  // fifth of that is left (0.6 to 0.8 s). 3.6 s in, that is so however the seconds fell.
  await new Promise((r) => setTimeout(r, 3600));
  await clients.scf.listFunctions('default');
  assert.deepEqual(
    emulator.requests.map((r) => r.action),
    ['AssumeRoleWithWebIdentity', 'ListFunctions', 'AssumeRoleWithWebIdentity', 'ListFunctions'],
  );
  assert.ok(emulator.requests.every((r) => r.outcome === 'ok'));
  // A bad token is named by the role and where it came from, not shown.
  token = testIssuer().token();
  const stale = new RoleCredentials({ spec, sts: new StsClient(new Transport({ region: 'ap-guangzhou', credentials: noKeys }), endpoint), readFile: () => token });
  await assert.rejects(stale.get(), (e: Error) => /Could not assume qcs::cam::uin\/\d+:roleName\/deployer \(TENCENTCLOUD_ROLE_ARN\): .*WebIdentityTokenError/.test(e.message) && !e.message.includes(token));
});

test('COS: x-cos-forbid-overwrite refuses an existing key with 409 FileAlreadyExists, not once versioning was on; GET Bucket lists by prefix', async () => {
  const cos = new COS({ SecretId: credentials.secretId, SecretKey: credentials.secretKey, Protocol: 'http:', Domain: `127.0.0.1:${emulator.port}/{Bucket}` });
  const put = (bucket: string, key: string, body: string, forbid: boolean) =>
    new Promise<any>((resolve, reject) =>
      cos.putObject({ Bucket: bucket, Region: 'ap-guangzhou', Key: key, Body: body, ...(forbid ? { Headers: { 'x-cos-forbid-overwrite': 'true' } } : {}) } as any, (e, d) => (e ? reject(e) : resolve(d))),
    );
  await put(BUCKET, 'lock/a.json', 'one', true);
  await assert.rejects(put(BUCKET, 'lock/a.json', 'two', true), (e: any) => e.statusCode === 409 && e.code === 'FileAlreadyExists');
  await put(BUCKET, 'lock/a.json', 'three', false);
  await put(BUCKET, 'lock/b.json', 'four', true);
  await put(BUCKET, 'other/c.json', 'five', true);
  const listed: any = await new Promise((resolve, reject) => cos.getBucket({ Bucket: BUCKET, Region: 'ap-guangzhou', Prefix: 'lock/' }, (e, d) => (e ? reject(e) : resolve(d))));
  assert.deepEqual(listed.Contents.map((c: any) => c.Key), ['lock/a.json', 'lock/b.json']);
  const versioned = 'versioned-1250000000';
  emulator.core.cos.createBucket(versioned, 'ap-guangzhou');
  await new Promise<void>((resolve, reject) => cos.putBucketVersioning({ Bucket: versioned, Region: 'ap-guangzhou', VersioningConfiguration: { Status: 'Enabled' } }, (e) => (e ? reject(e) : resolve())));
  await put(versioned, 'k', 'one', true);
  await put(versioned, 'k', 'two', true);
  const store = new CosObjects(versioned, 'ap-guangzhou', async () => new Credentials(credentials.secretId, credentials.secretKey, undefined, 'test'), parseEndpoint(emulator.url));
  assert.equal(await store.versioning(), 'Enabled');
  assert.equal(await new CosObjects(BUCKET, 'ap-guangzhou', async () => new Credentials(credentials.secretId, credentials.secretKey, undefined, 'test'), parseEndpoint(emulator.url)).versioning(), 'off');
});

test('the deploy lock in COS: of ten takers racing for a free lock, one gets each generation; the rest wait and get the next in turn', async () => {
  const store = new CosObjects(BUCKET, 'ap-guangzhou', async () => new Credentials(credentials.secretId, credentials.secretKey, undefined, 'test'), parseEndpoint(emulator.url));
  const prefix = 'sls-tencent-scf/race/prod/deploy-lock';
  const holders: string[] = [];
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 10 }, async (_, i) => {
      const holder = { id: `taker-${i}`, command: 'sls deploy', by: `t${i}`, host: 'h', pid: i, startedAt: new Date().toISOString(), expirySeconds: 60 };
      const { lock } = await new StageLock(store, prefix, holder, systemClock).acquire({ timeoutSeconds: 60, pollMs: 20 });
      inside++;
      most = Math.max(most, inside);
      holders.push(`${lock.generation}:${holder.id}`);
      await new Promise((r) => setTimeout(r, 10));
      inside--;
      await lock.release();
    }),
  );
  assert.equal(most, 1, 'never two holders at once');
  assert.deepEqual(holders.map((h) => Number(h.split(':')[0])).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const state = await readLock(store, prefix);
  assert.deepEqual([state.generation, state.released], [10, true]);
});

test('Secrets Manager: a version by name, the current one of a secret made without one, the newest otherwise; its error codes', async () => {
  const c = createClients({ endpoints: { scf: parseEndpoint(emulator.url) }, region: 'ap-guangzhou', credentials: new Credentials(credentials.secretId, credentials.secretKey, undefined, 'test') });
  assert.equal((await c.ssm.currentValue('plain')).value, 'made-without-a-version');
  emulator.reset();
  assert.deepEqual(await c.ssm.currentValue('rotated'), { name: 'rotated', versionId: 'v2', value: 'second-value', binary: false });
  assert.deepEqual(emulator.requests.map((r) => `${r.action} ${r.params.VersionId ?? ''}`.trim()), ['GetSecretValue SSM_Current', 'ListSecretVersionIds', 'GetSecretValue v2']);
  assert.equal((await c.ssm.getSecretValue('rotated', 'v1')).value, 'first-value');
  await assert.rejects(c.ssm.currentValue('missing'), code('ResourceNotFound.SecretNotExist'));
  await assert.rejects(c.ssm.getSecretValue('rotated', 'v9'), code('ResourceNotFound'));
  await assert.rejects(c.ssm.getSecretValue('off', 'v1'), code('ResourceUnavailable.ResourceDisabled'));
  await assert.rejects(sdk(SSM_API_VERSION).request('GetSecretValue', { SecretName: 'plain' }), code('MissingParameter'));
});

test('the ${tencent-ssm:} source: reads with provider settings serverless resolves, hides each value it gives, no value for what does not exist', async () => {
  const { ssmVariableSource } = await import('../../lib/config/ssm-variables');
  const { Redactor } = await import('../../lib/config/redact');
  const redactor = new Redactor();
  const said: string[] = [];
  const source = ssmVariableSource({
    redactor,
    env: { TENCENTCLOUD_SECRET_ID: credentials.secretId, TENCENTCLOUD_SECRET_KEY: credentials.secretKey },
    serviceDir: () => process.cwd(),
    warn: (m) => said.push(`warn ${m}`),
    verbose: (m) => said.push(`verbose ${m}`),
  });
  const asked: string[] = [];
  const provider: Record<string, unknown> = { endpoint: emulator.url, region: 'ap-guangzhou' };
  const variable = (address: string, params?: string[]) => ({
    address,
    params,
    options: {},
    resolveConfigurationProperty: async (path: string[]) => {
      asked.push(path.join('.'));
      return provider[path[1]];
    },
  });
  assert.deepEqual(await source.resolve(variable('rotated')), { value: 'second-value' });
  assert.deepEqual(await source.resolve(variable('rotated:v1')), { value: 'first-value' });
  assert.deepEqual(await source.resolve(variable('missing')), { value: null }, 'so a fallback applies');
  assert.deepEqual(await source.resolve(variable('rotated:v9')), { value: null });
  // Why there is no value is said whatever follows (serverless itself says only "Value not found").
  assert.ok(said.includes('warn ${tencent-ssm:missing}: secret "missing" does not exist in Secrets Manager (in this region); the variable\'s fallback applies, if it has one.'), said.join('\n'));
  assert.ok(said.includes('warn ${tencent-ssm:rotated:v9}: secret "rotated" has no version "v9"; the variable\'s fallback applies, if it has one.'), said.join('\n'));
  await assert.rejects(source.resolve(variable('off:v1')), /Could not resolve \$\{tencent-ssm:off:v1\}: secret "off" is disabled\./);
  emulator.reset();
  assert.deepEqual(await source.resolve(variable('rotated:v2', ['ap-shanghai'])), { value: 'second-value' });
  assert.deepEqual(emulator.requests.map((r) => r.region), ['ap-shanghai'], '${tencent-ssm(ap-shanghai):...} asks in that region');
  assert.ok(asked.includes('provider.endpoint') && asked.includes('provider.assumeRole'));
  assert.equal(redactor.apply('second-value first-value'), '<secret ${tencent-ssm:rotated}> <secret ${tencent-ssm:rotated:v1}>');
  assert.ok(said.every((line) => !line.includes('second-value') && !line.includes('first-value')), said.join('\n'));
});

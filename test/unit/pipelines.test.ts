// The pure pieces of team pipelines: the deploy lock over a store with COS's forbid-overwrite semantics (and a
// clock that only moves when told), the role settings and token files, a role's refreshed keys, the redactor,
// the secret addresses and their escaping for serverless, the pipeline settings, the CI run, and the report's
// renderings (JSON, Markdown, GitHub outputs, JUnit), hostile text included.
import { test } from 'node:test';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as assert from 'node:assert/strict';
import type { ListedObject, ObjectStore } from '../../lib/cloud/cos-objects';
import type { Clock } from '../../lib/cloud/limiter';
import { generationKey, type Holder, lockStatus, LockTimeout, readLock, StageLock } from '../../lib/deploy/lock';
import { defaultSessionName, roleSpec, tokenFromFile } from '../../lib/config/assume-role';
import { RoleCredentials } from '../../lib/cloud/role-credentials';
import { Credentials } from '../../lib/config/credentials';
import { plainText, ScfError } from '../../lib/cloud/errors';
import type { StsClient } from '../../lib/cloud/sts';
import { Redactor, redactingIo } from '../../lib/config/redact';
import { escapeVariableSyntax, parseSecretAddress } from '../../lib/config/ssm-variables';
import { pipelineSettings } from '../../lib/deploy/pipeline-settings';
import { actor, ciRun } from '../../lib/deploy/ci';
import { DeployRecorder } from '../../lib/deploy/report';
import { deployJunit, githubOutputs, markdownSummary } from '../../lib/render/report';
import type { FunctionPlan } from '../../lib/deploy/plan';

// ---- the lock -------------------------------------------------------------------------------------------

/** COS as far as the lock uses it: objects with COS's LastModified, and a PUT that refuses an existing key. */
class MemoryStore implements ObjectStore {
  readonly where = 'memory';
  readonly objects = new Map<string, { body: string; lastModified: number }>();
  /** Called before each operation: lets a test run another taker in between. */
  hook?: (op: string) => Promise<void> | void;

  constructor(private readonly clock: { now(): number }) {}

  async list(prefix: string): Promise<{ objects: ListedObject[]; serverTime: number }> {
    await this.hook?.('list');
    const objects = [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([key, o]) => ({ key, lastModified: o.lastModified }));
    return { objects: objects.sort((a, b) => (a.key < b.key ? -1 : 1)), serverTime: this.clock.now() };
  }
  async create(key: string, body: string): Promise<'created' | 'exists'> {
    await this.hook?.('create');
    if (this.objects.has(key)) return 'exists';
    this.objects.set(key, { body, lastModified: this.clock.now() });
    return 'created';
  }
  async put(key: string, body: string): Promise<void> {
    this.objects.set(key, { body, lastModified: this.clock.now() });
  }
  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key)?.body;
  }
  async remove(key: string): Promise<void> {
    this.objects.delete(key);
  }
  async versioning(): Promise<'off'> {
    return 'off';
  }
}

function fakeClock(start = Date.UTC(2026, 11, 1)): Clock & { t: number } {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

const PREFIX = 'sls-tencent-scf/shop/prod/deploy-lock';
const holder = (id: string, expirySeconds = 60): Holder => ({ id, command: 'sls deploy', by: id, host: 'ci', pid: 1, startedAt: '2026-12-01T00:00:00.000Z', expirySeconds });

test('the lock: the first taker gets generation 1; a release frees it for generation 2; older generations are cleaned up', async () => {
  const clock = fakeClock();
  const store = new MemoryStore(clock);
  const first = await new StageLock(store, PREFIX, holder('a'), clock).acquire({ timeoutSeconds: 0 });
  assert.equal(first.lock.generation, 1);
  assert.equal(first.previous.status, 'free');
  await first.lock.release();
  assert.equal(lockStatus(await readLock(store, PREFIX), 60), 'free');
  const second = await new StageLock(store, PREFIX, holder('b'), clock).acquire({ timeoutSeconds: 0 });
  assert.equal(second.lock.generation, 2);
  assert.deepEqual([...store.objects.keys()], [generationKey(PREFIX, 2, 'json')], 'generation 1 and its marks are gone');
  assert.equal((await readLock(store, PREFIX)).holder?.id, 'b');
});

test('the lock: a held lock is waited for (told once, then on every look) and the wait ends in LockTimeout with the holder', async () => {
  const clock = fakeClock();
  const store = new MemoryStore(clock);
  const held = await new StageLock(store, PREFIX, holder('a'), clock).acquire({ timeoutSeconds: 0 });
  const heartbeat = setInterval(() => void store.put(generationKey(PREFIX, 1, 'beat'), '{}'), 1);
  const told: string[] = [];
  try {
    await assert.rejects(
      new StageLock(store, PREFIX, holder('b'), clock).acquire({ timeoutSeconds: 30, pollMs: 5000, onWait: (s) => told.push(`wait ${s.holder?.id}`), onStillWaiting: (s, ms) => told.push(`still ${ms}`) }),
      (error: unknown) => error instanceof LockTimeout && error.state.holder?.id === 'a',
    );
  } finally {
    clearInterval(heartbeat);
  }
  assert.deepEqual(told, ['wait a', 'still 5000', 'still 10000', 'still 15000', 'still 20000', 'still 25000', 'still 30000']);
  assert.equal(held.lock.generation, 1);
});

test('the lock: a holder silent past its expiry (by the store\'s clock) is taken over; with force, a live one is', async () => {
  const clock = fakeClock();
  const store = new MemoryStore(clock);
  await new StageLock(store, PREFIX, holder('dead', 10), clock).acquire({ timeoutSeconds: 0 });
  clock.t += 9_000;
  await assert.rejects(new StageLock(store, PREFIX, holder('early'), clock).acquire({ timeoutSeconds: 0 }), LockTimeout);
  clock.t += 2_000;
  const taken = await new StageLock(store, PREFIX, holder('next'), clock).acquire({ timeoutSeconds: 0 });
  assert.equal(taken.previous.status, 'expired');
  assert.equal(taken.previous.holder?.id, 'dead');
  const forced = await new StageLock(store, PREFIX, holder('boss'), clock).acquire({ timeoutSeconds: 0, force: true });
  assert.deepEqual([forced.lock.generation, forced.previous.status, forced.previous.holder?.id], [3, 'held', 'next']);
});

test('the lock: of two takers that find it free at once, COS lets one create the generation; the other waits for it', async () => {
  const clock = fakeClock();
  const store = new MemoryStore(clock);
  const a = new StageLock(store, PREFIX, holder('a'), clock);
  const b = new StageLock(store, PREFIX, holder('b'), clock);
  // Both read the lock free before either creates its generation.
  let reads = 0;
  let bothRead: () => void;
  const gate = new Promise<void>((resolve) => (bothRead = resolve));
  store.hook = async (op) => {
    if (op !== 'create') return;
    if (++reads === 2) bothRead();
    await gate;
  };
  const results = await Promise.allSettled([a.acquire({ timeoutSeconds: 5, pollMs: 1000 }), b.acquire({ timeoutSeconds: 5, pollMs: 1000 })]);
  store.hook = undefined;
  const won = results.filter((r) => r.status === 'fulfilled');
  const lost = results.filter((r) => r.status === 'rejected');
  assert.equal(won.length, 1);
  assert.ok(lost[0].status === 'rejected' && lost[0].reason instanceof LockTimeout, 'the other waited, then timed out');
  assert.equal((won[0] as PromiseFulfilledResult<any>).value.lock.generation, 1);
});

test('the lock: a holder learns at its next heartbeat that it was taken over, and then marks nothing released', async () => {
  const clock = fakeClock();
  const store = new MemoryStore(clock);
  const { lock } = await new StageLock(store, PREFIX, holder('slow', 0.03), clock).acquire({ timeoutSeconds: 0 });
  await new StageLock(store, PREFIX, holder('forcer'), clock).acquire({ timeoutSeconds: 0, force: true });
  // The heartbeat does not keep a process alive (unref): this test does, until it beats.
  const alive = setInterval(() => undefined, 1000);
  const lostTo = await new Promise<string | undefined>((resolve) => lock.startHeartbeat((state) => resolve(state.holder?.id))).finally(() => clearInterval(alive));
  assert.equal(lostTo, 'forcer');
  await lock.release();
  assert.ok(![...store.objects.keys()].some((k) => k.endsWith('.released')));
  assert.equal(lockStatus(await readLock(store, PREFIX), 60), 'held', "the forcer's lock stands");
});

// ---- roles and their keys ----------------------------------------------------------------------------

const ARN = 'qcs::cam::uin/100000000001:roleName/deployer';

test('role settings: a web identity from the environment (ours, Terraform\'s and TKE\'s names), provider.assumeRole, keyed roles; mistakes a line each', () => {
  const defaults = { sessionName: 'serverless-scf-1' };
  assert.equal(roleSpec(undefined, {}, defaults), undefined);
  assert.deepEqual(roleSpec(undefined, { TENCENTCLOUD_ROLE_ARN: ARN, TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: '/t' }, defaults), {
    kind: 'webIdentity', roleArn: ARN, sessionName: 'serverless-scf-1', durationSeconds: 7200, providerId: 'OIDC', tokenFile: '/t', token: undefined, where: 'TENCENTCLOUD_ROLE_ARN',
  });
  const terraform = roleSpec(undefined, { TENCENTCLOUD_ASSUME_ROLE_ARN: ARN, TENCENTCLOUD_ASSUME_ROLE_WEB_IDENTITY_TOKEN: 'tok', TENCENTCLOUD_ASSUME_ROLE_PROVIDER_ID: 'gh', TENCENTCLOUD_ASSUME_ROLE_SESSION_DURATION: '900' }, defaults)!;
  assert.deepEqual([terraform.kind, (terraform as any).token, (terraform as any).providerId, terraform.durationSeconds], ['webIdentity', 'tok', 'gh', 900]);
  assert.equal(roleSpec(undefined, { TKE_ROLE_ARN: ARN, TKE_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', TKE_PROVIDER_ID: 'tke' }, defaults)!.kind, 'webIdentity');
  assert.deepEqual(roleSpec({ roleArn: ARN, externalId: 'x1', sessionName: 'me' }, {}, defaults), { kind: 'assumeRole', roleArn: ARN, sessionName: 'me', durationSeconds: 7200, externalId: 'x1', where: 'provider.assumeRole.roleArn' });
  assert.equal(roleSpec(ARN, { TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: '/t' }, defaults)!.kind, 'webIdentity', 'serverless.yml names the role, CI gives the token');
  assert.throws(() => roleSpec(undefined, { TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: '/t' }, defaults), /TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE is set, but no role to assume with it/);
  assert.throws(
    () => roleSpec({ roleArn: 'deployer', durationSeconds: 50000, colour: 'red' }, {}, defaults),
    (e: Error) => e.message.split('\n').length === 3 && /provider.assumeRole.colour is not a setting/.test(e.message) && /must be a role ARN/.test(e.message) && /from 1 to 43200/.test(e.message),
  );
});

test('token files: the token alone, or Terraform\'s JSON; session names say the CI run', () => {
  assert.equal(tokenFromFile('eyJ.a.b\n', 'f'), 'eyJ.a.b');
  assert.equal(tokenFromFile('{"web_identity_token": "eyJ.c.d"}', 'f'), 'eyJ.c.d');
  assert.throws(() => tokenFromFile('', 'f'), /is empty/);
  assert.throws(() => tokenFromFile('{"token": 1}', 'f'), /has no web_identity_token/);
  assert.throws(() => tokenFromFile('two tokens', 'f'), /must hold one token/);
  assert.equal(defaultSessionName({ GITHUB_RUN_ID: '4242' }, 0), 'serverless-scf-4242');
  assert.equal(defaultSessionName({}, 1_700_000_000_000), 'serverless-scf-1700000000');
});

function fakeSts(clock: { now(): number }, lifetimeMs: number, calls: string[], fail?: () => boolean): StsClient {
  let n = 0;
  const issue = (what: string) => {
    calls.push(what);
    if (fail?.()) return Promise.reject(new ScfError('InternalError', 'STS is down'));
    n++;
    return Promise.resolve({ credentials: new Credentials(`AKIDtmp${n}`, `key${n}`, `token${n}`, 'role'), expiresAt: clock.now() + lifetimeMs });
  };
  return { assumeRoleWithWebIdentity: (r: any) => issue(`web ${r.webIdentityToken}`), assumeRole: () => issue('keys') } as unknown as StsClient;
}

test("a role's keys: asked for once however many wait, kept, asked again before they expire, the token file read again each time", async () => {
  const clock = fakeClock();
  const calls: string[] = [];
  let token = 'tok1';
  const spec = roleSpec(undefined, { TENCENTCLOUD_ROLE_ARN: ARN, TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: '/t' }, { sessionName: 'ci-run' })!;
  const source = new RoleCredentials({ spec, sts: fakeSts(clock, 3600_000, calls), readFile: () => token, clock });
  const [a, b] = await Promise.all([source.get(), source.get()]);
  assert.deepEqual([a.secretId, b.secretId, calls], ['AKIDtmp1', 'AKIDtmp1', ['web tok1']]);
  clock.t += 3600_000 - 5 * 60_000 - 1;
  assert.equal((await source.get()).secretId, 'AKIDtmp1', 'still more than five minutes left');
  token = 'tok2';
  clock.t += 2;
  assert.equal((await source.get()).secretId, 'AKIDtmp2', 'refreshed five minutes before expiry');
  assert.deepEqual(calls, ['web tok1', 'web tok2']);
  assert.equal(JSON.stringify(await source.get()).includes('key2'), false, 'the key never renders');
});

test("a role's short keys refresh at four fifths of their life; a failed refresh keeps keys that still work, and names the role when none do", async () => {
  const clock = fakeClock();
  const calls: string[] = [];
  let down = false;
  const spec = roleSpec({ roleArn: ARN }, {}, { sessionName: 'ci' })!;
  const source = new RoleCredentials({ spec, sts: fakeSts(clock, 100_000, calls, () => down), readFile: () => undefined, clock });
  await source.get();
  clock.t += 79_000;
  await source.get();
  assert.equal(calls.length, 1);
  clock.t += 2_000;
  down = true;
  assert.equal((await source.get()).secretId, 'AKIDtmp1', 'STS down: the keys still work for 19 s');
  clock.t += 15_000;
  await assert.rejects(source.get(), /Could not assume qcs::cam::uin\/100000000001:roleName\/deployer \(provider.assumeRole.roleArn\): STS is down/);
});

// ---- secrets: hidden everywhere, and given to serverless as they are ----------------------------------

test('a web identity token file that cannot be read (a directory) is one line naming it, not a stack', async () => {
  const { accountCredentials } = await import('../../lib/config/access');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-token-'));
  const env = { TENCENTCLOUD_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/deployer', TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: dir, TENCENTCLOUD_SCF_ENDPOINT: 'http://127.0.0.1:9' };
  const source = accountCredentials({}, { env, serviceDir: dir, region: 'ap-guangzhou', warn: () => undefined, verbose: () => undefined }) as RoleCredentials;
  await assert.rejects(source.get(), (e: Error) => e instanceof ScfError && e.code === 'Plugin.Credentials' && e.message === `The web identity token file ${dir} could not be read (EISDIR) (TENCENTCLOUD_ROLE_ARN).`);
  fs.rmSync(dir, { recursive: true });
});

test('a secret that cannot be read for want of credentials: one sentence, one full stop', async () => {
  const { ssmVariableSource } = await import('../../lib/config/ssm-variables');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-token-'));
  const env = { TENCENTCLOUD_ROLE_ARN: 'qcs::cam::uin/100000000001:roleName/deployer', TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: path.join(dir, 'missing'), TENCENTCLOUD_SCF_ENDPOINT: 'http://127.0.0.1:9' };
  const source = ssmVariableSource({ redactor: new Redactor(), env, serviceDir: () => dir, warn: () => undefined, verbose: () => undefined });
  const variable = { address: 'db', resolveConfigurationProperty: async () => undefined };
  await assert.rejects(source.resolve(variable), (e: Error) => /^Could not resolve \$\{tencent-ssm:db\}: The web identity token file .*missing does not exist \(TENCENTCLOUD_ROLE_ARN\)\.$/.test(e.message));
  fs.rmSync(dir, { recursive: true });
});

test('the redactor: every occurrence (JSON-escaped ones too), longest first, in every io channel; short values are refused', () => {
  const redactor = new Redactor();
  assert.equal(redactor.add('abc', 'x'), false);
  assert.ok(redactor.add('s3cr"et', '<secret A>'));
  assert.ok(redactor.add('s3cr"et-and-more', '<secret B>'));
  assert.equal(redactor.apply('a s3cr"et-and-more b s3cr"et c {"v":"s3cr\\"et"}'), 'a <secret B> b <secret A> c {"v":"<secret A>"}');
  const seen: string[] = [];
  const io = redactingIo(
    {
      log: Object.fromEntries(['notice', 'info', 'warning', 'error', 'verbose', 'debug'].map((l) => [l, (t: string) => seen.push(`${l}:${t}`)])) as any,
      writeText: (t) => seen.push(`text:${t}`),
      progress: { create: (o) => (seen.push(`progress:${o.message}`), { update: (m: string) => seen.push(`update:${m}`), remove: () => undefined }) },
    },
    redactor,
  );
  io.log.warning('got s3cr"et');
  io.log.debug('%s and %s', 's3cr"et', 'x');
  io.writeText(['s3cr"et']);
  io.progress.create({ message: 's3cr"et' }).update('s3cr"et!');
  assert.deepEqual(seen, ['warning:got <secret A>', 'debug:<secret A> and x', 'text:<secret A>', 'progress:<secret A>', 'update:<secret A>!']);
});

test('the redactor: a secret with control characters is hidden also where text was neutralised before it (errors, smoke reasons)', () => {
  const redactor = new Redactor();
  assert.ok(redactor.add('pa55\rw0rd\u001b[2K-tail', '<secret A>'));
  // plainText drops \r and escape sequences: what an API error or a smoke reason shows of the value.
  assert.equal(redactor.apply(plainText('refused: pa55\rw0rd\u001b[2K-tail.')), 'refused: <secret A>.');
  assert.equal(redactor.apply('raw: pa55\rw0rd\u001b[2K-tail'), 'raw: <secret A>');
});

test('secret addresses: NAME and NAME:VERSION, checked; ${ escaped so that serverless gives back the value as it is', () => {
  assert.deepEqual(parseSecretAddress('db-password'), { name: 'db-password', version: undefined });
  assert.deepEqual(parseSecretAddress('db:v2.1'), { name: 'db', version: 'v2.1' });
  assert.throws(() => parseSecretAddress('bad name'), /does not name a secret/);
  assert.throws(() => parseSecretAddress('db:'), /the version must be/);
  // serverless's own parser, as it reads a value a source gave back: the escapes are undone, nothing resolved.
  const parse = require('serverless/lib/configuration/variables/parse') as (text: string) => Array<{ start: number; end: number; value?: string }> | null;
  const undo = (text: string) => {
    const found = parse(text);
    if (!found) return text;
    assert.ok(found.every((v) => v.value !== undefined), `no variable left in ${text}`);
    let out = '';
    let at = 0;
    for (const v of found) {
      out += text.slice(at, v.start) + v.value;
      at = v.end;
    }
    return out + text.slice(at);
  };
  for (const value of ['plain', '${env:HOME}', 'a${opt:stage}b', '\\${self:x}', 'x\\\\${self:x', '${', 'a\\b${']) assert.equal(undo(escapeVariableSyntax(value)), value);
});

test('pipeline settings: defaults, the bucket from lockBucket or provider.deploymentBucket, every mistake a line', () => {
  assert.deepEqual(pipelineSettings(undefined, undefined), { lock: true, lockTimeout: 600, lockExpiry: 120 });
  assert.deepEqual(pipelineSettings({ report: 'r.json' }, 'deploy-1250000000'), { lock: true, lockTimeout: 600, lockExpiry: 120, lockBucket: 'deploy-1250000000', lockBucketSetting: 'provider.deploymentBucket', report: 'r.json' });
  assert.equal(pipelineSettings({ lockBucket: 'locks-1250000000' }, 'deploy-1250000000').lockBucketSetting, 'custom.scf.deploy.lockBucket');
  assert.throws(
    () => pipelineSettings({ lock: 'yes', lockTimeout: -1, lockExpiry: 2, lockBucket: 'Locks', junit: '' }, undefined),
    (e: Error) =>
      e.message.startsWith('serverless.yml has 5 problems:') &&
      ['custom.scf.deploy.lock must be true or false', 'lockTimeout must be a whole number of seconds from 0', 'lockExpiry must be a whole number of seconds from 5', "lockBucket must be a COS bucket's full name", 'junit must be a file name'].every((p) => e.message.includes(p)),
  );
});

test('the CI run and its actor, from the variables each system sets', () => {
  assert.deepEqual(ciRun({ GITHUB_ACTIONS: 'true', GITHUB_RUN_ID: '7', GITHUB_RUN_ATTEMPT: '2', GITHUB_REPOSITORY: 'o/r', GITHUB_SERVER_URL: 'https://ghe.example' }), { system: 'GitHub Actions', run: 'https://ghe.example/o/r/actions/runs/7/attempts/2' });
  assert.deepEqual(ciRun({ GITLAB_CI: 'true', CI_JOB_URL: 'https://gitlab/j/1' }), { system: 'GitLab CI', run: 'https://gitlab/j/1' });
  assert.equal(ciRun({}), undefined);
  assert.equal(actor({ GITHUB_ACTOR: 'octo', USER: 'runner' }, () => 'x'), 'octo');
  assert.equal(actor({}, () => 'fallback'), 'fallback');
});

// ---- the report ---------------------------------------------------------------------------------------

function recorded(): DeployRecorder {
  let t = Date.UTC(2026, 11, 1);
  const recorder = new DeployRecorder('sls deploy', () => (t += 100));
  recorder.mark('lock');
  const plans: FunctionPlan[] = [
    { key: 'api', functionName: 'shop-prod-api', namespace: 'default', steps: [{ action: 'updateCode', handler: 'index.main', reason: 'code changed' } as any, { action: 'publish', release: true, alias: 'live', reason: 'x' } as any] },
    { key: 'evil|key', functionName: 'shop-prod-evil', namespace: 'jobs', steps: [] },
  ];
  recorder.planned(plans, [{ action: 'deleteFunction', functionName: 'shop-prod-old', namespace: 'default', waitFirst: false, reason: 'gone' }], (key) => (key === 'api' ? 'a'.repeat(64) : 'b'.repeat(64)));
  recorder.applied('api', 1500);
  recorder.applied('evil|key', 20);
  recorder.removed('shop-prod-old', 'default', true);
  recorder.published(new Map([['api', '7']]), () => 'live');
  recorder.released([{ key: 'api', functionName: 'shop-prod-api', version: '7', alias: 'live', result: 'promoted', serving: '7', percent: 100 }], []);
  recorder.smoked([{ key: 'api', functionName: 'shop-prod-api', passed: false, reason: 'bad | reply\n## injected', requestId: 'r1', elapsedMs: 300 }], new Map([['api', '7']]));
  return recorder;
}

function reportOf(recorder: DeployRecorder, error?: Error) {
  const url = 'https://1250000000-abc.ap-guangzhou.tencentscf.com';
  return recorder.report({
    service: 'shop',
    stage: 'prod',
    region: 'ap-guangzhou',
    targets: [
      { key: 'api', functionName: 'shop-prod-api', namespace: 'default' },
      { key: 'evil|key', functionName: 'shop-prod-evil', namespace: 'jobs' },
    ],
    triggers: new Map([
      ['api', [{ type: 'http', name: 'url', desc: JSON.stringify({ NetConfig: { ExtranetUrl: url } }), enable: true, qualifier: '$DEFAULT' } as any]],
      ['evil|key', null],
    ]),
    summarize: (t) => ({ summary: `http ${url}`, url: t.type === 'http' ? url : undefined }),
    error,
  });
}

test('the report: per function what changed, version and alias, code, triggers and URLs, release, smoke, timings; removals; the outcome', () => {
  const report = reportOf(recorded());
  assert.equal(report.outcome, 'deployed', 'a failed smoke check that did not fail the deploy (failDeploy: false) leaves it deployed');
  assert.equal(reportOf(recorded(), new Error('1 of 1 smoke check(s) failed: api')).outcome, 'failed');
  const [api, evil] = report.functions;
  assert.deepEqual([api.outcome, api.changes, api.version, api.alias, api.codeSent, api.release?.result, api.smoke?.outcome, api.smoke?.qualifier, api.urls, api.timings.applyMs], [
    'updated', ['code updated', 'version published'], '7', 'live', true, 'promoted', 'failed', '7', ['https://1250000000-abc.ap-guangzhou.tencentscf.com'], 1500,
  ]);
  assert.deepEqual([evil.outcome, evil.version, evil.codeSent, evil.triggers], ['unchanged', '$LATEST', false, null]);
  assert.deepEqual(report.removed, [{ functionName: 'shop-prod-old', namespace: 'default', outcome: 'removed' }]);
  assert.equal(typeof report.timings.applyMs, 'number');
  const early = new DeployRecorder('sls deploy').report({ service: 's', stage: 'd', region: 'r', targets: [{ key: 'a', functionName: 's-d-a', namespace: 'default' }], triggers: new Map(), summarize: () => ({ summary: '' }), error: new Error('the lock') });
  assert.deepEqual([early.outcome, early.error, early.functions[0].outcome, early.functions[0].version], ['failed', 'the lock', 'skipped', null]);
});

test('the renderings keep hostile text in its place: no Markdown row or heading from a reason, no extra GitHub output from a value', () => {
  const report = reportOf(recorded());
  report.functions[1].urls = ['https://x.example/\nversion-api=hacked'];
  const summary = markdownSummary(report);
  const rows = summary.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));
  assert.equal(rows.length, 3, 'a header and one row a function');
  assert.ok(rows.every((r) => r.split(/(?<!\\)\|/).length === 11), 'ten cells in every row');
  assert.doesNotMatch(summary, /^## injected/m);
  assert.match(summary, /<https:\/\/1250000000-abc\.ap-guangzhou\.tencentscf\.com>/);
  const outputs = githubOutputs(report);
  assert.deepEqual(outputs.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf('='))), ['outcome', 'service', 'stage', 'region', 'deployment', 'functions', 'version-api', 'url-api', 'version-evil_key', 'url-evil_key']);
  assert.match(outputs, /^version-api=7$/m);
  const junit = deployJunit(report);
  assert.match(junit, /<testsuites name="scf deploy" tests="4" failures="1" errors="0"/);
  assert.match(junit, /<testcase classname="smoke\.shop" name="api" [^>]*>\n {6}<failure message="bad \| reply/);
  assert.match(junit, /name="evil\|key"/);
  assert.match(deployJunit(reportOf(new DeployRecorder('x'), new Error('lock <held>'))), /<error message="lock &lt;held&gt;" type="DeployError">/);
});

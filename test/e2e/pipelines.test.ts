// Team pipelines end to end, with the real `sls` against an emulator: one deploy of a stage at a time (the deploy
// lock in the deployment bucket), a killed deploy's lock (it expires; --force-unlock takes it at once, saying
// whose it was), a deploy with nothing but a role ARN and a web identity token file, a ${tencent-ssm:...} secret
// reaching the function and no output, and the results as data (--json, report files, GitHub's step summary and
// outputs).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { assertNoSecrets, newCredentials, serviceDir, sls, SLS, slsEnvironment, type SlsRun, type TestCredentials } from '../helpers';
import { type RunningEmulator, startEmulator } from '../../lib/emulator/http/server';
import { parseSecrets } from '../../lib/emulator/ssm/room';
import { testIssuer } from '../oidc';

const APPID = '1250000000';
const BUCKET = `deploy-${APPID}`;
/** A `${` in it: serverless would read it as a variable if the plugin did not escape it. */
const SECRET = 'pa55-${not:a-variable}-w0rd';
/** Characters each report format escapes (Markdown, XML, JSON): between two marks no output may show, in any form. */
const QUOTED = 'zq9_db<pass>&"x"|`y`\\_kq7';
const issuer = testIssuer();
const TRANSITION_MS = 150;

let emulator: RunningEmulator & { credentials: TestCredentials };
let client: any;

before(async () => {
  const credentials = newCredentials();
  // Transitions long enough that two deploys started together would overlap without the lock.
  const started = await startEmulator({
    credentials,
    behaviour: { transitionMs: TRANSITION_MS },
    sts: { providers: [issuer.provider('GitHub')] },
    secrets: parseSecrets({ 'shop-db-password': SECRET, quoted: QUOTED }, 'the test'),
  });
  emulator = Object.assign(started, { credentials });
  emulator.core.cos.createBucket(BUCKET, 'ap-guangzhou');
  client = new (scf as any).v20180416.Client({ credential: credentials, region: 'ap-guangzhou', profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://' } } });
});
after(() => emulator.close());

const output = (r: SlsRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function shopYml(extra = '', service = 'shop'): string {
  return `service: ${service}
provider:
  name: tencent
  runtime: Nodejs18.15
  deploymentBucket: ${BUCKET}
  environment:
    MARK: \${env:MARK, 'none'}
plugins:
  - __PLUGIN__
package:
  patterns: ['!**', 'index.js']
custom:
  scf:
    deploy:
      lockExpiry: 5
${extra}functions:
  api:
    handler: index.echo
  worker:
    handler: index.hello
`;
}

/** `sls deploy` as a process of its own (to be watched, or killed); its output collected. */
function startDeploy(dir: string, env: Record<string, string>, args: string[] = []): { child: ReturnType<typeof spawn>; done: Promise<SlsRun>; stderr(): string } {
  const { home, env: clean } = slsEnvironment(emulator, env);
  const child = spawn(process.execPath, [SLS, 'deploy', '--no-smoke', ...args], { cwd: dir, env: clean, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<SlsRun>((resolve) =>
    child.on('close', (code) => {
      fs.rmSync(home, { recursive: true, force: true });
      const run = { code: code ?? 1, stdout, stderr };
      assertNoSecrets(run, emulator.credentials);
      resolve(run);
    }),
  );
  return { child, done, stderr: () => stderr };
}

/** The generations of the stage's lock in the bucket (the number of its newest). */
function newestGeneration(): number {
  const keys = [...emulator.core.cos.buckets.get(BUCKET)!.objects.keys()].filter((k) => k.startsWith('sls-tencent-scf/shop/dev/deploy-lock/'));
  return Math.max(0, ...keys.map((k) => Number(/(\d{10})\.json$/.exec(k)?.[1] ?? 0)));
}

/** A deploy has sent its first change (and now waits for the function to be Active again). */
const changing = () => ['UpdateFunctionCode', 'UpdateFunctionConfiguration', 'CreateFunction'].some((action) => emulator.peakPerSecond(action) > 0);

async function until(what: string, check: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('two deploys of one stage started together run one after the other: nothing of one falls inside the other', async () => {
  const dir = serviceDir(shopYml());
  emulator.reset();
  // The first to take the lock is held in its first status wait until the other says it is waiting: the two
  // overlap however slowly either starts.
  emulator.core.setTransitionMs(60_000);
  const runs = [startDeploy(dir, { MARK: 'a' }, ['--json']), startDeploy(dir, { MARK: 'b' }, ['--json'])];
  await until('one deploy to wait for the other', () => runs.some((r) => r.stderr().includes('is held by')));
  emulator.core.setTransitionMs(TRANSITION_MS);
  emulator.core.settleTransitions();
  const [a, b] = await Promise.all(runs.map((r) => r.done));
  assert.equal(a.code, 0, output(a));
  assert.equal(b.code, 0, output(b));
  const reports = [a, b].map((r) => ({ run: r, report: JSON.parse(r.stdout) }));
  const [first, second] = reports.sort((x, y) => Date.parse(x.report.finishedAt) - Date.parse(y.report.finishedAt));
  assert.match(second.run.stderr, /The deploy lock of shop \(stage dev\) is held by \S+ on \S+ \(sls deploy, since [^)]*\): waiting up to 600 s for it/);
  assert.doesNotMatch(first.run.stderr, /is held by/);
  // The second took the lock only after the first had finished (its report written, its lock let go).
  const secondLocked = Date.parse(second.report.lock.takenAt);
  assert.ok(secondLocked >= Date.parse(first.report.finishedAt), `${new Date(secondLocked).toISOString()} is after ${first.report.finishedAt}`);
  // The emulator's request log: every request carrying a run's mark lies inside that run's window, and the marks
  // come in one block each.
  const mark = (r: any) => (r.params.Environment?.Variables ?? []).find((v: any) => v.Key === 'MARK')?.Value;
  const marked = emulator.requests.filter((r) => mark(r));
  assert.ok(marked.length >= 4, 'both runs created or updated both functions');
  const order = marked.map(mark).join('');
  assert.match(order, /^(a+b+|b+a+)$/, `marks in the order the emulator saw them: ${order}`);
  const firstMark = order[0];
  for (const r of marked) {
    const own = mark(r) === firstMark ? first : second;
    const from = Date.parse(own.report.lock.takenAt);
    assert.ok(r.at >= from - 5 && r.at <= Date.parse(own.report.finishedAt) + 5, `${r.action} of run ${mark(r)} at ${new Date(r.at).toISOString()} lies in its own window`);
  }
  const fn = await client.GetFunction({ FunctionName: 'shop-dev-api' });
  assert.equal(fn.Environment.Variables.find((v: any) => v.Key === 'MARK').Value, order[order.length - 1], 'the last run wins, whole');
});

test("a killed deploy's lock: --force-unlock takes it at once saying whose it was; left alone, it expires and the next deploy takes it over", async () => {
  const dir = serviceDir(shopYml());
  const killed = async (who: string) => {
    // The deploy waits for its functions to leave Updating (a minute here), holding the lock, and is killed there.
    emulator.core.setTransitionMs(60_000);
    const before = newestGeneration();
    emulator.reset();
    const { child, done } = startDeploy(dir, { MARK: who, USER: who });
    await until('the deploy to take the lock', () => newestGeneration() > before);
    // A request is logged when it is answered; its arrival is counted at once.
    await until('the deploy to change a function', changing);
    child.kill('SIGKILL');
    await done;
    emulator.core.setTransitionMs(TRANSITION_MS);
    emulator.core.settleTransitions();
  };
  emulator.reset();
  await killed('alice');
  const forced = await sls(dir, ['deploy', '--no-smoke', '--force-unlock'], emulator, { MARK: 'forced', USER: 'bob' });
  assert.equal(forced.code, 0, output(forced));
  assert.match(forced.stderr, /--force-unlock: took over the deploy lock of shop \(stage dev\) from alice on \S+ \(sls deploy, since [^)]*\)\./);

  await killed('carol');
  const waited = await sls(dir, ['deploy', '--no-smoke', '--json'], emulator, { MARK: 'after', USER: 'dave' });
  assert.equal(waited.code, 0, output(waited));
  // Whether it still had to wait depends on how long this run took to start: the lock is taken over either way.
  assert.match(waited.stderr, /The deploy lock of shop \(stage dev\) was left by carol on \S+ \(sls deploy[^)]*\), silent for \d+ s \(its lock expires after 5 s\): taken over\./);
  const report = JSON.parse(waited.stdout);
  assert.equal(report.lock.tookOverFrom.reason, 'expired');
  assert.match(report.lock.tookOverFrom.holder, /^carol on /);
});

test('lockTimeout 0: a held lock fails the deploy at once, saying it did not wait; the holder goes on', async () => {
  const dir = serviceDir(shopYml());
  const eager = serviceDir(shopYml('      lockTimeout: 0\n'));
  // The holder waits for its functions to leave Updating (a minute here), holding the lock meanwhile.
  emulator.core.setTransitionMs(60_000);
  const before = newestGeneration();
  emulator.reset();
  const holder = startDeploy(dir, { MARK: 'erin', USER: 'erin' });
  try {
    await until('the deploy to take the lock', () => newestGeneration() > before);
    // Past its reads (it has begun changing its functions) before the record is cleared.
    await until('the deploy to change a function', changing);
    emulator.reset();
    const refused = await sls(eager, ['deploy', '--no-smoke'], emulator, { MARK: 'frank', USER: 'frank' });
    assert.notEqual(refused.code, 0, output(refused));
    const said = refused.stdout + refused.stderr;
    assert.match(said, /The deploy lock of shop \(stage dev\) is held by erin on \S+ \(sls deploy[^)]*\), and custom\.scf\.deploy\.lockTimeout is 0 \(no waiting\)\. Nothing was changed\./, output(refused));
    assert.doesNotMatch(said, /waiting up to|of waiting/);
    // The holder is polling its functions meanwhile; a deploy past the lock would have begun with ListNamespaces.
    assert.deepEqual(emulator.requests.filter((r) => r.action === 'ListNamespaces'), [], 'the refused deploy read nothing of SCF');
  } finally {
    emulator.core.setTransitionMs(TRANSITION_MS);
    emulator.core.settleTransitions();
  }
  const held = await holder.done;
  assert.equal(held.code, 0, output(held));
});

test('the lock is let go when a deploy fails and when it is interrupted (Ctrl-C): the next deploy does not wait', async () => {
  const dir = serviceDir(shopYml());
  const released = () => {
    const generation = newestGeneration();
    return emulator.core.cos.buckets.get(BUCKET)!.objects.has(`sls-tencent-scf/shop/dev/deploy-lock/${String(generation).padStart(10, '0')}.released`);
  };
  emulator.core.setDeployFaults([{ pattern: 'shop-dev-api' }]);
  const failed = await sls(dir, ['deploy', '--no-smoke'], emulator, { MARK: 'fails' });
  emulator.core.setDeployFaults([]);
  assert.notEqual(failed.code, 0, output(failed));
  assert.ok(released(), 'released after the failure');

  emulator.core.setTransitionMs(60_000);
  const before = newestGeneration();
  emulator.reset();
  const { child, done } = startDeploy(dir, { MARK: 'interrupted' });
  await until('the deploy to take the lock', () => newestGeneration() > before);
  await until('the deploy to change a function', changing);
  child.kill('SIGINT');
  const interrupted = await done;
  emulator.core.setTransitionMs(TRANSITION_MS);
  emulator.core.settleTransitions();
  assert.equal(interrupted.code, 130, output(interrupted));
  assert.match(interrupted.stderr, /Deploy interrupted while changing/);
  assert.ok(released(), 'released on Ctrl-C');
  const next = await sls(dir, ['deploy', '--no-smoke'], emulator, { MARK: 'next' });
  assert.equal(next.code, 0, output(next));
  assert.doesNotMatch(next.stderr, /is held by|was left by/);
});

test('a deploy with only a role ARN and a web identity token file: keys from STS, a ${tencent-ssm:} secret in the function and in no output, the report and GitHub summary and outputs', async () => {
  const dir = serviceDir(
    shopYml(`      report: reports/deploy.json\n      junit: reports/deploy.xml\n`, 'vault')
      .replace("    MARK: ${env:MARK, 'none'}\n", "    MARK: ${env:MARK, 'none'}\n    DB_PASSWORD: ${tencent-ssm:shop-db-password}\n")
      .replace('    handler: index.echo\n', '    handler: index.echo\n    smoke: { event: { ping: pong } }\n    events:\n      - http: true\n'),
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-oidc-'));
  const tokenFile = path.join(work, 'token');
  const token = issuer.token();
  fs.writeFileSync(tokenFile, token);
  const github = { summary: path.join(work, 'summary.md'), output: path.join(work, 'output') };
  const keyless = {
    TENCENTCLOUD_SECRET_ID: undefined,
    TENCENTCLOUD_SECRET_KEY: undefined,
    TENCENTCLOUD_SESSION_TOKEN: undefined,
    TENCENTCLOUD_ROLE_ARN: `qcs::cam::uin/${emulator.core.account.identity.uin}:roleName/deployer`,
    TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE: tokenFile,
    TENCENTCLOUD_PROVIDER_ID: 'GitHub',
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '99',
    GITHUB_REPOSITORY: 'team/shop',
    GITHUB_STEP_SUMMARY: github.summary,
    GITHUB_OUTPUT: github.output,
  };
  emulator.reset();
  const deployed = await sls(dir, ['deploy', '--json', '--verbose'], emulator, keyless);
  assert.equal(deployed.code, 0, output(deployed));
  const actions = emulator.requests.map((r) => r.action);
  assert.ok(actions.includes('AssumeRoleWithWebIdentity') && actions.includes('GetSecretValue') && actions.includes('CreateFunction'), actions.join(' '));
  assert.match(deployed.stderr, /Acting as role qcs::cam::uin\/\d+:roleName\/deployer \(session serverless-scf-99, assumed with the web identity token in /);

  // The secret reached the function as it is, `${` and all.
  const fn = await client.GetFunction({ FunctionName: 'vault-dev-api' });
  assert.equal(fn.Environment.Variables.find((v: any) => v.Key === 'DB_PASSWORD').Value, SECRET);

  // The report, on stdout and in its file.
  const report = JSON.parse(deployed.stdout);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'deploy.json'), 'utf8')).functions, report.functions);
  assert.equal(report.outcome, 'deployed');
  assert.equal(report.ci.run, 'https://github.com/team/shop/actions/runs/99');
  const api = report.functions.find((f: any) => f.key === 'api');
  assert.deepEqual([api.functionName, api.namespace, api.outcome, api.version, api.alias, api.codeSent], ['vault-dev-api', 'default', 'created', '$LATEST', null, true]);
  assert.match(api.codeSha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(api.triggers.map((t: any) => t.type), ['http']);
  assert.ok(Array.isArray(api.urls));
  assert.equal(api.smoke.outcome, 'passed');
  assert.equal(typeof api.timings.applyMs, 'number');
  assert.equal(report.functions.find((f: any) => f.key === 'worker').smoke, null);
  for (const timing of ['lockWaitMs', 'readMs', 'applyMs', 'smokeMs']) assert.equal(typeof report.timings[timing], 'number', timing);
  assert.match(fs.readFileSync(path.join(dir, 'reports', 'deploy.xml'), 'utf8'), /<testsuite name="smoke\.vault" tests="1" failures="0"/);
  const summary = fs.readFileSync(github.summary, 'utf8');
  assert.match(summary, /^### Deployed: vault, stage `dev`, region `ap-guangzhou`$/m);
  assert.match(summary, /^\| api \| vault-dev-api \| created: 1 trigger created \| \$LATEST \| - \| `[0-9a-f]{12}` sent \| passed \(\d+ ms\) \| .* \| \d+ ms \|$/m);
  const outputs = fs.readFileSync(github.output, 'utf8');
  assert.match(outputs, /^outcome=deployed$/m);
  assert.match(outputs, /^version-api=\$LATEST$/m);
  assert.match(outputs, /^url-api=/m);

  // What the configuration shows: the secret as its variable, unless asked.
  const info = await sls(dir, ['info'], emulator, keyless);
  assert.equal(info.code, 0, output(info));
  assert.match(info.stdout, /api: .*DB_PASSWORD=<secret \$\{tencent-ssm:shop-db-password\}>/);
  const concealed = await sls(dir, ['info', '--conceal'], emulator, keyless);
  assert.match(concealed.stdout, /api: DB_PASSWORD=<concealed>, MARK=<concealed>/);
  const printed = await sls(dir, ['print'], emulator, keyless);
  assert.equal(printed.code, 0, output(printed));
  assert.match(printed.stdout, /DB_PASSWORD: <secret \$\{tencent-ssm:shop-db-password\}>/);
  const asked = await sls(dir, ['print', '--show-secrets'], emulator, keyless);
  assert.ok(asked.stdout.includes(SECRET), 'print --show-secrets shows it: asked for');

  // No key, token or secret in any output but the one that asked for it.
  const hidden = [SECRET, token, ...emulator.sts.issued().flatMap((k) => [k.secretKey, k.token])];
  assert.ok(emulator.sts.issued().length >= 2);
  const shown = [deployed, info, concealed, printed].flatMap((r) => [r.stdout, r.stderr]).concat(
    ['deploy.json', 'deploy.xml'].map((f) => fs.readFileSync(path.join(dir, 'reports', f), 'utf8')),
    summary,
    outputs,
  );
  for (const text of shown) for (const secret of hidden) assert.ok(!text.includes(secret), `a secret (${secret.slice(0, 4)}…) reached an output:\n${text}`);
});

test('a secret a failed smoke check quotes (a result, an error) reaches no report in any escaped form: --json, report and JUnit files, smoke JUnit, GitHub summary and outputs', async () => {
  const dir = serviceDir(
    shopYml(`      lock: false\n      report: reports/deploy.json\n      junit: reports/deploy.xml\n    smoke:\n      junit: reports/smoke.xml\n`, 'quoting')
      .replace('    handler: index.echo\n', "    handler: index.echo\n    smoke: { event: { key: '${tencent-ssm:quoted}' }, expect: { contains: not-there } }\n")
      .replace('    handler: index.hello\n', "    handler: index.fail\n    smoke: { event: { reason: '${tencent-ssm:quoted}' } }\n"),
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-quoted-'));
  const github = { summary: path.join(work, 'summary.md'), output: path.join(work, 'output') };
  const env = { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: github.summary, GITHUB_OUTPUT: github.output };
  const deployed = await sls(dir, ['deploy', '--json'], emulator, env);
  assert.notEqual(deployed.code, 0, output(deployed));
  const report = JSON.parse(deployed.stdout.split('\n')[0]);
  assert.deepEqual(report.functions.map((f: any) => [f.key, f.smoke.outcome]), [['api', 'failed'], ['worker', 'failed']]);
  // The reasons are there, with the secret's mark in its place.
  assert.match(report.functions[0].smoke.reason, /does not contain "not-there".*<secret \$\{tencent-ssm:quoted\}>/);
  assert.match(report.functions[1].smoke.reason, /<secret \$\{tencent-ssm:quoted\}>/);
  const files = ['deploy.json', 'deploy.xml', 'smoke.xml'].map((f) => fs.readFileSync(path.join(dir, 'reports', f), 'utf8'));
  const shown = [deployed.stdout, deployed.stderr, ...files, fs.readFileSync(github.summary, 'utf8'), fs.readFileSync(github.output, 'utf8')];
  for (const text of shown) assert.ok(!/zq9|kq7/.test(text), `the secret reached an output:\n${text}`);
});

test('a pipeline setting that is wrong (lockTimeout: -1) stops deploy and deploy function before packaging, in one line said once', async () => {
  const dir = serviceDir(shopYml().replace('      lockExpiry: 5\n', '      lockExpiry: 5\n      lockTimeout: -1\n'));
  emulator.reset();
  for (const args of [['deploy', '--json'], ['deploy', 'function', '-f', 'api']]) {
    const run = await sls(dir, args, emulator);
    assert.notEqual(run.code, 0, output(run));
    const both = run.stdout + run.stderr;
    assert.equal(both.split('custom.scf.deploy.lockTimeout must be a whole number of seconds from 0 to 86400, not -1').length - 1, 1, output(run));
    assert.doesNotMatch(both, /Packag|could not be written/, output(run));
    assert.ok(!fs.existsSync(path.join(dir, '.serverless')), 'nothing packaged');
  }
  assert.deepEqual(emulator.requests.map((r) => r.action), [], 'nothing sent');
});

test('a GitHub step summary that cannot be written (its directory is gone) is one line after the deploy, not a stack', async () => {
  const dir = serviceDir(shopYml().replace('      lockExpiry: 5\n', '      lockExpiry: 5\n      lock: false\n'));
  const missing = path.join(os.tmpdir(), `scf-gone-${process.pid}`, 'summary.md');
  const run = await sls(dir, ['deploy', '--no-smoke'], emulator, { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: missing });
  assert.notEqual(run.code, 0, output(run));
  assert.match(run.stdout + run.stderr, /The GitHub step summary \(GITHUB_STEP_SUMMARY\) could not be written to \S+summary\.md \(ENOENT\): the sls deploy itself finished\./);
  assert.doesNotMatch(run.stdout + run.stderr, /^\s+at /m, output(run));
});

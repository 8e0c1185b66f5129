// examples/ci: the rehearsal job of its GitHub Actions workflow, run step by step as a runner runs it (bash -eo
// pipefail, the job's env, $GITHUB_ENV, $GITHUB_PATH, $RUNNER_TEMP, the step summary and outputs), offline, in a
// copy of the example with the project's tools (this plugin, serverless, scf-emulator) in node_modules/.bin. Only
// the steps that need the network are left out: `uses:` actions and the step named Install (npm ci).
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { CLIS, PLUGIN_NAME, REPO, SLS } from '../helpers';

const EXAMPLE = path.join(REPO, 'examples', 'ci');
const WORKFLOW = path.join(EXAMPLE, '.github', 'workflows', 'deploy.yml');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
}

let runnerTemp: string | undefined;

after(() => {
  // The emulator the workflow started dies with the test, whatever happened.
  const pidFile = runnerTemp && path.join(runnerTemp, 'emulator.pid');
  if (pidFile && fs.existsSync(pidFile)) {
    try {
      process.kill(Number(fs.readFileSync(pidFile, 'utf8').trim()));
    } catch {
      // gone already
    }
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `KEY=VALUE` lines (and GitHub's `KEY<<EOF` blocks) of a file a step appended to. */
function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) out[lines[i].slice(0, lines[i].indexOf('='))] = lines[i].slice(lines[i].indexOf('=') + 1);
  }
  return out;
}

test("the example workflow's rehearsal job runs offline: emulator, deploy with smoke checks, second release, rollback, removal", async () => {
  const workflow = yaml.load(fs.readFileSync(WORKFLOW, 'utf8')) as { jobs: Record<string, { env: Record<string, string>; steps: Step[] }> };
  const job = workflow.jobs.rehearse;
  assert.ok(job, 'the workflow has a rehearse job');
  assert.ok(workflow.jobs.production.steps.some((s) => s.run?.includes('TENCENTCLOUD_WEB_IDENTITY_TOKEN_FILE')), 'production is keyless');

  // The repository a user would have: the example, with the project's tools installed.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-ci-example-'));
  const checkout = path.join(work, 'repo');
  fs.cpSync(EXAMPLE, checkout, { recursive: true });
  const modules = path.join(checkout, 'node_modules');
  fs.mkdirSync(path.join(modules, '.bin'), { recursive: true });
  // The plugin one directory up (serverless looks for plugins upwards): a link inside the service directory is
  // refused (packaging would walk this whole checkout), an installed copy would not be this build.
  fs.mkdirSync(path.join(work, 'node_modules'));
  fs.symlinkSync(REPO, path.join(work, 'node_modules', PLUGIN_NAME), 'junction');
  // What npm puts in node_modules/.bin for the two commands the workflow runs.
  const bin = (name: string, script: string) => fs.writeFileSync(path.join(modules, '.bin', name), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(script)} "$@"\n`, { mode: 0o755 });
  bin('sls', SLS);
  bin('scf-emulator', path.join(REPO, 'dist', 'lib', 'emulator', 'cli.js'));
  assert.ok(fs.existsSync(CLIS.serverless));
  runnerTemp = path.join(work, 'runner-temp');
  fs.mkdirSync(runnerTemp);
  const files = { GITHUB_ENV: path.join(work, 'github-env'), GITHUB_PATH: path.join(work, 'github-path'), GITHUB_STEP_SUMMARY: path.join(work, 'summary.md'), GITHUB_OUTPUT: path.join(work, 'outputs') };
  for (const file of Object.values(files)) fs.writeFileSync(file, '');

  const base: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: path.join(work, 'home'),
    RUNNER_TEMP: runnerTemp,
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '4242',
    GITHUB_REPOSITORY: 'team/ci-demo',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_ACTOR: 'rehearser',
    ...files,
    ...job.env,
    // This machine is shared: the emulator takes a free port (the workflow reads it from the environment).
    EMULATOR_PORT: String(await freePort()),
  };
  const ran: string[] = [];
  for (const step of job.steps) {
    if (!step.run || step.name === 'Install') continue;
    const added = fs.readFileSync(files.GITHUB_PATH, 'utf8').split('\n').filter(Boolean).reverse();
    const env = { ...base, ...readEnvFile(files.GITHUB_ENV), ...step.env, PATH: [...added, base.PATH].join(path.delimiter) };
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], { cwd: checkout, env, encoding: 'utf8', timeout: 240_000 });
    ran.push(step.name ?? step.run);
    assert.equal(result.status, 0, `step "${step.name}" failed:\n${result.stdout}\n${result.stderr}`);
    if (step.name?.startsWith('Rehearse a second')) {
      assert.match(result.stderr, /Rolled back to D\d{8}T\d{6}Z[0-9A-F]{4}/);
      assert.match(result.stdout, /API_KEY=<concealed>/, 'info --conceal hides the values');
    }
    for (const text of [result.stdout, result.stderr]) assert.doesNotMatch(text, /rehearsal-api-key-not-a-real-one/, `the secret stays out of step "${step.name}"`);
  }
  assert.deepEqual(ran, [
    "Put the project's tools on PATH",
    'Start the SCF emulator',
    'Rehearse the deploy and its smoke checks',
    'Rehearse a second release, then a rollback to the first',
    'Remove the rehearsal',
    'Stop the emulator',
  ]);

  // What the deploys left for the pipeline: the reports and GitHub's summary and outputs.
  const report = JSON.parse(fs.readFileSync(path.join(checkout, 'reports', 'deploy.json'), 'utf8'));
  assert.equal(report.outcome, 'deployed');
  assert.deepEqual([report.functions[0].key, report.functions[0].alias, report.functions[0].smoke.outcome], ['api', 'live', 'passed']);
  assert.match(fs.readFileSync(path.join(checkout, 'reports', 'deploy.xml'), 'utf8'), /<testcase classname="deploy\.ci-demo" name="api"/);
  const summary = fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
  assert.equal(summary.match(/^### Deployed: ci-demo, stage `rehearsal`/gm)?.length, 2, summary);
  const outputs = readEnvFile(files.GITHUB_OUTPUT);
  assert.equal(outputs['version-api'], '2');
  assert.equal(outputs.outcome, 'deployed');
  assert.doesNotMatch(summary + fs.readFileSync(files.GITHUB_OUTPUT, 'utf8'), /rehearsal-api-key-not-a-real-one/);
});

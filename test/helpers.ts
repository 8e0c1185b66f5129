// Shared test fixtures: an emulator on 127.0.0.1 serving a service directory, temporary service directories,
// and the real `sls` binary run in them.
import { execFile } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Credentials } from '../lib/config/credentials';
import { parseEndpoint } from '../lib/config/settings';
import { type ClientsConfig, createClients } from '../lib/cloud/clients';
import type { ScfClient } from '../lib/cloud/scf';
import { loadService } from '../lib/emulator/service-file';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../lib/emulator/http/server';

export const REPO = path.resolve(__dirname, '..', '..');
export const EXAMPLE = path.join(REPO, 'examples', 'hello');
/** The name a service lists the plugin by, in `plugins:`. */
export const PLUGIN_NAME = 'serverless-tencent-scf-plugin';

/**
 * The CLIs the end-to-end tests run, each by its own path: serverless v3 and its maintained continuation osls
 * both install bins named `sls` and `serverless`, so node_modules/.bin/sls may be either.
 */
export const CLIS = {
  serverless: path.join(REPO, 'node_modules', 'serverless', 'bin', 'serverless.js'),
  osls: path.join(REPO, 'node_modules', 'osls', 'bin', 'serverless.js'),
} as const;
export type CliName = keyof typeof CLIS;

/** The CLI of this run: serverless, or the one SCF_E2E_CLI names (`npm test` runs five e2e files a second time under osls: test/osls). */
export const CLI: CliName = cliFromEnvironment(process.env.SCF_E2E_CLI);
export const SLS = CLIS[CLI];

/**
 * Whether this run's CLI stops at configuration schema errors: osls 4 does (its configValidationMode defaults to
 * error), serverless 3 and osls 3 warn and let the plugin refuse with its own sentence.
 */
export const SCHEMA_ERRORS_STOP = CLI === 'osls' && majorVersion(CLIS.osls) >= 4;

function majorVersion(bin: string): number {
  const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(bin), '..', 'package.json'), 'utf8')) as { version: string };
  return Number(pkg.version.split('.')[0]);
}

function cliFromEnvironment(value: string | undefined): CliName {
  if (value === undefined || value === '') return 'serverless';
  if (!Object.prototype.hasOwnProperty.call(CLIS, value)) throw new Error(`SCF_E2E_CLI must be one of ${Object.keys(CLIS).join(', ')}, not "${value}"`);
  return value as CliName;
}

export interface TestCredentials {
  secretId: string;
  secretKey: string;
  token?: string;
}

export function newCredentials(): TestCredentials {
  return { secretId: 'AKIDtest' + randomBytes(8).toString('hex'), secretKey: 'SK' + randomBytes(16).toString('hex') };
}

export async function emulatorFor(
  dir = EXAMPLE,
  extra: Partial<EmulatorOptions> & { stage?: string; credentials?: TestCredentials } = {},
): Promise<RunningEmulator & { credentials: TestCredentials }> {
  const credentials = extra.credentials ?? newCredentials();
  const service = extra.service ?? loadService(dir, { stage: extra.stage, env: {} });
  const emulator = await startEmulator({ ...extra, service, credentials });
  return Object.assign(emulator, { credentials });
}

export function clientFor(
  emulator: { url: string; credentials: TestCredentials },
  config: Partial<ClientsConfig> = {},
): ScfClient {
  const c = emulator.credentials;
  return createClients({
    endpoints: { scf: parseEndpoint(emulator.url), cls: parseEndpoint(emulator.url) },
    region: 'ap-guangzhou',
    credentials: new Credentials(c.secretId, c.secretKey, c.token, 'the test'),
    ...config,
  }).scf;
}

/** Points `link` at `target` unless it already does; a rename swaps it in at once (test files start in parallel). */
function ensureLink(link: string, target: string): void {
  let current: string | undefined;
  try {
    current = fs.readlinkSync(link);
  } catch {
    // missing, or not a link
  }
  if (current === target) return;
  fs.mkdirSync(path.dirname(link), { recursive: true });
  const temporary = `${link}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.symlinkSync(target, temporary, 'junction');
  fs.renameSync(temporary, link);
}

let examplesLinked = false;

/** examples/hello and examples/python name the plugin by its package name: scripts/link-plugin.js makes that resolve. */
function linkExamples(): void {
  if (examplesLinked) return;
  (require(path.join(REPO, 'scripts', 'link-plugin.js')) as { linkExamples(): string | undefined }).linkExamples();
  examplesLinked = true;
}

/**
 * The directory the temporary services of this checkout live in. Its node_modules links the plugin's name to this
 * checkout, so a service finds the plugin by name as a user's does (osls 4 refuses a path in `plugins:`), each git
 * worktree loads its own build, and a deploy never packages the link (it is outside the service directory).
 */
function servicesRoot(): string {
  const root = path.join(os.tmpdir(), `scf-services-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}`);
  ensureLink(path.join(root, 'node_modules', PLUGIN_NAME), REPO);
  return root;
}

/**
 * A temporary service directory with the example's handlers and the given serverless.yml; `__PLUGIN__` in it
 * becomes the plugin's package name.
 */
export function serviceDir(yml: string): string {
  const dir = fs.mkdtempSync(path.join(servicesRoot(), 'scf-svc-'));
  for (const file of fs.readdirSync(EXAMPLE)) {
    if (file.endsWith('.js')) fs.copyFileSync(path.join(EXAMPLE, file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml.replace(/__PLUGIN__/g, PLUGIN_NAME));
  return dir;
}

export interface SlsRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real serverless v3 CLI (or osls: see CLI) in `cwd` against the emulator, with a clean, isolated environment. Every run's
 * output is scanned for the secret key and token: the whole end-to-end suite is the secrets check. Its stdin
 * carries `input` and is then closed (an open, silent stdin would be waited on as a possible event).
 */
export function sls(
  cwd: string,
  args: string[],
  emulator: { url: string; credentials: TestCredentials },
  env: Record<string, string | undefined> = {},
  input = '',
  /** Another CLI than this run's (a test that compares serverless 3 with osls 4). */
  bin: string = SLS,
): Promise<SlsRun> {
  const { home, env: clean } = slsEnvironment(emulator, env);
  return new Promise((resolve) => {
    const child = execFile(bin, args, { cwd, env: clean, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
      fs.rmSync(home, { recursive: true, force: true });
      const code = error ? (typeof (error as any).code === 'number' ? (error as any).code : 1) : 0;
      const run = { code, stdout, stderr };
      assertNoSecrets(run, { ...emulator.credentials, secretKey: clean.TENCENTCLOUD_SECRET_KEY ?? emulator.credentials.secretKey });
      resolve(run);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/**
 * The clean, isolated environment an sls run gets (a home of its own, the emulator's endpoint and credentials,
 * serverless's network features off), `env` on top (undefined removes a variable).
 */
export function slsEnvironment(emulator: { url: string; credentials: TestCredentials }, env: Record<string, string | undefined> = {}): { home: string; env: NodeJS.ProcessEnv } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-home-'));
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: home,
    TZ: process.env.TZ,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    // serverless 3 otherwise spawns `npm root -g` on every run to decide on an auto-update it never makes here.
    SLS_DISABLE_AUTO_UPDATE: '1',
    // serverless compiles its configuration schema (ours included) into a validator cached under HOME, keyed by the
    // schema's hash and written atomically: shared, a fresh HOME per run does not compile it again (~0.6 s of CPU).
    SLS_SCHEMA_CACHE_BASE_DIR: path.join(os.tmpdir(), 'scf-sls-schema-cache'),
    TENCENTCLOUD_SECRET_ID: emulator.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: emulator.credentials.secretKey,
    TENCENTCLOUD_SESSION_TOKEN: emulator.credentials.token,
    TENCENTCLOUD_SCF_ENDPOINT: emulator.url,
    ...env,
  };
  const clean = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  linkExamples();
  return { home, env: clean };
}

/** Every text a run showed must be free of the secrets. */
export function assertNoSecrets(run: SlsRun, credentials: TestCredentials): void {
  for (const secret of [credentials.secretKey, credentials.token].filter(Boolean) as string[]) {
    if (run.stdout.includes(secret) || run.stderr.includes(secret)) {
      throw new Error(`a secret reached the output of an sls run:\n${run.stdout}\n${run.stderr}`);
    }
  }
}

/** The vendor's own SCF client (tencentcloud-sdk-nodejs-scf), pointed at an emulator: reads back what a test made. */
export function vendorScfClient(emulator: { port: number; credentials: TestCredentials }): any {
  const { scf } = require('tencentcloud-sdk-nodejs-scf') as { scf: any };
  return new scf.v20180416.Client({
    credential: emulator.credentials,
    region: 'ap-guangzhou',
    profile: { httpProfile: { endpoint: `127.0.0.1:${emulator.port}`, protocol: 'http://', reqTimeout: 60 } },
  });
}

/** The process exists (running, or a zombie not yet reaped). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

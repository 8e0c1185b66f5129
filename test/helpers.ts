// Shared test fixtures: an emulator on 127.0.0.1 serving a service directory, temporary service directories,
// and the real `sls` binary run in them.
import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
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
export const SLS = path.join(REPO, 'node_modules', '.bin', 'sls');

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

/** A temporary service directory with the example's handlers and the given serverless.yml. */
export function serviceDir(yml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-svc-'));
  for (const file of fs.readdirSync(EXAMPLE)) {
    if (file.endsWith('.js')) fs.copyFileSync(path.join(EXAMPLE, file), path.join(dir, file));
  }
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml.replace(/__PLUGIN__/g, REPO));
  return dir;
}

export interface SlsRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real serverless v3 CLI in `cwd` against the emulator, with a clean, isolated environment. Every run's
 * output is scanned for the secret key and token: the whole end-to-end suite is the secrets check. Its stdin
 * carries `input` and is then closed (an open, silent stdin would be waited on as a possible event).
 */
export function sls(
  cwd: string,
  args: string[],
  emulator: { url: string; credentials: TestCredentials },
  env: Record<string, string | undefined> = {},
  input = '',
): Promise<SlsRun> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-home-'));
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: home,
    TZ: process.env.TZ,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    TENCENTCLOUD_SECRET_ID: emulator.credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: emulator.credentials.secretKey,
    TENCENTCLOUD_SESSION_TOKEN: emulator.credentials.token,
    TENCENTCLOUD_SCF_ENDPOINT: emulator.url,
    ...env,
  };
  const clean = Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  return new Promise((resolve) => {
    const child = execFile(SLS, args, { cwd, env: clean, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
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

/** Every text a run showed must be free of the secrets. */
export function assertNoSecrets(run: SlsRun, credentials: TestCredentials): void {
  for (const secret of [credentials.secretKey, credentials.token].filter(Boolean) as string[]) {
    if (run.stdout.includes(secret) || run.stderr.includes(secret)) {
      throw new Error(`a secret reached the output of an sls run:\n${run.stdout}\n${run.stderr}`);
    }
  }
}

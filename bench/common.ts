// What every part of the bench shares: a row of the results table, and where the repository and serverless v3
// are (`node_modules/.bin/sls` may be osls's: both packages install that name).
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { RecordedRequest, RunningEmulator } from '../lib/emulator/http/server';

export interface BenchRow {
  name: string;
  figure: string;
  budget: string;
  ratio?: number;
  met: boolean;
}

export const REPO = path.resolve(__dirname, '..', '..');
export const SLS = path.join(REPO, 'node_modules', 'serverless', 'bin', 'serverless.js');

export interface SlsRun {
  ms: number;
  /** The command's peak resident memory, MiB (from /usr/bin/time). */
  maxRssMiB: number;
  stdout: string;
  stderr: string;
}

/** `sls ARGS` in `cwd` against the emulator with its credentials, in a home of its own, under /usr/bin/time. */
export function sls(cwd: string, args: string[], emulator: RunningEmulator, credentials: { secretId: string; secretKey: string }): Promise<SlsRun> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-bench-home-'));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
    SLS_DEPRECATION_DISABLE: '*',
    TENCENTCLOUD_SECRET_ID: credentials.secretId,
    TENCENTCLOUD_SECRET_KEY: credentials.secretKey,
    TENCENTCLOUD_SCF_ENDPOINT: emulator.url,
  };
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-f', 'bench-rss %M', process.execPath, ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), SLS, ...args], { cwd, env, maxBuffer: 256 * 1024 * 1024, timeout: 900_000 }, (error, stdout, stderr) => {
      fs.rmSync(home, { recursive: true, force: true });
      if (error) return reject(new Error(`sls ${args.join(' ')} failed:\n${stdout.slice(-4000)}\n${stderr.slice(-4000)}`));
      const rss = /bench-rss (\d+)\s*$/.exec(stderr);
      resolve({ ms: Date.now() - started, maxRssMiB: Number(rss?.[1] ?? 0) / 1024, stdout, stderr: rss ? stderr.slice(0, rss.index) : stderr });
    });
  });
}

/** From the first API request of a run at the emulator to the last, ms. */
export function apiSpan(requests: RecordedRequest[]): number {
  return requests.length ? requests[requests.length - 1].at - requests[0].at : 0;
}

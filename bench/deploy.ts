// `npm run bench -- deploy`: the real `sls deploy` of 30 functions into an empty emulator account (cold), then
// again with one function's code changed, each against the floor that the status waits and the per-action
// limits allow. The deploy's own part is timed at the emulator: from the first API request to the last (what
// serverless spends starting and packaging is shown beside it, for information).
//
// The floor, for N functions deployed M at a time (FUNCTIONS_AT_ONCE of lib/commands/deploy.ts), transitions of
// T ms (the emulator's Creating/Updating), and the per-action rates of lib/cloud/limits.ts (a sliding window of
// one second, so n requests of an action at R a second span at least floor((n - 1) / R) seconds):
//   cold         N GetFunction reads, then N creates M at a time, each Creating for T before it is Active:
//                span(N, GetFunction) + max(ceil(N / M) × T, span(N, CreateFunction))
//   one changed  N GetFunction and N GetFunctionAddress reads (the code hashes: 20 a second binds), then one
//                UpdateFunctionCode, Updating for T: max(span(N, GetFunction), span(N, GetFunctionAddress)) + T
import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { actionRate } from '../lib/cloud/limits';
import { FUNCTIONS_AT_ONCE } from '../lib/commands/deploy';
import { DEFAULT_TRANSITION_MS } from '../lib/emulator/scf/lifecycle';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../lib/emulator/http/server';
import { type BenchRow, REPO, SLS } from './common';

const FUNCTIONS = 30;
const TRANSITION_MS = DEFAULT_TRANSITION_MS;
/** The deploy's API part may take this much longer than its floor (polling, round trips, a shared machine). */
const BUDGET = 1.5;

/** How long n requests of an action need at the least, ms, at its rate in a one-second sliding window. */
export function spanMs(n: number, action: string): number {
  return Math.floor(Math.max(0, n - 1) / actionRate('scf', action)) * 1000;
}

export function coldFloorMs(n: number, atOnce: number, transitionMs: number): number {
  return spanMs(n, 'GetFunction') + Math.max(Math.ceil(n / atOnce) * transitionMs, spanMs(n, 'CreateFunction'));
}

export function oneChangedFloorMs(n: number, transitionMs: number): number {
  return Math.max(spanMs(n, 'GetFunction'), spanMs(n, 'GetFunctionAddress')) + transitionMs;
}

function serviceYml(n: number): string {
  const functions = Array.from({ length: n }, (_, i) => `  f${i}:\n    handler: f${i}.main\n    package:\n      patterns: ['f${i}.js']\n`).join('');
  return `service: fleet\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\nplugins:\n  - ${REPO}\npackage:\n  individually: true\n  patterns: ['!**']\nfunctions:\n${functions}`;
}

const handler = (i: number, label: string) => `exports.main = async () => ({ fn: ${i}, code: ${JSON.stringify(label)} });\n`;

export function sls(cwd: string, args: string[], emulator: RunningEmulator, credentials: { secretId: string; secretKey: string }): Promise<{ ms: number; stdout: string; stderr: string }> {
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
    execFile(SLS, args, { cwd, env, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
      fs.rmSync(home, { recursive: true, force: true });
      if (error) return reject(new Error(`sls ${args.join(' ')} failed:\n${stdout}\n${stderr}`));
      resolve({ ms: Date.now() - started, stdout, stderr });
    });
  });
}

/** From the first API request of the run to the last, ms. */
export function apiSpan(requests: RecordedRequest[]): number {
  return requests.length ? requests[requests.length - 1].at - requests[0].at : 0;
}

const PEAK_ACTIONS = ['GetFunction', 'GetFunctionAddress', 'CreateFunction', 'UpdateFunctionCode'];

const count = (requests: RecordedRequest[], test: (r: RecordedRequest) => boolean) => requests.filter(test).length;

/** Runs the deploy part, adding its rows to `rows`. */
export async function benchDeploy(rows: BenchRow[]): Promise<void> {
  const credentials = { secretId: 'AKIDbench' + randomBytes(6).toString('hex'), secretKey: randomBytes(20).toString('hex') };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-bench-deploy-'));
  fs.writeFileSync(path.join(dir, 'serverless.yml'), serviceYml(FUNCTIONS));
  for (let i = 0; i < FUNCTIONS; i++) fs.writeFileSync(path.join(dir, `f${i}.js`), handler(i, 'v1'));
  const emulator = await startEmulator({ credentials, behaviour: { transitionMs: TRANSITION_MS } });
  try {
    const cold = await sls(dir, ['deploy', '--no-smoke'], emulator, credentials);
    const coldRequests = [...emulator.requests];
    const peaks = new Map(PEAK_ACTIONS.map((a) => [a, emulator.peakPerSecond(a)]));
    const active = [...emulator.core.account.functions.values()].filter((f) => f.status === 'Active').length;
    const coldMs = apiSpan(coldRequests);
    const coldFloor = coldFloorMs(FUNCTIONS, FUNCTIONS_AT_ONCE, TRANSITION_MS);
    rows.push({
      name: `deploy: cold, ${FUNCTIONS} functions (${FUNCTIONS_AT_ONCE} at once, ${TRANSITION_MS} ms transitions)`,
      figure: `${coldMs} ms, floor ${coldFloor} ms; ${active}/${FUNCTIONS} Active, ${count(coldRequests, (r) => r.action === 'GetFunction')} GetFunction, ${count(coldRequests, (r) => r.outcome === 'RequestLimitExceeded')} throttled; sls deploy ${cold.ms} ms`,
      budget: `≤ ${BUDGET}× floor`,
      ratio: coldMs / coldFloor,
      met: coldMs / coldFloor <= BUDGET && active === FUNCTIONS,
    });

    emulator.reset();
    fs.writeFileSync(path.join(dir, 'f7.js'), handler(7, 'v2'));
    const one = await sls(dir, ['deploy', '--no-smoke'], emulator, credentials);
    const oneRequests = [...emulator.requests];
    const mutations = oneRequests.filter((r) => !/^(Get|List)[A-Z]/.test(r.action)).map((r) => `${r.action} ${r.params.FunctionName}`);
    const oneMs = apiSpan(oneRequests);
    const oneFloor = oneChangedFloorMs(FUNCTIONS, TRANSITION_MS);
    const onlyIt = mutations.length === 1 && mutations[0] === 'UpdateFunctionCode fleet-dev-f7';
    rows.push({
      name: `deploy: one of ${FUNCTIONS} functions changed`,
      figure: `${oneMs} ms, floor ${oneFloor} ms; sent ${mutations.join(', ') || 'nothing'}, ${count(oneRequests, (r) => r.outcome === 'RequestLimitExceeded')} throttled; sls deploy ${one.ms} ms`,
      budget: `≤ ${BUDGET}× floor, that function only`,
      ratio: oneMs / oneFloor,
      met: oneMs / oneFloor <= BUDGET && onlyIt,
    });
    for (const action of PEAK_ACTIONS) peaks.set(action, Math.max(peaks.get(action)!, emulator.peakPerSecond(action)));
    rows.push({
      name: 'deploy: peak requests a second (of the rate)',
      figure: PEAK_ACTIONS.map((a) => `${a} ${peaks.get(a)}/${actionRate('scf', a)}`).join(', '),
      budget: 'within each action’s rate',
      met: PEAK_ACTIONS.every((a) => peaks.get(a)! <= actionRate('scf', a)),
    });
  } finally {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

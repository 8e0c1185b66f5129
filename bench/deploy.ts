// `npm run bench -- deploy`: the real `sls deploy` of 30 functions into an empty emulator account (cold), then
// again with one function's code changed, each against the floor that the status waits and the per-action
// limits allow. The deploy's own part is timed at the emulator: from the first API request to the last (what
// serverless spends starting and packaging is shown beside it, for information).
//
// The floors: bench/floors.ts (a service in the default namespace: each function is read first).
import { execFile } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { actionRate } from '../lib/cloud/limits';
import { coldDeployFloorMs, oneChangedFloorMs } from './floors';
import { DEFAULT_TRANSITION_MS } from '../lib/emulator/scf/lifecycle';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../lib/emulator/http/server';
import { apiSpan, type BenchRow, REPO, sls } from './common';

const FUNCTIONS = 30;
const TRANSITION_MS = DEFAULT_TRANSITION_MS;
/** The deploy's API part may take this much longer than its floor (polling, round trips, a shared machine). */
const BUDGET = 1.5;

function serviceYml(n: number): string {
  const functions = Array.from({ length: n }, (_, i) => `  f${i}:\n    handler: f${i}.main\n    package:\n      patterns: ['f${i}.js']\n`).join('');
  return `service: fleet\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\nplugins:\n  - ${REPO}\npackage:\n  individually: true\n  patterns: ['!**']\nfunctions:\n${functions}`;
}

const handler = (i: number, label: string) => `exports.main = async () => ({ fn: ${i}, code: ${JSON.stringify(label)} });\n`;

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
    const coldFloor = coldDeployFloorMs(FUNCTIONS, TRANSITION_MS, 0, FUNCTIONS);
    rows.push({
      name: `deploy: cold, ${FUNCTIONS} functions (${TRANSITION_MS} ms transitions)`,
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

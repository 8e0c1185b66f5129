// `npm run bench -- release`: a canary release of 30 functions and a rollback of them, each against the floor the
// per-action rates (lib/cloud/limits.ts) allow beside the bake itself.
//   canary    from the first UpdateAlias that weights a new version to the last that promotes one: the bake, and
//             N UpdateAlias at its rate (the last function's weights cannot go out before that span, nor can its
//             promotion before its own bake ended; the figures read between are 3 × ceil(N / 10) requests)
//   rollback  from the rollback's first request to its last UpdateAlias: N ListVersionByFunction and N GetAlias
//             (side by side) at their rates, then N UpdateAlias at its rate
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startEmulator } from '../lib/emulator/http/server';
import { type BenchRow, REPO } from './common';
import { sls } from './common';
import { spanMs } from './floors';

const FUNCTIONS = 30;
const BAKE_SECONDS = 10;
const BUDGET = 1.2;

function serviceYml(n: number): string {
  const functions = Array.from({ length: n }, (_, i) => `  f${i}:\n    handler: f${i}.main\n    package:\n      patterns: ['f${i}.js']\n`).join('');
  return `service: fleet\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\nplugins:\n  - ${REPO}\npackage:\n  individually: true\n  patterns: ['!**']\ncustom:\n  scf:\n    deploy:\n      strategy: { type: canary, weight: 10, bake: ${BAKE_SECONDS}, metricsLag: 0 }\nfunctions:\n${functions}`;
}

const handler = (i: number, label: string) => `exports.main = async () => ({ fn: ${i}, code: ${JSON.stringify(label)} });\n`;

export async function benchRelease(rows: BenchRow[]): Promise<void> {
  const credentials = { secretId: 'AKIDbench' + randomBytes(6).toString('hex'), secretKey: randomBytes(20).toString('hex') };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-bench-release-'));
  fs.writeFileSync(path.join(dir, 'serverless.yml'), serviceYml(FUNCTIONS));
  for (let i = 0; i < FUNCTIONS; i++) fs.writeFileSync(path.join(dir, `f${i}.js`), handler(i, 'v1'));
  const emulator = await startEmulator({ credentials, behaviour: { transitionMs: 100 } });
  try {
    await sls(dir, ['deploy', '--no-smoke'], emulator, credentials);
    for (let i = 0; i < FUNCTIONS; i++) fs.writeFileSync(path.join(dir, `f${i}.js`), handler(i, 'v2'));
    emulator.reset();
    const deploy = await sls(dir, ['deploy', '--no-smoke'], emulator, credentials);
    const aliases = emulator.requests.filter((r) => r.action === 'UpdateAlias');
    const first = aliases.find((r) => r.params.RoutingConfig?.AdditionalVersionWeights?.length);
    const last = aliases[aliases.length - 1];
    const promoted = [...emulator.core.account.functions.values()].filter((f) => f.aliases.get('$DEFAULT')?.functionVersion === '2').length;
    const canaryMs = first && last ? last.at - first.at : 0;
    const canaryFloor = BAKE_SECONDS * 1000 + spanMs(FUNCTIONS, 'UpdateAlias');
    rows.push({
      name: `release: canary of ${FUNCTIONS} functions (10% for ${BAKE_SECONDS} s)`,
      figure: `${canaryMs} ms, floor ${canaryFloor} ms (bake + ${FUNCTIONS} UpdateAlias at 20/s); ${promoted}/${FUNCTIONS} promoted; ${emulator.requests.filter((r) => r.action === 'GetMonitorData').length} GetMonitorData; sls deploy ${deploy.ms} ms`,
      budget: `≤ ${BUDGET}× floor`,
      ratio: canaryMs / canaryFloor,
      met: canaryMs / canaryFloor <= BUDGET && promoted === FUNCTIONS,
    });

    emulator.reset();
    const rollback = await sls(dir, ['rollback'], emulator, credentials);
    const updates = emulator.requests.filter((r) => r.action === 'UpdateAlias');
    const rollbackMs = updates.length ? updates[updates.length - 1].at - emulator.requests[0].at : 0;
    const rollbackFloor = Math.max(spanMs(FUNCTIONS, 'ListVersionByFunction'), spanMs(FUNCTIONS, 'GetAlias')) + spanMs(FUNCTIONS, 'UpdateAlias');
    const back = [...emulator.core.account.functions.values()].filter((f) => f.aliases.get('$DEFAULT')?.functionVersion === '1').length;
    rows.push({
      name: `release: rollback of ${FUNCTIONS} functions`,
      figure: `${rollbackMs} ms, floor ${rollbackFloor} ms (the reads, then ${FUNCTIONS} UpdateAlias at 20/s); ${back}/${FUNCTIONS} back on version 1; sls rollback ${rollback.ms} ms`,
      budget: `≤ ${BUDGET}× floor`,
      ratio: rollbackMs / rollbackFloor,
      met: rollbackMs / rollbackFloor <= BUDGET && back === FUNCTIONS,
    });
  } finally {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run bench -- fleet`: a service at a region's limits, 250 functions in 5 namespaces of 50 (SCF's quotas),
// each with a timer trigger, run through the real `sls` against the emulator with every action held to its own
// rate: package, cold deploy, info, one function changed, smoke checks of all 250, an hour of logs of all 250,
// remove. Each row is the API part of the command (from its first request at the emulator to its last) against
// the floor the API's limits allow (bench/floors.ts); peak memory of the deploy against `sls package` of the
// same service; the emulator's own memory.
import { execFile } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { actionRate } from '../lib/cloud/limits';
import { DEFAULT_TRANSITION_MS } from '../lib/emulator/scf/lifecycle';
import { InvocationLog } from '../lib/emulator/cls/records';
import type { ClsRecord } from '../lib/cloud/types';
import { type RecordedRequest, type RunningEmulator, startEmulator } from '../lib/emulator/http/server';
import { DEFAULT_SEARCHES } from '../lib/logs/cls-source';
import { apiSpan, type BenchRow, REPO, sls } from './common';
import { coldDeployFloorMs, historyFloorMs, infoFloorMs, oneChangedFloorMs, removeFloorMs, smokeFloorMs } from './floors';

export const NAMESPACES = 5;
export const PER_NAMESPACE = 50;
const TRANSITION_MS = DEFAULT_TRANSITION_MS;
const SMOKE_RUN_MS = 2000;
/** Requests an hour of each function's history holds in the logs row (5 CLS records each). */
const REQUESTS_PER_FUNCTION = 20;
const SEARCH_LATENCY_MS = 100;
/** The searches of one topic `sls logs` keeps in flight by default (custom.scf.logs.searches): the row's floor is at that number. */
const LOG_SEARCHES = DEFAULT_SEARCHES;

/** The namespace of function i: `default` and ns1…ns4, 50 each (the region's 5 namespaces count `default`). */
export const fleetNamespace = (i: number) => (i < PER_NAMESPACE ? 'default' : `ns${Math.floor(i / PER_NAMESPACE)}`);

/** serverless.yml of the fleet: f0…f(n-1) in fleetNamespace(i), a timer each, a smoke check each (its handler runs `smokeMs`). */
export function fleetYml(functions: number, plugin = REPO, smokeMs = SMOKE_RUN_MS): string {
  const lines = Array.from({ length: functions }, (_, i) =>
    [
      `  f${i}:`,
      `    handler: f${i}.main`,
      `    namespace: ${fleetNamespace(i)}`,
      `    package: { patterns: ['f${i}.js'] }`,
      `    events:`,
      `      - timer: { name: nightly, cron: '0 0 3 * * * *' }`,
      `    smoke: { event: { ms: ${smokeMs} }, expect: { contains: '"fn":${i}' } }`,
    ].join('\n'),
  );
  return `service: fleet\nprovider:\n  name: tencent\n  runtime: Nodejs18.15\n  timeout: 30\nplugins:\n  - ${plugin}\npackage:\n  individually: true\n  patterns: ['!**']\nfunctions:\n${lines.join('\n')}\n`;
}

export const fleetHandler = (i: number, label: string) =>
  `exports.main = async (event) => {\n  await new Promise((resolve) => setTimeout(resolve, Number(event && event.ms) || 0));\n  return { fn: ${i}, code: ${JSON.stringify(label)} };\n};\n`;

/** A service directory holding the fleet. */
export function fleetService(functions: number, plugin = REPO): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-fleet-'));
  fs.writeFileSync(path.join(dir, 'serverless.yml'), fleetYml(functions, plugin));
  for (let i = 0; i < functions; i++) fs.writeFileSync(path.join(dir, `f${i}.js`), fleetHandler(i, 'v1'));
  return dir;
}

function tally(requests: RecordedRequest[]): string {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  const throttled = requests.filter((r) => r.outcome.startsWith('RequestLimitExceeded')).length;
  return `${[...counts].map(([a, n]) => `${n} ${a}`).join(', ')}${throttled ? `; ${throttled} throttled` : ''}`;
}

/** Writes `count` requests of a function into the SCF topic over [from, from + spanMs), as SCF logs them. */
function writeHistory(emulator: RunningEmulator, functionName: string, namespace: string, count: number, from: number, spanMs: number): number {
  const topic = emulator.core.cls.scfTopic();
  const batch: ClsRecord[] = [];
  for (let k = 0; k < count; k++) {
    const startMs = from + Math.floor((k * spanMs) / count);
    const log = new InvocationLog({ functionName, namespace, qualifier: '$LATEST', alias: '', requestId: randomUUID(), retryNum: 0, startMs });
    batch.push(log.start(), log.line({ timeMs: startMs, text: 'x'.repeat(120) }), ...log.end({ statusCode: 200, retMsg: '"ok"', durationMs: 1, memUsageBytes: 1 << 20, memorySize: 128 }, startMs + 1));
  }
  emulator.core.cls.append(topic.info.topicId, batch);
  return batch.length;
}

export async function benchFleet(rows: BenchRow[]): Promise<void> {
  const n = NAMESPACES * PER_NAMESPACE;
  const credentials = { secretId: 'AKIDbench' + randomBytes(6).toString('hex'), secretKey: randomBytes(20).toString('hex') };
  const dir = fleetService(n);
  const emulator = await startEmulator({ credentials, behaviour: { transitionMs: TRANSITION_MS } });
  // The emulator runs in this process: its peak RSS, sampled.
  let emulatorPeak = 0;
  const sampler = setInterval(() => (emulatorPeak = Math.max(emulatorPeak, process.memoryUsage().rss)), 100);
  const row = (name: string, ms: number, floor: number, budget: number, detail: string, ok = true) =>
    rows.push({ name: `fleet: ${name}`, figure: `${ms} ms, floor ${floor} ms; ${detail}`, budget: `≤ ${budget}× floor`, ratio: ms / floor, met: ok && ms / floor <= budget });
  const step = async (args: string[]) => {
    emulator.reset();
    process.stderr.write(`bench: fleet: sls ${args.join(' ')}…\n`);
    const run = await sls(dir, args, emulator, credentials);
    return { run, requests: [...emulator.requests] };
  };
  try {
    const packaged = await sls(dir, ['package'], emulator, credentials);

    const cold = await step(['deploy', '--no-smoke']);
    const active = [...emulator.core.account.functions.values()].filter((f) => f.status === 'Active').length;
    row(`cold deploy, ${n} functions in ${NAMESPACES} namespaces, a trigger each`, apiSpan(cold.requests), coldDeployFloorMs(n, TRANSITION_MS, 1, PER_NAMESPACE), 1.3, `${active}/${n} Active; ${tally(cold.requests)}; sls ${cold.run.ms} ms`, active === n);
    const memory = cold.run.maxRssMiB - packaged.maxRssMiB;
    rows.push({
      name: `fleet: deploy peak memory over sls package`,
      figure: `${memory >= 0 ? '+' : ''}${memory.toFixed(0)} MiB (${cold.run.maxRssMiB.toFixed(0)} vs ${packaged.maxRssMiB.toFixed(0)} MiB)`,
      budget: '≤ +100 MiB',
      met: memory <= 100,
    });

    const info = await step(['info']);
    row(`info of ${n}`, apiSpan(info.requests), infoFloorMs(n), 1.3, tally(info.requests));

    fs.writeFileSync(path.join(dir, 'f7.js'), fleetHandler(7, 'v2'));
    const one = await step(['deploy', '--no-smoke']);
    const mutations = one.requests.filter((r) => !/^(Get|List)[A-Z]/.test(r.action)).map((r) => r.action);
    row(`one of ${n} changed`, apiSpan(one.requests), oneChangedFloorMs(n, TRANSITION_MS), 1.2, `sent ${mutations.join(', ') || 'nothing'}; ${tally(one.requests)}`, mutations.includes('UpdateFunctionCode') && mutations.length <= 2);

    const smoke = await step(['smoke']);
    const passed = /All (\d+) smoke checks passed/.exec(smoke.run.stdout + smoke.run.stderr)?.[1];
    // When the last result existed at the emulator: what n cold handler processes on this machine add to the floor's
    // SMOKE_RUN_MS, which no client can poll away.
    const firstRequest = smoke.requests[0]?.at ?? 0;
    const ended = [...emulator.core.account.functions.values()].flatMap((f) => emulator.core.store.of(f.functionName, f.namespace).map((i) => i.endMs ?? 0));
    const lastResult = Math.max(0, ...ended) - firstRequest;
    row(`smoke checks of ${n} (handlers of ${SMOKE_RUN_MS} ms)`, apiSpan(smoke.requests), smokeFloorMs(n, SMOKE_RUN_MS), 1.3, `${passed ?? '?'} passed; last result existed at ${lastResult} ms; ${tally(smoke.requests)}, peak ${emulator.peakPerSecond('GetRequestStatus')}/${actionRate('scf', 'GetRequestStatus')} GetRequestStatus a second`, passed === String(n));

    // An hour of history: REQUESTS_PER_FUNCTION requests of each function, in the one topic SCF logs them to.
    const now = Date.now();
    let records = 0;
    for (let i = 0; i < n; i++) records += writeHistory(emulator, `fleet-dev-f${i}`, fleetNamespace(i), REQUESTS_PER_FUNCTION, now - 3_590_000, 3_500_000);
    // Every search answers in SEARCH_LATENCY_MS at best, as on the wire.
    Object.assign(emulator.faults, { latencyMs: SEARCH_LATENCY_MS, actions: ['SearchLog'] });
    const logs = await step(['logs', '--startTime', '1h', '--json']);
    emulator.faults.latencyMs = undefined;
    emulator.faults.actions = undefined;
    const printed = logs.run.stdout.split('\n').filter((l) => l.startsWith('{')).length;
    const searches = logs.requests.filter((r) => r.action === 'SearchLog').length;
    const peak = emulator.core.searches.peakOn(emulator.core.cls.scfTopic().info.topicId);
    row(`logs of all ${n}, an hour (${records} records), at ${LOG_SEARCHES} searches in flight`, apiSpan(logs.requests), historyFloorMs(records, LOG_SEARCHES, SEARCH_LATENCY_MS, n), 1.5, `${printed} requests printed; ${searches} searches, at most ${peak} at once; ${tally(logs.requests)}`, printed >= n * REQUESTS_PER_FUNCTION && peak <= LOG_SEARCHES);

    const removed = await step(['remove']);
    const left = emulator.core.account.functions.size;
    row(`remove of ${n}`, apiSpan(removed.requests), removeFloorMs(n, TRANSITION_MS), 1.3, `${left} left; ${tally(removed.requests)}`, left === 0);
  } finally {
    clearInterval(sampler);
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  rows.push({ name: 'fleet: emulator peak RSS', figure: `${(emulatorPeak / 1048576).toFixed(0)} MiB (the bench process, which hosts it)`, budget: 'information', met: true });
}

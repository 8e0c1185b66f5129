// `npm run bench`: measures what the plugin costs against its budgets, on the emulator. Prints a table and
// writes bench/results.json. Figures, not pass/fail tests: these machines are shared and noisy.
//   load     `sls print` with the plugin vs without: ≤ 5% more wall time, ≤ 10 MiB more peak memory
//   history  a history of 100,000 records of one function read from CLS (each search answering in 100 ms at best):
//            ≤ 1.5× the floor at the searches in flight it ran with, the default 4 and CLS's whole 15 per topic;
//            the same 20,000 requests from GetFunctionLogs at its 5 calls a second, against its floor; peak live
//            heap flat in the number of records (20,000 vs 100,000)
//   tail     the CLS tail, 100 requests a second (BENCH_TAIL_RATE) for BENCH_TAIL_SECONDS (default 120), records
//            searchable 1 s after they are written: each request printed once, complete, within two intervals
//            and a poll of being final (its Report searchable); memory flat
//   smoke    50 functions whose results take 2 s: ≤ 1.3× the floor (50 Invokes fit in one second at 100 a
//            second; the results exist at 2 s; then one poll each at 20 a second), ≤ 20 GetRequestStatus a second
//   release  a canary of 30 functions and their rollback against the rates' floor (bench/release.ts)
//   invoke-local  `sls invoke local` against `sls print` in the same service, Node.js and Python (bench/invoke-local.ts)
import { execFile, spawn } from 'child_process';
import { randomBytes, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Credentials } from '../lib/config/credentials';
import { parseEndpoint } from '../lib/config/settings';
import { createClients } from '../lib/cloud/clients';
import { systemClock } from '../lib/cloud/limiter';
import { loadService } from '../lib/emulator/service-file';
import { startEmulator } from '../lib/emulator/http/server';
import type { ClsStore } from '../lib/emulator/cls/topics';
import { InvocationLog } from '../lib/emulator/cls/records';
import type { ClsRecord } from '../lib/cloud/types';
import { readSmokeCheck } from '../lib/smoke/config';
import { runSmokeChecks } from '../lib/smoke/run';
import { benchInvokeLocal } from './invoke-local';
import { historyFloorMs } from './floors';
import { DEFAULT_SEARCHES } from '../lib/logs/cls-source';
import { CLS_TOPIC_CONCURRENCY } from '../lib/cloud/limits';
import { type BenchRow, REPO, SLS } from './common';

const EXAMPLE = path.join(REPO, 'examples', 'hello');
const credentials = { secretId: 'AKIDbench' + randomBytes(6).toString('hex'), secretKey: randomBytes(20).toString('hex') };

type Row = BenchRow;
const rows: Row[] = [];

function tempService(yml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-bench-'));
  for (const file of fs.readdirSync(EXAMPLE)) if (file.endsWith('.js')) fs.copyFileSync(path.join(EXAMPLE, file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, 'serverless.yml'), yml);
  return dir;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function timed(cwd: string): Promise<{ seconds: number; maxRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
    execFile('/usr/bin/time', ['-f', '%e %M', SLS, 'print'], { cwd, env }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`sls print failed in ${cwd}: ${stderr}`));
      const [seconds, rss] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
      resolve({ seconds, maxRssKiB: rss });
    });
  });
}

async function benchLoad(): Promise<void> {
  const body = `provider:\n  name: tencent\n  region: ap-guangzhou\nfunctions:\n  hello:\n    handler: index.hello\n  echo:\n    handler: index.echo\n`;
  const withPlugin = tempService(`service: load\n${body}plugins:\n  - ${REPO}\n`);
  const without = tempService(`service: load\nconfigValidationMode: off\n${body}`);
  const a: Array<{ seconds: number; maxRssKiB: number }> = [];
  const b: Array<{ seconds: number; maxRssKiB: number }> = [];
  await timed(withPlugin);
  await timed(without);
  for (let i = 0; i < 9; i++) {
    a.push(await timed(withPlugin));
    b.push(await timed(without));
  }
  const wallA = median(a.map((x) => x.seconds));
  const wallB = median(b.map((x) => x.seconds));
  const memDiff = (median(a.map((x) => x.maxRssKiB)) - median(b.map((x) => x.maxRssKiB))) / 1024;
  const ratio = wallA / wallB;
  rows.push({ name: 'load: sls print wall time', figure: `${wallA.toFixed(2)} s vs ${wallB.toFixed(2)} s without`, budget: '≤ 1.05×', ratio, met: ratio <= 1.05 });
  rows.push({ name: 'load: sls print peak memory', figure: `${memDiff >= 0 ? '+' : ''}${memDiff.toFixed(1)} MiB`, budget: '≤ +10 MiB', met: memDiff <= 10 });
}

function runChild(script: string, args: string[], nodeArgs: string[] = []): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [...nodeArgs, path.join(__dirname, script), ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(stderr || String(error)));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

/** Writes `count` requests into a topic as SCF does (START, a 300-byte line, Response, END, Report), over [from, from + spanMs). */
function writeClsHistory(cls: ClsStore, topicId: string, functionName: string, count: number, from: number, spanMs: number): number {
  const line = 'x'.repeat(300);
  let records = 0;
  for (let i = 0; i < count; i += 1000) {
    const batch: ClsRecord[] = [];
    for (let k = i; k < Math.min(count, i + 1000); k++) {
      const startMs = from + Math.floor((k * spanMs) / count);
      const log = new InvocationLog({ functionName, namespace: 'default', qualifier: '$LATEST', alias: '', requestId: randomUUID(), retryNum: 0, startMs });
      batch.push(log.start(), log.line({ timeMs: startMs, text: line }), ...log.end({ statusCode: 200, retMsg: '"ok"', durationMs: 1, memUsageBytes: 1 << 20, memorySize: 128 }, startMs + 1));
    }
    cls.append(topicId, batch);
    records += batch.length;
  }
  return records;
}

async function benchHistory(): Promise<void> {
  // Every SearchLog and GetFunctionLogs reply takes at least this long, as on the wire.
  const latencyMs = 100;
  const service = loadService(EXAMPLE, { env: {} });
  const emulator = await startEmulator({ service, credentials, behaviour: { withoutLogTopic: ['hello-dev-echo'] }, faults: { latencyMs, actions: ['SearchLog', 'GetFunctionLogs'] } });
  try {
    const now = Date.now();
    const from = now - 20 * 3600_000;
    const span = 20 * 3600_000;
    // CLS: each function its own topic, big enough for its history (the emulator's topics keep 50,000 by default).
    const sizes: Array<[string, number]> = [['hello-dev-hello', 20_000], ['hello-dev-chatty', 100_000]];
    for (const [fn, records] of sizes) {
      const logset = emulator.core.cls.createLogset(`bench-${fn}`);
      const topic = emulator.core.cls.createTopic({ logsetId: logset.logsetId, topicName: fn, capacity: records * 2, capacityBytes: records * 2 * 1024 });
      await emulator.core.handle('UpdateFunctionConfiguration', { FunctionName: fn, ClsLogsetId: logset.logsetId, ClsTopicId: topic.info.topicId });
      writeClsHistory(emulator.core.cls, topic.info.topicId, fn, records / 5, from, span);
    }
    emulator.core.settleTransitions();
    // GetFunctionLogs: the same 20,000 requests as the 100,000 records, on a function without a topic.
    const requests = 100_000 / 5;
    const log = `START RequestId: x\n${'x'.repeat(300)}\nEND RequestId: x\nReport RequestId: x Duration:1ms Memory:128MB MemUsage:1MB\n`;
    emulator.core.seed('hello-dev-echo', 'default', Array.from({ length: requests }, (_, i) => ({ startMs: from + Math.floor((i * span) / requests), log })));

    const child = (fn: string, heap = false, searches = DEFAULT_SEARCHES) =>
      runChild('history-child.js', [emulator.url, credentials.secretId, credentials.secretKey, fn, String(from), String(now), `--searches=${searches}`, ...(heap ? ['--heap'] : [])], heap ? ['--expose-gc'] : []);
    const chattyTopic = emulator.core.account.getFunction('default', 'hello-dev-chatty')!.config.clsTopicId!;
    // At the default (what a user gets), and at CLS's whole 15 (what custom.scf.logs.searches: 15 gets).
    const runs: Array<{ searches: number; result: any; sent: number; peak: number }> = [];
    for (const searches of [DEFAULT_SEARCHES, CLS_TOPIC_CONCURRENCY]) {
      emulator.reset();
      const result = await child('hello-dev-chatty', false, searches);
      runs.push({ searches, result, sent: emulator.requests.filter((r) => r.action === 'SearchLog').length, peak: emulator.core.searches.peakOn(chattyTopic) });
    }
    emulator.reset();
    const scf = await child('hello-dev-echo');
    const calls = emulator.requests.filter((r) => r.action === 'GetFunctionLogs').length;
    // A fixed heap cap: V8 grows its heap lazily, so RSS alone would show slack, not what the reader keeps.
    const heaps = [await child('hello-dev-hello', true), await child('hello-dev-chatty', true)];

    // Floors: the least time the API's limits allow, every reply taking `latencyMs`.
    // - CLS: SearchLog serves at most 1000 records a page (a Context chain at most 10,000) and runs at most 15
    //   searches of one topic at once (its 10,000 a second never binds here): the 100 pages, 15 at a time, are
    //   ceil(100 / 15) round trips. The plugin keeps 4 searches in flight (SCF's default topic, and its 15, serve
    //   every function of the region and every other reader), so the floor it is held to is ceil(100 / 4).
    // - GetFunctionLogs: at most 1000 entries a page, 5 calls a second: 20 pages are 5 at once, then 5 a second:
    //   (20 - 5) / 5 s, and a round trip for the last ones.
    //   The floor is at the number of searches the row ran with (custom.scf.logs.searches), the one GetFunction
    //   that finds the topic costing no round trip here.
    const scfPages = Math.ceil(requests / 1000);
    const scfFloor = (Math.max(0, scfPages - 5) * 1000) / 5 + latencyMs;
    for (const { searches, result: cls, sent, peak } of runs) {
      const floor = historyFloorMs(100_000, searches, latencyMs);
      const ok = cls.requests === requests && cls.lines === 100_000 && cls.outOfOrder === 0 && peak <= searches;
      rows.push({
        name: `history: CLS, 100,000 records of one function (${requests} requests) at ${searches} searches in flight${searches === DEFAULT_SEARCHES ? ' (the default)' : ''}`,
        figure: `${cls.ms.toFixed(0)} ms, floor ${floor} ms; ${sent} searches of ${latencyMs} ms, at most ${peak} at once`,
        budget: '≤ 1.5× floor',
        ratio: cls.ms / floor,
        met: ok && cls.ms / floor <= 1.5,
      });
    }
    rows.push({
      name: `history: GetFunctionLogs, the same ${requests} requests (${calls} calls of ${latencyMs} ms, 5 a second)`,
      figure: `${scf.ms.toFixed(0)} ms, floor ${scfFloor} ms; ${scf.requests} requests`,
      budget: 'information (the fallback)',
      ratio: scf.ms / scfFloor,
      met: scf.requests === requests && scf.outOfOrder === 0,
    });
    const live = heaps.map((h: any) => h.peakLiveMiB);
    rows.push({
      name: 'history: CLS, peak live heap, 20k / 100k records',
      figure: `${live.map((m: number) => m.toFixed(1)).join(' / ')} MiB`,
      // The reader holds at most its read-ahead (8 pages of 1000 records, and 4 searches in flight); its peak
      // depends on how full that is when sampled, which the short read seldom fills. Past that nothing grows.
      budget: 'flat (100k ≤ 20k + 3 MiB)',
      met: live[1] - live[0] <= 3 && heaps[1].lines === 100_000 && heaps[0].lines === 20_000,
    });
    rows.push({
      name: 'history: peak RSS, CLS 100k records / GetFunctionLogs 20k requests',
      figure: `${runs[0].result.maxRssMiB.toFixed(0)} / ${scf.maxRssMiB.toFixed(0)} MiB`,
      budget: 'information (V8 and allocator slack)',
      met: true,
    });
  } finally {
    await emulator.close();
  }
}

async function benchTail(): Promise<void> {
  const seconds = Number(process.env.BENCH_TAIL_SECONDS ?? 120);
  const rate = Number(process.env.BENCH_TAIL_RATE ?? 100);
  const intervalMs = 1000;
  // CLS makes a record searchable a moment after it is written; each search takes 50 ms at best.
  const indexDelayMs = 1000;
  const service = loadService(EXAMPLE, { env: {} });
  const emulator = await startEmulator({ service, credentials, behaviour: { logIndexDelayMs: indexDelayMs }, faults: { latencyMs: 50, actions: ['SearchLog'] } });
  const fn = 'hello-dev-hello';
  const topicId = emulator.core.account.getFunction('default', fn)!.config.clsTopicId!;
  const child = spawn(process.execPath, ['--expose-gc', path.join(__dirname, 'tail-child.js'), emulator.url, credentials.secretId, credentials.secretKey, fn, String(intervalMs)]);
  const printed = new Map<string, number[]>();
  let lateLines = 0;
  let buffer = '';
  child.stdout.on('data', (d) => {
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      const parts = line.split(' ');
      if (parts[1] === 'late') {
        lateLines++;
        continue;
      }
      printed.set(parts[1], [...(printed.get(parts[1]) ?? []), Number(parts[0])]);
    }
  });
  const samples: any[] = [];
  child.stderr.on('data', (d) => {
    for (const line of String(d).split('\n').filter(Boolean)) {
      try {
        samples.push(JSON.parse(line));
      } catch {
        process.stderr.write(line + '\n');
      }
    }
  });
  while (!samples.some((s) => s.fromMs)) await new Promise((r) => setTimeout(r, 50));
  const tailFrom = samples.find((s) => s.fromMs).fromMs as number;
  await new Promise((r) => setTimeout(r, 500));
  /** When each request became final: its Report searchable (written + the index delay). */
  const finalAt = new Map<string, number>();
  const running: Array<{ log: InvocationLog; id: string; startMs: number; finishAt: number }> = [];
  const started = Date.now();
  let n = 0;
  const write = (records: ClsRecord[]) => emulator.core.cls.append(topicId, records);
  const end = (log: InvocationLog, startMs: number, endMs: number) => log.end({ statusCode: 200, retMsg: '"ok"', durationMs: endMs - startMs, memUsageBytes: 1 << 20, memorySize: 128 }, endMs);
  // `rate` requests a second, as SCF writes them: most whole at once, 20% running for 1.5 s first, 10% written
  // 5 s late with their own times (indexed late; not expected when they started before the tail began).
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      for (const r of running.splice(0)) {
        if (r.finishAt <= now) {
          write(end(r.log, r.startMs, now));
          finalAt.set(r.id, now + indexDelayMs);
        } else running.push(r);
      }
      const due = Math.floor(((now - started) / 1000) * rate) - n;
      for (let i = 0; i < due; i++, n++) {
        const kind = n % 10;
        const id = randomUUID();
        const startMs = kind === 2 ? now - 5000 : now;
        const log = new InvocationLog({ functionName: fn, namespace: 'default', qualifier: '$LATEST', alias: '', requestId: id, retryNum: 0, startMs });
        const begun = [log.start(), log.line({ timeMs: startMs + 1, text: `request ${n}` })];
        if (kind < 2) {
          write(begun);
          running.push({ log, id, startMs, finishAt: now + 1500 });
          continue;
        }
        write([...begun, ...end(log, startMs, startMs + 5)]);
        if (startMs >= tailFrom) finalAt.set(id, now + indexDelayMs);
      }
      if (now - started >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
  while (running.length) {
    const r = running.shift()!;
    await new Promise((res) => setTimeout(res, Math.max(0, r.finishAt - Date.now())));
    write(end(r.log, r.startMs, Date.now()));
    finalAt.set(r.id, Date.now() + indexDelayMs);
  }
  await new Promise((r) => setTimeout(r, indexDelayMs + intervalMs * 2 + 500));
  const searches = emulator.requests.filter((r) => r.action === 'SearchLog');
  const searchSeconds = (searches[searches.length - 1].at - searches[0].at) / 1000;
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  await emulator.close();

  const missed = [...finalAt.keys()].filter((id) => !printed.has(id)).length;
  const twice = [...printed.values()].filter((times) => times.length > 1).length;
  const unexpected = [...printed.keys()].filter((id) => !finalAt.has(id)).length;
  const latencies = [...finalAt].filter(([id]) => printed.has(id)).map(([id, at]) => printed.get(id)![0] - at).sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length * 0.5)] ?? 0;
  const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  const max = latencies[latencies.length - 1] ?? 0;
  // The tail reads the last 10 s again at each poll: memory is compared once that window has filled (after 20 s).
  const steady = samples.filter((s) => s.liveMiB !== undefined && s.at - started >= 20_000);
  const half = Math.max(1, Math.floor(steady.length / 2));
  const early = steady.length ? Math.max(...steady.slice(0, half).map((s) => s.liveMiB)) : NaN;
  const late = steady.length ? Math.max(...steady.slice(-half).map((s) => s.liveMiB)) : NaN;
  const remembered = steady.map((s) => s.remembered);
  rows.push({
    name: `tail: CLS, ${n} requests over ${seconds} s (${rate}/s, ${n * 5} records, indexed ${indexDelayMs} ms late)`,
    figure: `${missed} missed, ${twice} twice, ${unexpected} unexpected, ${lateLines} records after their request`,
    budget: 'none missed, none twice',
    met: missed === 0 && twice === 0 && unexpected === 0 && lateLines === 0,
  });
  rows.push({
    name: 'tail: CLS, final (Report searchable) → printed',
    figure: `p50 ${p50} ms, p99 ${p99} ms, max ${max} ms; ${(searches.length / searchSeconds).toFixed(1)} searches a second`,
    // A Report found by a poll of several searches waits for the next poll (see ClsTail.poll): two intervals.
    budget: `≤ ${2 * intervalMs + 500} ms (two intervals and a poll)`,
    met: max <= 2 * intervalMs + 500,
  });
  rows.push({
    name: 'tail: CLS, live heap after the window fills',
    figure: steady.length ? `${early.toFixed(1)} → ${late.toFixed(1)} MiB; records kept ${Math.min(...remembered)}–${Math.max(...remembered)}` : 'run ≥ 30 s to see',
    budget: 'flat (≤ +2 MiB)',
    met: steady.length > 0 && late - early <= 2,
  });
}

async function benchSmoke(): Promise<void> {
  const count = 50;
  const functions = Array.from({ length: count }, (_, i) => `  f${i}:\n    handler: index.slow\n    timeout: 30\n`).join('');
  const dir = tempService(`service: many\nprovider:\n  name: tencent\nfunctions:\n${functions}`);
  const service = loadService(dir, { env: {} });
  // Each action held to its own rate from the API's table, as the cloud does.
  const emulator = await startEmulator({ service, credentials });
  try {
    const client = createClients({ endpoints: { scf: parseEndpoint(emulator.url) }, region: 'ap-guangzhou', credentials: new Credentials(credentials.secretId, credentials.secretKey, undefined, 'bench') }).scf;
    const checks = service.functions.map((f) => readSmokeCheck({ key: f.key, target: { functionName: f.functionName, namespace: f.namespace }, smoke: { event: { ms: 2000 } }, functionTimeout: 10 }, {}, dir)!);
    const started = Date.now();
    const results = await runSmokeChecks(client, checks, { concurrency: count, clock: systemClock });
    const ms = Date.now() - started;
    // The results exist 2 s after the invokes; the last of `count` polls can go (ceil(count / 20) - 1) s later.
    const floor = (Math.ceil(count / 20) - 1) * 1000 + 2000;
    const peak = emulator.peakPerSecond('GetRequestStatus');
    const polls = emulator.requests.filter((r) => r.action === 'GetRequestStatus').length;
    const passed = results.filter((r) => r.passed).length;
    // When the last result existed at the emulator: what the 50 cold processes on this machine cost on top.
    const lastResult = Math.max(...service.functions.flatMap((f) => emulator.core.store.of(f.functionName, f.namespace).map((i) => i.endMs ?? 0))) - started;
    rows.push({ name: `smoke: ${count} functions × 2 s`, figure: `${ms} ms, floor ${floor} ms; ${passed}/${count} passed, ${polls} polls`, budget: '≤ 1.3× floor', ratio: ms / floor, met: ms / floor <= 1.3 && passed === count });
    rows.push({ name: 'smoke: last result available → all judged', figure: `${lastResult} ms → ${ms} ms`, budget: 'information', ratio: ms / lastResult, met: true });
    rows.push({ name: 'smoke: GetRequestStatus per second', figure: `peak ${peak}`, budget: '≤ 20', met: peak <= 20 });
  } finally {
    await emulator.close();
  }
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const benches: Record<string, () => Promise<void>> = {
    load: benchLoad,
    history: benchHistory,
    tail: benchTail,
    smoke: benchSmoke,
    deploy: async () => (await import('./deploy')).benchDeploy(rows),
    release: async () => (await import('./release')).benchRelease(rows),
    fleet: async () => (await import('./fleet')).benchFleet(rows),
    'invoke-local': () => benchInvokeLocal(rows),
  };
  for (const [name, bench] of Object.entries(benches)) {
    if (only && only !== name) continue;
    process.stderr.write(`bench: ${name}…\n`);
    await bench();
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => [r.name, r.figure, r.budget][i].length)));
  const lines = rows.map((r) => `${r.name.padEnd(widths[0])}  ${r.figure.padEnd(widths[1])}  ${r.budget.padEnd(widths[2])}  ${r.ratio !== undefined ? `${r.ratio.toFixed(2)}×` : '     '}  ${r.met ? 'met' : 'NOT MET'}`);
  process.stdout.write(lines.join('\n') + '\n');
  // A partial run (`npm run bench -- tail`) replaces its own part's rows and keeps the others'.
  const file = path.join(REPO, 'bench', 'results.json');
  const partOf = (row: Row) => row.name.split(':')[0];
  const ran = new Set(rows.map(partOf));
  const previous: Row[] = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')).rows ?? []) : [];
  const order = Object.keys(benches);
  const merged = [...previous.filter((r) => !ran.has(partOf(r))), ...rows].sort((a, b) => order.indexOf(partOf(a)) - order.indexOf(partOf(b)));
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, rows: merged }, null, 2) + '\n');
  process.stdout.write(`written to ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});

// `npm run bench -- invoke-local`: what `sls invoke local` costs beyond serverless's own start. In the same
// service, the wall time of `sls invoke local -f hello` against `sls print` (which loads serverless, the
// service and the plugin, and runs nothing); the difference is the handler's process, its runtime's start
// (node, python3) and the run. Medians of several runs, Node.js and Python.
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type BenchRow, REPO, SLS } from './common';

const RUNS = 7;

function copy(example: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-bench-local-'));
  fs.cpSync(path.join(REPO, 'examples', example), dir, { recursive: true, filter: (s) => !/[\\/](\.serverless|node_modules)$/.test(s) });
  const file = path.join(dir, 'serverless.yml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^plugins:\n(  - .*\n)+/m, `plugins:\n  - ${REPO}\n`));
  return dir;
}

function wall(cwd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
    const started = process.hrtime.bigint();
    execFile(process.execPath, [SLS, ...args], { cwd, env }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`sls ${args.join(' ')} failed in ${cwd}: ${stderr}`));
      resolve(Number(process.hrtime.bigint() - started) / 1e9);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function benchInvokeLocal(rows: BenchRow[]): Promise<void> {
  for (const [example, label] of [
    ['hello', 'Node.js'],
    ['python', 'Python'],
  ] as const) {
    const dir = copy(example);
    try {
      const invoke = ['invoke', 'local', '-f', 'hello', '--data', '{"name":"bench"}'];
      await wall(dir, ['print']);
      await wall(dir, invoke);
      const print: number[] = [];
      const local: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        print.push(await wall(dir, ['print']));
        local.push(await wall(dir, invoke));
      }
      const p = median(print);
      const l = median(local);
      // Budget: a handler's process start (node ~50 ms, python3 ~30 ms) and the run, well under half a second.
      rows.push({ name: `invoke-local: ${label} sls invoke local vs sls print`, figure: `${l.toFixed(2)} s vs ${p.toFixed(2)} s (+${Math.round((l - p) * 1000)} ms)`, budget: '≤ +500 ms', ratio: l / p, met: l - p <= 0.5 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

// Runs one SCF handler invocation in its own process, as the SCF Node.js runtime does: console output is
// prefixed with time and request id, the handler may be async or take a callback, and the outcome goes back
// to the emulator over IPC.
import { format } from 'util';
import { pathToFileURL } from 'url';

interface Job {
  module: string;
  exportName: string;
  event: unknown;
  requestId: string;
  functionName: string;
  namespace: string;
  memoryLimitMb: number;
  timeoutMs: number;
}

interface Outcome {
  ok: boolean;
  result?: unknown;
  error?: { message: string; name: string; stack?: string };
  memUsage: number;
}

// Loads ES modules too; written so TypeScript keeps a real dynamic import.
const dynamicImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<any>;

let settled = false;

function finish(error: unknown, result?: unknown): void {
  if (settled) return;
  settled = true;
  const outcome: Outcome = { ok: !error, memUsage: process.memoryUsage().rss };
  if (error) {
    const e = error instanceof Error ? error : new Error(typeof error === 'string' ? error : format('%o', error));
    outcome.error = { message: e.message, name: e.name, stack: e.stack };
  } else {
    outcome.result = result;
  }
  process.send!(outcome, () => process.exit(0));
}

async function load(job: Job): Promise<any> {
  try {
    return require(job.module);
  } catch (error: any) {
    if (error?.code !== 'ERR_REQUIRE_ESM' && !/\.mjs$/.test(job.module)) throw error;
    return dynamicImport(pathToFileURL(require.resolve(job.module)).href);
  }
}

async function run(job: Job): Promise<void> {
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const stream = method === 'error' || method === 'warn' ? process.stderr : process.stdout;
    console[method] = (...args: unknown[]) => {
      stream.write(`${new Date().toISOString()}\t${job.requestId}\t${format(...args)}\n`);
    };
  }
  const started = Date.now();
  const context = {
    request_id: job.requestId,
    function_name: job.functionName,
    namespace: job.namespace,
    function_version: '$LATEST',
    memory_limit_in_mb: job.memoryLimitMb,
    time_limit_in_ms: job.timeoutMs,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, job.timeoutMs - (Date.now() - started)),
  };
  const mod = await load(job);
  const handler = mod?.[job.exportName] ?? mod?.default?.[job.exportName];
  if (typeof handler !== 'function') {
    throw new Error(`Handler "${job.exportName}" is not a function exported by ${job.module}`);
  }
  const returned = handler(job.event, context, (error: unknown, result: unknown) => finish(error, result));
  if (returned && typeof returned.then === 'function') {
    returned.then((result: unknown) => finish(null, result), (error: unknown) => finish(error ?? new Error('Promise rejected')));
  } else if (handler.length < 3) {
    finish(null, returned);
  }
}

process.on('uncaughtException', (error) => finish(error));
process.on('unhandledRejection', (error) => finish(error ?? new Error('Unhandled promise rejection')));
process.once('message', (job: Job) => {
  run(job).catch((error) => finish(error));
});

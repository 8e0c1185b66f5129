// Runs a handler in a child process with the function's timeout, capturing stdout and stderr as its log.
import { type ChildProcess, fork } from 'child_process';
import * as path from 'path';
import type { EmulatedFunction } from './service-file';

export type RunStatus = 'succeeded' | 'failed' | 'timeout' | 'terminated';

export interface RunResult {
  status: RunStatus;
  /** The handler's return value, JSON text. */
  retMsg: string;
  /** The error as SCF reports it, JSON text; "" on success. */
  errMsg: string;
  /** Console output of the run, in the runtime's format. */
  output: string;
  durationMs: number;
  memUsage: number;
}

export interface RunningInvocation {
  done: Promise<RunResult>;
  /** Stops the run: SIGTERM first with a grace period when asked, SIGKILL otherwise. */
  terminate(grace: boolean): void;
}

const CHILD = path.join(__dirname, 'handler-child.js');
const GRACE_MS = 2000;

export function runHandler(fn: EmulatedFunction, event: unknown, requestId: string, cwd: string): RunningInvocation {
  const started = process.hrtime.bigint();
  const timeoutMs = fn.timeout * 1000;
  const child: ChildProcess = fork(CHILD, [], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: [],
    env: { ...process.env, SCF_FUNCTIONNAME: fn.functionName, SCF_NAMESPACE: fn.namespace, TENCENTCLOUD_SECRET_KEY: '', TENCENTCLOUD_SESSION_TOKEN: '' },
    serialization: 'advanced',
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    // Bound what one run keeps: SCF itself truncates logs.
    if (output.length < 1_000_000) output += chunk.toString('utf8');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  let outcome: any;
  let stopped: RunStatus | undefined;
  child.once('message', (message) => (outcome = message));

  const timer = setTimeout(() => {
    stopped = 'timeout';
    child.kill('SIGKILL');
  }, timeoutMs);

  const done = new Promise<RunResult>((resolve) => {
    const finish = (spawnError?: Error) => {
      clearTimeout(timer);
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const memUsage = Number(outcome?.memUsage ?? 0);
      const base = { output, durationMs, memUsage };
      if (stopped === 'terminated') {
        resolve({ ...base, status: 'terminated', retMsg: '', errMsg: errorJson('Terminated', 'The invocation was terminated', requestId, 439) });
      } else if (stopped === 'timeout' && !outcome) {
        const message = `Invoking task timed out after ${fn.timeout} seconds`;
        resolve({ ...base, status: 'timeout', retMsg: '', errMsg: errorJson('TimeLimitExceeded', message, requestId, 433) });
      } else if (outcome?.ok) {
        resolve({ ...base, status: 'succeeded', retMsg: toRetMsg(outcome.result), errMsg: '' });
      } else {
        const e = outcome?.error ?? { message: spawnError?.message ?? 'The function process exited before it answered', name: 'Error' };
        resolve({ ...base, status: 'failed', retMsg: '', errMsg: errorJson(e.name, e.message, requestId, 430, e.stack) });
      }
    };
    child.once('error', (error) => finish(error));
    child.once('close', () => finish());
  });

  child.send({
    module: fn.handlerModule,
    exportName: fn.handlerExport,
    event,
    requestId,
    functionName: fn.functionName,
    namespace: fn.namespace,
    memoryLimitMb: fn.memorySize,
    timeoutMs,
  });

  return {
    done,
    terminate(grace: boolean) {
      if (child.exitCode !== null || stopped) return;
      stopped = 'terminated';
      if (grace) {
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), GRACE_MS).unref();
      } else child.kill('SIGKILL');
    },
  };
}

/** SCF returns a handler's value JSON-encoded: a string "ok" comes back as "\"ok\"". */
function toRetMsg(result: unknown): string {
  try {
    return JSON.stringify(result === undefined ? null : result);
  } catch {
    return String(result);
  }
}

function errorJson(name: string, message: string, requestId: string, statusCode: number, stack?: string): string {
  return JSON.stringify({ errorCode: -1, errorMessage: message, errorType: name, requestId, stackTrace: stack ?? '', statusCode });
}

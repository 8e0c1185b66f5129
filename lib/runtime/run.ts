// Runs one invocation in a process of its own, as SCF does: a bootstrap of ours (Node.js or Python) in its
// own process group, the job on stdin, the answer on fd 3, stdout and stderr (one pipe, in the order written)
// as the log. The run ends when the handler answers or its process exits; then the whole group is killed and
// the pipes are read to their end (bounded), so nothing the handler wrote is lost and nothing it started lives on.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Readable } from 'stream';
import { handlerEnvironment, parseHandler, scfContext } from './environment';
import { ANSWER_FD, type Job } from './job';
import { DEFAULT_LOG_CAP_BYTES, LineSplitter, LogCollector } from './log';
import { type Answer, type EndReason, type Ending, MAX_RETURN_BYTES, parseAnswer, runResult } from './outcome';
import { findPython } from './python';
import { mountLayers } from './layers';
import { pythonCommands, RUNNABLE_DESCRIPTION, type RuntimeFamily, runtimeFamily, versionWarning } from './runtimes';
import type { FunctionSpec, Interpreter, RunningInvocation, RunOptions, RunResult } from './types';

export const NODE_BOOTSTRAP = path.join(__dirname, 'node', 'bootstrap.js');
export const PYTHON_BOOTSTRAP = path.join(__dirname, 'python', 'bootstrap.py');

/** terminate(grace): SIGTERM, then SIGKILL this much later. */
const KILL_GRACE_MS = 2000;
/** A bootstrap exits by itself right after answering; past this it is killed. */
const EXIT_AFTER_ANSWER_MS = 1000;
/** After the group is killed, the pipes are read to their end for at most this long. */
const DRAIN_MS = 500;
const MEMORY_SAMPLE_MS = 100;
/** An answer is a return value (at most 6 MB) and some JSON around it. */
const MAX_ANSWER_BYTES = MAX_RETURN_BYTES + 1024 * 1024;
/** What a runtime prints when it runs out of memory. */
const OUT_OF_MEMORY: Record<RuntimeFamily, RegExp> = {
  nodejs: /JavaScript heap out of memory|Reached heap limit/,
  python: /^(MemoryError|Fatal Python error: .*memory)/i,
};

interface Launch {
  family: RuntimeFamily;
  command: string;
  args: string[];
  interpreter: Interpreter;
  handlerFile: string;
  handlerExport: string;
}

/** Starts one invocation of `spec`. Never throws: a run that cannot start is a failed result. */
export function runFunction(spec: FunctionSpec, run: RunOptions): RunningInvocation {
  let stop: ((grace: boolean) => void) | undefined;
  let stopBeforeStart: boolean | undefined;
  const warnings: string[] = [];

  const done = (async (): Promise<RunResult> => {
    const notStarted = (statusCode: number, errorType: string, errorMessage: string, interpreter?: Interpreter): RunResult => {
      const now = Date.now();
      return runResult({
        requestId: run.requestId,
        family: runtimeFamily(spec.runtime),
        timeoutSeconds: spec.timeout,
        memorySizeMb: spec.memorySize,
        ending: { reason: 'not-started', notStarted: { statusCode, errorType, errorMessage } },
        lines: [],
        truncatedBytes: 0,
        startMs: now,
        endMs: now,
        durationMs: 0,
        memUsageBytes: 0,
        interpreter,
        warnings,
      });
    };
    const family = runtimeFamily(spec.runtime);
    if (!family) {
      return notStarted(500, 'UnsupportedRuntime', `The runtime ${spec.runtime} does not run locally: the runtimes that do are ${RUNNABLE_DESCRIPTION}.`);
    }
    const handler = parseHandler(spec.handler);
    if (typeof handler === 'string') return notStarted(437, 'HandlerNotFound', handler);
    if (!isDirectory(spec.codeDir)) return notStarted(500, 'InternalError', `The code directory ${spec.codeDir} does not exist.`);

    const layers = mountLayers(spec.layerDirs ?? [], spec.layerCacheDir);
    const { env, dropped } = handlerEnvironment(spec, family, process.env, run.extraEnv, layers?.dir);
    if (dropped.length) warnings.push(`Left out of the handler's environment, which cannot hold them: ${dropped.join(', ')}.`);

    let launch: Launch;
    if (family === 'nodejs') {
      launch = {
        family,
        command: process.execPath,
        // The old space gets the function's memory: a handler that needs more dies as it would on SCF.
        args: [`--max-old-space-size=${Math.max(16, Math.floor(spec.memorySize))}`, NODE_BOOTSTRAP, '--group-leader'],
        interpreter: { command: process.execPath, version: process.versions.node },
        handlerFile: handler.file,
        handlerExport: handler.exportName,
      };
    } else {
      if (!fs.existsSync(PYTHON_BOOTSTRAP)) {
        return notStarted(500, 'InternalError', `The Python bootstrap ${PYTHON_BOOTSTRAP} is missing: the build copies it there (npm run build).`);
      }
      const found = await findPython(spec.runtime, env);
      if (!found.interpreter) {
        return notStarted(500, 'InterpreterNotFound', `No Python interpreter for ${spec.runtime}: neither ${found.tried.join(' nor ')} runs from PATH.`);
      }
      const [preferred] = pythonCommands(spec.runtime);
      // One warning for one fact: the interpreter found instead, and its version when it differs.
      const differs = versionWarning(spec.runtime, found.interpreter.version) ? ` (Python ${found.interpreter.version})` : '';
      if (found.interpreter.name !== preferred) {
        warnings.push(`${preferred} is not on PATH (or does not run): ${spec.runtime} runs with ${found.interpreter.name}${differs}.`);
      }
      launch = {
        family,
        command: found.interpreter.command,
        args: ['-u', PYTHON_BOOTSTRAP, '--group-leader'],
        interpreter: { command: found.interpreter.command, version: found.interpreter.version },
        handlerFile: handler.file,
        handlerExport: handler.exportName,
      };
    }
    const mismatch = versionWarning(spec.runtime, launch.interpreter.version);
    if (mismatch && !warnings.some((w) => w.includes(' is not on PATH '))) warnings.push(mismatch);

    await spawnTurn();
    if (stopBeforeStart !== undefined) {
      const now = Date.now();
      return runResult({
        requestId: run.requestId,
        family,
        timeoutSeconds: spec.timeout,
        memorySizeMb: spec.memorySize,
        ending: { reason: 'terminated' },
        lines: [],
        truncatedBytes: 0,
        startMs: now,
        endMs: now,
        durationMs: 0,
        memUsageBytes: 0,
        interpreter: launch.interpreter,
        warnings,
      });
    }
    run.onStarting?.(warnings);
    return new Promise<RunResult>((resolve) => {
      const invocation = new HandlerProcess(spec, run, launch, env, warnings, resolve, notStarted);
      stop = (grace) => invocation.terminate(grace);
    }).finally(() => layers?.release());
  })();

  return {
    done,
    terminate(grace: boolean) {
      if (stop) stop(grace);
      else stopBeforeStart ??= grace;
    },
  };
}

let spawnQueue: Promise<void> = Promise.resolve();

/**
 * Handler processes start one per turn of the event loop. A spawn forks this process, which blocks it for
 * milliseconds (tens on a loaded machine): the emulator starting 64 at once stopped answering requests for seconds,
 * long enough for its clients' kept-alive connections to be reset. Between two spawns the loop serves what is due.
 */
function spawnTurn(): Promise<void> {
  const turn = spawnQueue.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  spawnQueue = turn;
  return turn;
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** One handler process, from spawn to result. */
class HandlerProcess {
  private readonly child: ChildProcess | undefined;
  private readonly pid: number | undefined;
  private readonly collector: LogCollector;
  private readonly splitters: LineSplitter[] = [];
  private readonly startMs = Date.now();
  private readonly startPerf = performance.now();
  private readonly timers = new Set<NodeJS.Timeout>();
  private reason: EndReason | undefined;
  private endMs = 0;
  private endPerf = 0;
  private answer: Answer | undefined;
  private exit: Ending['exit'];
  private peakRssBytes = 0;
  private outOfMemory = false;
  private finished = false;

  constructor(
    private readonly spec: FunctionSpec,
    private readonly run: RunOptions,
    private readonly launch: Launch,
    env: Record<string, string>,
    private readonly warnings: string[],
    private readonly resolve: (result: RunResult) => void,
    notStarted: (statusCode: number, errorType: string, errorMessage: string, interpreter?: Interpreter) => RunResult,
  ) {
    this.collector = new LogCollector(run.logCapBytes ?? DEFAULT_LOG_CAP_BYTES, run.onLine);
    const job: Job = {
      requestId: run.requestId,
      event: run.event,
      context: scfContext(spec, run.requestId, run.extraEnv, run.context),
      codeDir: spec.codeDir,
      handlerFile: launch.handlerFile,
      handlerExport: launch.handlerExport,
      deadlineMs: this.startMs + spec.timeout * 1000,
      memoryLimitMb: spec.memorySize,
      maxReturnBytes: MAX_RETURN_BYTES,
    };
    let jobLine: string;
    try {
      jobLine = JSON.stringify(job) + '\n';
    } catch (error) {
      this.finished = true;
      resolve(notStarted(500, 'InternalError', `The event cannot be sent to the handler: ${(error as Error).message}.`, launch.interpreter));
      return;
    }
    try {
      // One pipe for stdout and stderr keeps the log in the order it was written; a group of its own lets
      // a timeout end everything the handler started.
      this.child = spawn('/bin/sh', ['-c', 'exec "$@" 2>&1', 'scf-handler', launch.command, ...launch.args], {
        cwd: spec.codeDir,
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (error) {
      this.finished = true;
      resolve(notStarted(500, 'InternalError', `Cannot start ${launch.command}: ${(error as Error).message}.`, launch.interpreter));
      return;
    }
    const child = this.child;
    this.pid = child.pid;
    child.on('error', (error) => {
      // Only a failed spawn has no pid; other errors (a kill that found nothing) change nothing.
      if (this.pid !== undefined || this.finished) return;
      this.finished = true;
      this.clearTimers();
      resolve(notStarted(500, 'InternalError', `Cannot start ${launch.command}: ${error.message}.`, launch.interpreter));
    });
    for (const stream of [child.stdout!, child.stderr!]) {
      const splitter = new LineSplitter((text) => this.line(text));
      this.splitters.push(splitter);
      stream.on('data', (chunk: Buffer) => splitter.write(chunk));
    }
    this.readAnswer(child.stdio[ANSWER_FD] as Readable);
    child.stdin!.on('error', () => undefined);
    child.stdin!.write(jobLine);
    child.on('exit', (code, signal) => this.exited(code, signal));

    this.every(MEMORY_SAMPLE_MS, () => this.sampleMemory());
    this.after(spec.timeout * 1000, () => {
      if (!this.markEnd('timeout')) return;
      this.sampleMemory();
      this.killGroup('SIGKILL');
    });
  }

  terminate(grace: boolean): void {
    if (!this.markEnd('terminated')) return;
    if (!grace) return this.killGroup('SIGKILL');
    this.killGroup('SIGTERM');
    this.after(KILL_GRACE_MS, () => this.killGroup('SIGKILL'));
  }

  private line(text: string): void {
    if (OUT_OF_MEMORY[this.launch.family].test(text)) this.outOfMemory = true;
    this.collector.add(text, Date.now());
  }

  private readAnswer(stream: Readable): void {
    const parts: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (this.answer) return;
      const newline = chunk.indexOf(0x0a);
      parts.push(newline < 0 ? chunk : chunk.subarray(0, newline));
      size += newline < 0 ? chunk.length : newline;
      if (newline < 0 && size <= MAX_ANSWER_BYTES) return;
      this.answer =
        size > MAX_ANSWER_BYTES
          ? { ok: false, kind: 'too-large', errorType: 'ResponseSizeTooLarge', errorMessage: `The handler's answer is over ${MAX_ANSWER_BYTES} bytes.` }
          : (parseAnswer(Buffer.concat(parts).toString('utf8')) ?? {
              ok: false,
              kind: 'error',
              errorType: 'InternalError',
              errorMessage: 'The bootstrap answered something that is not an answer.',
            });
      parts.length = 0;
      if (this.markEnd('answered')) this.after(EXIT_AFTER_ANSWER_MS, () => this.killGroup('SIGKILL'));
    });
  }

  private markEnd(reason: EndReason): boolean {
    if (this.reason) return false;
    this.reason = reason;
    this.endMs = Date.now();
    this.endPerf = performance.now();
    return true;
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.exit = { code, signal };
    this.markEnd('exited');
    this.clearTimers();
    // Whatever the handler started goes with it; then its pipes reach their end.
    this.killGroup('SIGKILL');
    void this.drain().then(() => this.finish());
  }

  private async drain(): Promise<void> {
    const child = this.child!;
    const streams = [child.stdout!, child.stderr!, child.stdio[ANSWER_FD] as Readable];
    const ended = (stream: Readable) =>
      new Promise<void>((resolve) => {
        if (stream.readableEnded || stream.destroyed) return resolve();
        stream.once('end', resolve);
        stream.once('close', resolve);
      });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(streams.map(ended)), new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(timer);
    for (const stream of streams) stream.destroy();
    child.stdin!.destroy();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const splitter of this.splitters) splitter.end();
    const { lines, truncatedBytes } = this.collector.result();
    let ending: Ending;
    // An answer written just before the exit may be read just after it.
    if (this.reason === 'exited' && this.answer) ending = { reason: 'answered', answer: this.answer };
    else ending = { reason: this.reason ?? 'exited', answer: this.answer, exit: this.exit, outOfMemory: this.outOfMemory };
    this.resolve(
      runResult({
        requestId: this.run.requestId,
        family: this.launch.family,
        timeoutSeconds: this.spec.timeout,
        memorySizeMb: this.spec.memorySize,
        ending,
        lines,
        truncatedBytes,
        startMs: this.startMs,
        endMs: this.endMs,
        durationMs: this.endPerf - this.startPerf,
        memUsageBytes: Math.max(this.peakRssBytes, this.answer?.maxRssBytes ?? 0),
        interpreter: this.launch.interpreter,
        warnings: this.warnings,
      }),
    );
  }

  private killGroup(signal: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is gone already
    }
  }

  /** Peak RSS from /proc (Linux); elsewhere the bootstrap's own report is what there is. */
  private sampleMemory(): void {
    if (this.pid === undefined || this.exit) return;
    try {
      const match = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      if (match) this.peakRssBytes = Math.max(this.peakRssBytes, Number(match[1]) * 1024);
    } catch {
      // not Linux, or the process is gone
    }
  }

  private after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private every(ms: number, action: () => void): void {
    this.timers.add(setInterval(action, ms));
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

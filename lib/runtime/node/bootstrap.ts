// Runs one SCF Node.js invocation in this process, started by lib/runtime for each invocation: reads the job
// (one JSON line) from stdin, loads the handler (CommonJS or ES module), calls it with the event and SCF's
// context, and writes one answer (a JSON line) to fd 3. Console output is stamped as SCF stamps it; stdout and
// stderr are the log. Imports nothing of ours at run time, so it starts fast.
import { Console } from 'console';
import * as fs from 'fs';
import * as path from 'path';
import { Writable } from 'stream';
import { pathToFileURL } from 'url';
import { inspect } from 'util';
import type { Job } from '../job';
import type { Answer, AnswerKind } from '../outcome';

const ANSWER_FD = 3;
const realExit = process.exit.bind(process);
const groupLeader = process.argv.includes('--group-leader');

// Blocking writes: a line written is in the pipe before the next statement, so an exit (ours or the
// handler's process.exit) loses nothing. Both streams exist before either is made blocking: opening one
// makes the pipe they share non-blocking again.
const outputs = [process.stdout, process.stderr];
for (const stream of outputs) (stream as any)._handle?.setBlocking?.(true);

let job: Job | undefined;
let answered = false;
/** The callback's outcome, held until the event loop is empty when callbackWaitsForEmptyEventLoop. */
let callbackOutcome: Outcome | undefined;
let promisePending = false;

interface Outcome {
  error?: unknown;
  value?: unknown;
  kind?: AnswerKind;
}

/** The parent is gone: end this process and everything it started. */
function parentGone(): void {
  try {
    if (groupLeader) process.kill(-process.pid, 'SIGKILL');
  } finally {
    realExit(1);
  }
}

let received = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (job) return;
  received += chunk;
  const newline = received.indexOf('\n');
  if (newline < 0) return;
  const text = received.slice(0, newline);
  received = '';
  // Still watched for the parent's death, but no longer keeping the event loop alive.
  (process.stdin as any).unref?.();
  start(JSON.parse(text) as Job).catch((error) => deliver({ error }));
});
process.stdin.on('end', parentGone);
process.stdin.on('error', parentGone);

process.on('uncaughtException', (error) => deliver({ error }));
process.on('unhandledRejection', (reason) => deliver({ error: reason ?? new Error('Unhandled promise rejection') }));
process.on('beforeExit', () => {
  // The event loop is empty: the end of a callback handler's invocation (or of one that never answered).
  if (!job || answered) return;
  if (callbackOutcome) deliver(callbackOutcome);
  else if (promisePending) {
    deliver({ error: new Error('The handler returned a promise that never settled, and nothing else was left to run.'), kind: 'unsettled' });
  } else deliver({ value: undefined });
});

function installConsole(requestId: string): void {
  const stamped = (target: NodeJS.WriteStream) =>
    new Writable({
      decodeStrings: false,
      write(chunk: string | Buffer, _encoding, done) {
        target.write(`${new Date().toISOString()}\t${requestId}\t${chunk}`);
        done();
      },
    });
  const scf = new Console({ stdout: stamped(process.stdout), stderr: stamped(process.stderr) });
  const methods = ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'dirxml', 'table', 'assert', 'count', 'countReset', 'group', 'groupCollapsed', 'groupEnd', 'time', 'timeEnd', 'timeLog'] as const;
  for (const method of methods) (console as any)[method] = (scf as any)[method].bind(scf);
}

// Written so TypeScript's CommonJS output keeps a real dynamic import.
const importModule = new Function('url', 'return import(url)') as (url: string) => Promise<any>;

class HandlerError extends Error {
  constructor(
    message: string,
    readonly kind: AnswerKind,
  ) {
    super(message);
  }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** `.mjs`, or `.js` under a package.json saying `"type": "module"`. */
function isEsModule(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (isFile(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8'))?.type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function needsImport(error: any): boolean {
  return (
    error?.code === 'ERR_REQUIRE_ESM' ||
    error?.code === 'ERR_REQUIRE_ASYNC_MODULE' ||
    (error instanceof SyntaxError && /Cannot use import statement|Unexpected token 'export'|import\.meta/.test(error.message))
  );
}

async function loadHandler(job: Job): Promise<Function> {
  const base = path.resolve(job.codeDir, job.handlerFile);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find(isFile);
  if (!file) {
    throw new HandlerError(`Cannot find the handler's file: ${job.handlerFile}.js (nor .mjs or .cjs) in ${job.codeDir}.`, 'handler');
  }
  let loaded: any;
  try {
    if (isEsModule(file)) loaded = await importModule(pathToFileURL(file).href);
    else {
      try {
        loaded = require(file);
      } catch (error) {
        if (!needsImport(error)) throw error;
        loaded = await importModule(pathToFileURL(file).href);
      }
    }
  } catch (error) {
    if (error && typeof error === 'object') (error as any).scfKind = 'load';
    throw error;
  }
  const handler = loaded?.[job.handlerExport] ?? loaded?.default?.[job.handlerExport];
  if (typeof handler !== 'function') {
    throw new HandlerError(`${path.relative(job.codeDir, file)} does not export a function named "${job.handlerExport}".`, 'handler');
  }
  return handler;
}

async function start(received: Job): Promise<void> {
  job = received;
  installConsole(job.requestId);
  const deadlineMs = job.deadlineMs;
  const context: Record<string, unknown> = {
    ...job.context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
  };
  const handler = await loadHandler(job);
  const callback = (error?: unknown, value?: unknown) => {
    if (callbackOutcome || answered) return;
    callbackOutcome = error !== undefined && error !== null ? { error } : { value };
    if (context.callbackWaitsForEmptyEventLoop === false) deliver(callbackOutcome);
  };
  const returned = handler(job.event, context, callback);
  if (returned && typeof returned.then === 'function') {
    promisePending = true;
    returned.then(
      (value: unknown) => {
        promisePending = false;
        deliver(callbackOutcome ?? { value });
      },
      (error: unknown) => {
        promisePending = false;
        deliver(callbackOutcome ?? { error: error ?? new Error('The handler\'s promise was rejected without a reason.') });
      },
    );
  } else if (handler.length < 3) {
    deliver({ value: returned });
  }
}

/** A stack without this bootstrap's frames: it starts in the user's code. */
function userStack(stack: unknown): string {
  if (typeof stack !== 'string') return '';
  return stack
    .split('\n')
    .filter((line) => !line.includes(__filename))
    .join('\n');
}

function errorAnswer(error: unknown, kind: AnswerKind): Answer {
  if (error instanceof HandlerError) return { ok: false, kind, errorType: 'Error', errorMessage: error.message, stackTrace: '' };
  if (error && typeof error === 'object' && 'message' in error) {
    const e = error as { name?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: string } };
    return {
      ok: false,
      kind,
      errorType: typeof e.name === 'string' && e.name ? e.name : e.constructor?.name || 'Error',
      errorMessage: String(e.message),
      stackTrace: userStack(e.stack),
    };
  }
  return { ok: false, kind, errorType: 'Error', errorMessage: typeof error === 'string' ? error : inspect(error), stackTrace: '' };
}

function valueAnswer(value: unknown, maxBytes: number): Answer {
  if (typeof value === 'function' || typeof value === 'symbol') {
    return { ok: false, kind: 'unserialisable', errorType: 'TypeError', errorMessage: `The return value is a ${typeof value}: JSON cannot represent it.`, stackTrace: '' };
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const reason = String((error as Error)?.message ?? error).replace(/\s*\n\s*/g, ' ');
    return { ok: false, kind: 'unserialisable', errorType: (error as Error)?.name ?? 'TypeError', errorMessage: `The return value cannot be serialised to JSON: ${reason}.`, stackTrace: '' };
  }
  if (text === undefined) text = 'null';
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    return { ok: false, kind: 'too-large', errorType: 'ResponseSizeTooLarge', errorMessage: `The return value is ${bytes} bytes of JSON: SCF returns at most ${maxBytes} bytes (6 MB).`, stackTrace: '' };
  }
  return { ok: true, retMsg: text };
}

function writeAnswer(text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(ANSWER_FD, bytes, offset);
    } catch (error: any) {
      if (error?.code !== 'EAGAIN') throw error;
    }
  }
}

function deliver(outcome: Outcome): void {
  if (answered || !job) return;
  answered = true;
  const failed = outcome.error !== undefined && outcome.error !== null;
  const kind = outcome.kind ?? (outcome.error as any)?.scfKind ?? (outcome.error instanceof HandlerError ? outcome.error.kind : 'error');
  const answer = failed ? errorAnswer(outcome.error, kind) : valueAnswer(outcome.value, job.maxReturnBytes);
  answer.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  try {
    writeAnswer(JSON.stringify(answer) + '\n');
  } catch {
    // the parent is gone: nothing to answer to
  }
  // Exit once what was written has reached the pipe (blocking writes make that now); a safety net if not.
  let pending = outputs.length;
  const flushed = () => {
    if (--pending === 0) realExit(0);
  };
  for (const stream of outputs) stream.write('', flushed);
  setTimeout(() => realExit(0), 1000);
}

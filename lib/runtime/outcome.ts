// From how a run ended (the handler's answer, its process's exit, a timeout, a terminate) to the result SCF
// reports: status, status code, return value or error, and the log around them. Pure.
import { platformLog, stampedLine } from './log';
import type { RuntimeFamily } from './runtimes';
import type { Interpreter, LogLine, RunResult, RunStatus } from './types';

/** SCF caps a sync invocation's return value at 6 MB. */
export const MAX_RETURN_BYTES = 6 * 1024 * 1024;

/** What a bootstrap says went wrong, when it answers with an error. */
export type AnswerKind = 'error' | 'load' | 'handler' | 'memory' | 'too-large' | 'unserialisable' | 'unsettled';

/** The one message a bootstrap writes on its answer channel: a JSON line. */
export interface Answer {
  ok: boolean;
  retMsg?: string;
  kind?: AnswerKind;
  errorType?: string;
  errorMessage?: string;
  stackTrace?: string;
  maxRssBytes?: number;
}

const KINDS: ReadonlySet<string> = new Set(['error', 'load', 'handler', 'memory', 'too-large', 'unserialisable', 'unsettled']);

export function parseAnswer(text: string): Answer | undefined {
  let value: any;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || typeof value.ok !== 'boolean') return undefined;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const answer: Answer = {
    ok: value.ok,
    retMsg: str(value.retMsg),
    kind: KINDS.has(value.kind) ? value.kind : undefined,
    errorType: str(value.errorType),
    errorMessage: str(value.errorMessage),
    stackTrace: str(value.stackTrace),
    maxRssBytes: typeof value.maxRssBytes === 'number' && value.maxRssBytes >= 0 ? value.maxRssBytes : undefined,
  };
  if (answer.ok && answer.retMsg === undefined) return undefined;
  return answer;
}

export type EndReason = 'answered' | 'exited' | 'timeout' | 'terminated' | 'not-started';

export interface Ending {
  reason: EndReason;
  answer?: Answer;
  exit?: { code: number | null; signal: string | null };
  /** The runtime itself said it ran out of memory (V8's "JavaScript heap out of memory"). */
  outOfMemory?: boolean;
  /** Why the handler could not be started, with the status code to report. */
  notStarted?: { statusCode: number; errorType: string; errorMessage: string };
}

export interface ResultInput {
  requestId: string;
  family?: RuntimeFamily;
  timeoutSeconds: number;
  memorySizeMb: number;
  ending: Ending;
  lines: LogLine[];
  truncatedBytes: number;
  startMs: number;
  endMs: number;
  durationMs: number;
  memUsageBytes: number;
  interpreter?: Interpreter;
  warnings: string[];
}

interface Failure {
  status: RunStatus;
  statusCode: number;
  errorType: string;
  errorMessage: string;
  stackTrace: string;
  /** The handler's own error (its stack or traceback goes in the log as it is) or the platform's. */
  fromHandler: boolean;
}

const KIND_STATUS: Record<AnswerKind, number> = {
  error: 430,
  unserialisable: 430,
  unsettled: 430,
  'too-large': 407,
  memory: 434,
  handler: 437,
  load: 443,
};

function describeExit(exit: Ending['exit']): string {
  if (!exit) return 'ended';
  return exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function failureOf(input: ResultInput): Failure | undefined {
  const { ending } = input;
  const platform = (status: RunStatus, statusCode: number, errorType: string, errorMessage: string): Failure => ({
    status,
    statusCode,
    errorType,
    errorMessage,
    stackTrace: '',
    fromHandler: false,
  });
  const memory = () =>
    platform('memory', 434, 'ResourceLimitExceeded', `Memory limit reached: the function needed more than its ${input.memorySizeMb} MB.`);
  switch (ending.reason) {
    case 'not-started': {
      const why = ending.notStarted ?? { statusCode: 500, errorType: 'InternalError', errorMessage: 'The handler could not be started.' };
      return platform('failed', why.statusCode, why.errorType, why.errorMessage);
    }
    case 'timeout':
      return platform('timeout', 433, 'TimeLimitExceeded', `Invoking task timed out after ${input.timeoutSeconds} seconds`);
    case 'terminated':
      return platform('terminated', 499, 'Terminated', 'The invocation was terminated');
    case 'exited':
      if (ending.outOfMemory) return memory();
      return platform('exited', 439, 'UserProcessExit', `The handler's process ${describeExit(ending.exit)} before it answered.`);
    case 'answered': {
      const answer = ending.answer!;
      if (answer.ok) return undefined;
      const kind = answer.kind ?? 'error';
      if (kind === 'memory') return memory();
      return {
        status: 'failed',
        statusCode: KIND_STATUS[kind],
        errorType: answer.errorType || 'Error',
        errorMessage: answer.errorMessage ?? '',
        stackTrace: answer.stackTrace ?? '',
        fromHandler: true,
      };
    }
  }
}

/** How the log shows a failure: the handler's stack (Node, stamped) or traceback (Python), else the message. */
function errorText(failure: Failure, input: ResultInput): string {
  const stamp = (text: string) => stampedLine(input.endMs, input.requestId, text);
  if (!failure.fromHandler) return stamp(failure.errorMessage);
  const detail = failure.stackTrace.trimEnd() || `${failure.errorType}: ${failure.errorMessage}`;
  return input.family === 'python' ? detail : stamp(detail);
}

export function runResult(input: ResultInput): RunResult {
  const failure = failureOf(input);
  const durationMs = Math.max(0, Math.round(input.durationMs * 1000) / 1000);
  const common = {
    lines: input.lines,
    truncatedBytes: input.truncatedBytes,
    startMs: input.startMs,
    endMs: input.endMs,
    durationMs,
    billDurationMs: Math.max(1, Math.ceil(durationMs)),
    memUsageBytes: input.memUsageBytes,
    interpreter: input.interpreter,
    warnings: input.warnings,
  };
  const log = (errorTextValue?: string) =>
    platformLog({
      requestId: input.requestId,
      lines: input.lines,
      errorText: errorTextValue,
      durationMs,
      memorySizeMb: input.memorySizeMb,
      memUsageBytes: input.memUsageBytes,
    });
  if (!failure) {
    return { ...common, status: 'succeeded', statusCode: 200, retMsg: input.ending.answer!.retMsg!, errMsg: '', errorType: '', errorMessage: '', log: log() };
  }
  const errMsg = JSON.stringify({
    errorCode: -1,
    errorMessage: failure.errorMessage,
    errorType: failure.errorType,
    stackTrace: failure.stackTrace,
    requestId: input.requestId,
    statusCode: failure.statusCode,
  });
  return {
    ...common,
    status: failure.status,
    statusCode: failure.statusCode,
    retMsg: '',
    errMsg,
    errorType: failure.errorType,
    errorMessage: failure.errorMessage,
    log: log(errorText(failure, input)),
  };
}

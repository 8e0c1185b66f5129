// The runtime layer's model: what to run (a function as SCF configures it), how to run it once (event, request
// id, extra environment), and what one run gave (status, value or error, log, duration, memory).

/** A function as SCF configures it: enough to run one invocation the way SCF would. */
export interface FunctionSpec {
  functionName: string;
  namespace: string;
  /** `$LATEST` or a version number. */
  version: string;
  /** SCF runtime name: Nodejs12.16 … Nodejs20.15, Python3.6 … Python3.12 (any NodejsX.Y / Python3.X runs). */
  runtime: string;
  /** `file.export`; the file is relative to codeDir and may be in a subfolder (`src/api/app.main`). */
  handler: string;
  /** Absolute: where the code is, and the run's working directory (SCF's /var/user). */
  codeDir: string;
  /** MB */
  memorySize: number;
  /** Seconds */
  timeout: number;
  /** The function's own environment (provider and function merged by the caller). */
  environment: Record<string, string>;
  region: string;
  appId?: string;
  uin?: string;
}

export interface LogLine {
  /** When the line was produced (epoch ms). */
  timeMs: number;
  text: string;
}

export interface RunOptions {
  requestId: string;
  /** Any JSON value. */
  event: unknown;
  /** Wins over everything else in the handler's environment (IS_LOCAL, `invoke local -e KEY=VAL`). */
  extraEnv?: Record<string, string>;
  /** Merged into (and winning over) the SCF context the handler receives. */
  context?: Record<string, unknown>;
  /** Each log line as it is produced (before the log is capped). */
  onLine?(line: LogLine): void;
  /** Right before the handler's process starts, with the warnings of the run so far (they come before its log). */
  onStarting?(warnings: readonly string[]): void;
  /** The log keeps its last this-many bytes (default 1 MB). */
  logCapBytes?: number;
}

export type RunStatus = 'succeeded' | 'failed' | 'timeout' | 'memory' | 'terminated' | 'exited';

export interface Interpreter {
  /** What ran the handler (an absolute path when known). */
  command: string;
  /** Its version, like 20.19.1 or 3.11.7. */
  version: string;
}

export interface RunResult {
  status: RunStatus;
  /**
   * SCF's status code: 200 success, 407 return value over 6 MB, 430 user code exception, 433 timeout,
   * 434 memory limit, 437 handler not found, 439 user process exit, 443 code failed to load, 499 terminated,
   * 500 could not run at all.
   */
  statusCode: number;
  /** JSON text of the return value; '' unless succeeded. */
  retMsg: string;
  /** The error as SCF reports it (JSON with errorCode, errorMessage, errorType, stackTrace, requestId, statusCode); '' on success. */
  errMsg: string;
  errorType: string;
  errorMessage: string;
  /** The handler's own log lines, in order, capped (a marker line first when some were dropped). */
  lines: LogLine[];
  /** Bytes of log dropped from the start by the cap. */
  truncatedBytes: number;
  /** The whole log as SCF shows it: START, the lines, the error on failure, END, Report. */
  log: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  billDurationMs: number;
  /** Peak RSS of the handler process. */
  memUsageBytes: number;
  interpreter?: Interpreter;
  /** E.g. the local interpreter's version differs from the function's runtime. */
  warnings: string[];
}

export interface RunningInvocation {
  done: Promise<RunResult>;
  /** Stops the run: with grace SIGTERM first and SIGKILL 2 s later, else SIGKILL at once. */
  terminate(grace: boolean): void;
}

// What the parent hands a bootstrap on its stdin: one JSON line. Shared by the Node.js bootstrap and, by
// shape, the Python one (lib/runtime/python/bootstrap.py reads the same keys).

export interface Job {
  requestId: string;
  event: unknown;
  /** SCF's context, JSON-able (Node adds its two functions). */
  context: Record<string, unknown>;
  codeDir: string;
  /** Relative to codeDir, `/`-separated, without extension: `src/api/app`. */
  handlerFile: string;
  handlerExport: string;
  /** Epoch ms at which the timeout fires: getRemainingTimeInMillis counts down to it. */
  deadlineMs: number;
  /** Python: the address space the handler may use, on top of the interpreter's own. */
  memoryLimitMb: number;
  /** Larger return values are refused, named. */
  maxReturnBytes: number;
}

/** The bootstrap's file descriptor for its answer (one JSON line): stdout and stderr stay the log. */
export const ANSWER_FD = 3;

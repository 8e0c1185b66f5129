// Ctrl-C (SIGINT) and SIGTERM while a command waits: the command says what the user needs to pick up where it
// stopped, then the process ends with 130, the shell's code for "interrupted". serverless sees our listener and
// leaves the exit to us. What must happen before any interrupted exit (the stage's deploy lock let go) is
// registered with `beforeInterruptedExit` and given a few seconds.
const cleanups = new Set<() => Promise<void>>();
/** How long an interrupted exit waits for its cleanups. */
const CLEANUP_MS = 10_000;
let exiting: Promise<never> | undefined;

/** Runs `task` before any interrupted exit; the returned function unregisters it. */
export function beforeInterruptedExit(task: () => Promise<void>): () => void {
  cleanups.add(task);
  return () => cleanups.delete(task);
}

/** Ends the process with 130 once the registered cleanups are done (or CLEANUP_MS passed); once, however often called. */
export function exitInterrupted(): Promise<never> {
  exiting ??= (async () => {
    const tasks = [...cleanups].map((task) => task().catch(() => undefined));
    await Promise.race([Promise.all(tasks), new Promise((resolve) => setTimeout(resolve, CLEANUP_MS).unref())]);
    process.exit(130);
  })();
  return exiting;
}

/** Listens for SIGINT and SIGTERM (once each, or on every one); the returned function stops listening. */
function onSignals(handler: (signal: NodeJS.Signals) => void, once: boolean): () => void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) (once ? process.once : process.on).call(process, signal, handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

export function onInterrupt(report: () => void): () => void {
  return onSignals(() => {
    try {
      report();
    } finally {
      void exitInterrupted();
    }
  }, true);
}

/**
 * While `task`s are registered: a signal that no command listens for (serverless's own listener aside, which
 * defers to others) ends the process through `exitInterrupted`, so the cleanups run then too.
 */
export function exitOnLoneInterrupt(): () => void {
  return onSignals((signal) => {
    // Another listener (a command's, a release's) decides what the signal means.
    if (process.listenerCount(signal) > 1) return;
    void exitInterrupted();
  }, false);
}

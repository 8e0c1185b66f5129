// Whether a function's handler can name code. Node.js, Python and PHP handlers are `file.function`; Go names an
// executable, Java `package.Class::method`, a custom runtime whatever its bootstrap reads. Pure and cheap: the plugin
// checks every function at start-up, and the emulator before it serves a service.

const EXAMPLE = 'like index.main_handler';

/** The runtimes whose handler is `file.function`: the default (Node.js), Node.js, Python and PHP. */
function wantsFileFunction(runtime: unknown): boolean {
  if (runtime === undefined || runtime === null) return true;
  return typeof runtime === 'string' && /^\s*(nodejs|python|php)/i.test(runtime);
}

/**
 * One sentence when `functions.<key>`'s handler cannot be run (missing, not a string, or with no dot for a runtime
 * that wants `file.function`), else undefined. A missing handler of Go or a custom runtime has SCF's default.
 */
export function handlerProblem(key: string, handler: unknown, runtime: unknown): string | undefined {
  const java = typeof runtime === 'string' && /^\s*java/i.test(runtime);
  if (handler === undefined || handler === null || handler === '') {
    if (java) return `functions.${key} has no handler: Java takes package.Class::method (e.g. example.Hello::mainHandler).`;
    return wantsFileFunction(runtime) ? `functions.${key} has no handler: give it "file.function", ${EXAMPLE}.` : undefined;
  }
  if (typeof handler !== 'string') return `functions.${key}.handler must be "file.function", ${EXAMPLE}, not ${JSON.stringify(handler)}.`;
  if (!wantsFileFunction(runtime)) return undefined;
  const dot = handler.lastIndexOf('.');
  if (dot <= 0 || dot === handler.length - 1) {
    return `functions.${key}.handler "${handler}" is not "file.function" (the file, a dot, the function), ${EXAMPLE}.`;
  }
  return undefined;
}

/** The problem of each function of a service, in the order serverless.yml lists them. */
export function handlerProblems(functions: Record<string, unknown>, providerRuntime: unknown): Map<string, string> {
  const problems = new Map<string, string>();
  for (const [key, raw] of Object.entries(functions ?? {})) {
    const fn = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
    // A web function has no handler: its scf_bootstrap starts it.
    if (fn.type === 'web') continue;
    const problem = handlerProblem(key, fn.handler, fn.runtime ?? providerRuntime);
    if (problem) problems.set(key, problem);
  }
  return problems;
}

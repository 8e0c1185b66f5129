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
    const problem = handlerProblem(key, fn.handler, fn.runtime ?? providerRuntime);
    if (problem) problems.set(key, problem);
  }
  return problems;
}

/** The files a handler may name in its package: Node.js `.js`, `.mjs`, `.cjs`; Python `.py`; none for other runtimes. */
export function handlerFiles(handler: string, runtime: string): string[] {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return [];
  const file = handler.slice(0, dot);
  if (/^\s*nodejs/i.test(runtime)) return ['.js', '.mjs', '.cjs'].map((ext) => `${file}${ext}`);
  if (/^\s*python/i.test(runtime)) return [`${file}.py`];
  return [];
}

/** One sentence when none of the handler's files is among a package's entries, else undefined. */
export function missingHandlerFile(key: string, handler: string, runtime: string, entries: ReadonlySet<string>, packageName: string): string | undefined {
  const files = handlerFiles(handler, runtime);
  if (!files.length || files.some((file) => entries.has(file))) return undefined;
  const looked = files.length === 1 ? files[0] : `${files.slice(0, -1).join(', ')} or ${files[files.length - 1]}`;
  // The same file in another folder of the package is most likely the one meant.
  const base = (name: string) => name.slice(name.lastIndexOf('/') + 1);
  const wanted = new Set(files.map(base));
  const elsewhere = [...entries].find((entry) => wanted.has(base(entry)) && !entry.startsWith('node_modules/'));
  const method = handler.slice(handler.lastIndexOf('.') + 1);
  const hint = elsewhere ? ` (it holds ${elsewhere}: did you mean "${elsewhere.replace(/\.[^./]+$/, '')}.${method}"?)` : '';
  return `functions.${key}.handler "${handler}" names ${looked}, which the package ${packageName} does not hold${hint}: fix the handler's path (relative to the service directory) or package.patterns.`;
}

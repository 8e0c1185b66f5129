// Finding the Python interpreter for a runtime: python3.X when it is on PATH and runs, else python3. Each name
// is probed once per PATH (a pyenv shim can be on PATH and still fail), and the interpreter's own path is
// what runs the handler, so a shim's start-up is paid once.
import { execFile } from 'child_process';
import { pythonCommands } from './runtimes';
import type { Interpreter } from './types';

export interface FoundPython {
  interpreter?: Interpreter & { name: string };
  /** The names tried, in order. */
  tried: string[];
}

const PROBE = 'import sys; print(sys.executable); print("%d.%d.%d" % sys.version_info[:3])';
const probes = new Map<string, Promise<(Interpreter & { name: string }) | undefined>>();

function probe(name: string, env: Record<string, string>): Promise<(Interpreter & { name: string }) | undefined> {
  const key = `${name}\0${env.PATH ?? ''}`;
  let found = probes.get(key);
  if (!found) {
    found = new Promise((resolve) => {
      execFile(name, ['-c', PROBE], { env, timeout: 15_000, windowsHide: true }, (error, stdout) => {
        const [executable, version] = String(stdout).trim().split('\n');
        if (error || !/^3\.\d+\.\d+/.test(version ?? '')) return resolve(undefined);
        resolve({ name, command: executable || name, version: version.trim() });
      });
    });
    probes.set(key, found);
  }
  return found;
}

/** The interpreter for `runtime` on the handler's PATH (`env` is the handler's environment). */
export async function findPython(runtime: string, env: Record<string, string>): Promise<FoundPython> {
  const tried: string[] = [];
  for (const name of pythonCommands(runtime)) {
    tried.push(name);
    const interpreter = await probe(name, env);
    if (interpreter) return { interpreter, tried };
  }
  return { tried };
}

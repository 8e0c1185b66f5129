// Which SCF runtimes run here, and how a runtime name maps to a local interpreter. Pure.

import { SCF_RUNTIMES } from '../cloud/scf-rules';

export type RuntimeFamily = 'nodejs' | 'python';

/** What a function runs on when serverless.yml names no runtime. */
export const DEFAULT_RUNTIME = 'Nodejs18.15';

const NODE = /^nodejs(\d+)(?:\.(\d+))?$/i;
const PYTHON = /^python3\.(\d+)$/i;

export function runtimeFamily(runtime: string): RuntimeFamily | undefined {
  if (NODE.test(runtime)) return 'nodejs';
  if (PYTHON.test(runtime)) return 'python';
  return undefined;
}

/** SCF's Node.js and Python 3 runtimes; any other NodejsX.Y or Python3.X name runs too. */
export const RUNNABLE_RUNTIMES: readonly string[] = SCF_RUNTIMES.filter((runtime) => runtimeFamily(runtime) !== undefined);

/** For messages that refuse a runtime: what does run. */
export const RUNNABLE_DESCRIPTION = `${RUNNABLE_RUNTIMES.join(', ')} (any NodejsX.Y or Python3.X)`;

/** The interpreter names to try for a Python runtime, best first: Python3.9 → python3.9, then python3. */
export function pythonCommands(runtime: string): string[] {
  const minor = PYTHON.exec(runtime)?.[1];
  return minor === undefined ? ['python3'] : [`python3.${minor}`, 'python3'];
}

/**
 * A warning when the local interpreter is not the version the runtime names: Node.js by major version
 * (Nodejs18.15 vs 20.x), Python by minor (Python3.9 vs 3.11). Undefined when they agree.
 */
export function versionWarning(runtime: string, localVersion: string): string | undefined {
  const local = /^v?(\d+)\.(\d+)/.exec(localVersion);
  if (!local) return undefined;
  const node = NODE.exec(runtime);
  if (node && node[1] !== local[1]) {
    return `${runtime} runs here on Node.js ${localVersion.replace(/^v/, '')}: the local major version differs from the function's runtime.`;
  }
  const python = PYTHON.exec(runtime);
  if (python && (local[1] !== '3' || python[1] !== local[2])) {
    return `${runtime} runs here on Python ${localVersion}: the local version differs from the function's runtime.`;
  }
  return undefined;
}

// The SCF runtime layer: runs one handler invocation the way SCF does (Node.js and Python 3), for
// `sls invoke local` and the emulator alike.
export { runFunction } from './run';
export { DEFAULT_RUNTIME, RUNNABLE_DESCRIPTION, RUNNABLE_RUNTIMES, type RuntimeFamily, runtimeFamily } from './runtimes';
export type { FunctionSpec, Interpreter, LogLine, RunningInvocation, RunOptions, RunResult, RunStatus } from './types';

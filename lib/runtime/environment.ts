// What a handler process gets besides its event: its environment, built from an explicit list (never a copy
// of ours), and SCF's context object. Pure.
import * as path from 'path';
import { nodeLayerPaths, pythonLayerPaths } from './layers';
import type { RuntimeFamily } from './runtimes';
import type { FunctionSpec } from './types';

/** The only variables taken from the host: enough to find interpreters and a home, nothing secret. */
export const HOST_ALLOW_LIST: readonly string[] = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'VIRTUAL_ENV'];

export interface HandlerEnvironment {
  env: Record<string, string>;
  /** Variables dropped because a process environment cannot hold them (a NUL, an `=` in a name). */
  dropped: string[];
}

function put(target: Record<string, string>, source: Record<string, string> | undefined, dropped: string[]): void {
  if (!source) return;
  for (const key of Object.keys(source)) {
    const value = source[key];
    if (key === '' || key.includes('=') || key.includes('\0') || typeof value !== 'string' || value.includes('\0')) {
      dropped.push(key);
      continue;
    }
    target[key] = value;
  }
}

/**
 * The handler's environment: a few host variables, SCF's built-ins, then the function's environment, then
 * `extraEnv`; each later layer wins.
 */
export function handlerEnvironment(
  spec: FunctionSpec,
  family: RuntimeFamily,
  host: Record<string, string | undefined>,
  extraEnv?: Record<string, string>,
  optDir?: string,
): HandlerEnvironment {
  const env: Record<string, string> = Object.create(null);
  const dropped: string[] = [];
  for (const key of HOST_ALLOW_LIST) {
    const value = host[key];
    if (typeof value === 'string' && value !== '' && !value.includes('\0')) env[key] = value;
  }
  // An active virtualenv comes first on PATH, as its activate script would have it.
  if (env.VIRTUAL_ENV) env.PATH = [path.join(env.VIRTUAL_ENV, 'bin'), env.PATH].filter(Boolean).join(path.delimiter);

  env.SCF_FUNCTIONNAME = spec.functionName;
  env.SCF_FUNCTIONVERSION = spec.version;
  env.SCF_RUNTIME = spec.runtime;
  env.SCF_NAMESPACE = spec.namespace;
  env.TENCENTCLOUD_REGION = spec.region;
  if (spec.appId) env.TENCENTCLOUD_APPID = spec.appId;
  if (spec.uin) env.TENCENTCLOUD_UIN = spec.uin;
  env.TENCENTCLOUD_RUNENV = 'SCF';
  env.USER_CODE_ROOT = spec.codeDir;
  env.PWD = spec.codeDir;
  env.TZ = 'UTC';
  // The layers' modules come after the code's own, as SCF's NODE_PATH and PYTHONPATH have them.
  if (family === 'nodejs') {
    env.NODE_PATH = [spec.codeDir, path.join(spec.codeDir, 'node_modules'), ...(optDir ? nodeLayerPaths(optDir) : [])].join(path.delimiter);
  } else {
    env.PYTHONPATH = [spec.codeDir, ...(optDir ? pythonLayerPaths(optDir) : [])].join(path.delimiter);
    env.PYTHONDONTWRITEBYTECODE = '1';
    env.PYTHONIOENCODING = 'utf-8';
  }
  put(env, spec.environment, dropped);
  put(env, extraEnv, dropped);
  return { env, dropped };
}

/**
 * SCF's context, as the handler receives it (Node adds callbackWaitsForEmptyEventLoop and
 * getRemainingTimeInMillis). `environment` is a JSON *string* of the user's variables and `environ` the same
 * as `K=V;K=V`, as SCF passes them.
 */
export function scfContext(
  spec: FunctionSpec,
  requestId: string,
  extraEnv?: Record<string, string>,
  overrides?: Record<string, unknown>,
): Record<string, unknown> {
  const userEnv: Record<string, string> = Object.create(null);
  put(userEnv, spec.environment, []);
  put(userEnv, extraEnv, []);
  userEnv.SCF_NAMESPACE = spec.namespace;
  const context: Record<string, unknown> = Object.create(null);
  context.request_id = requestId;
  context.function_name = spec.functionName;
  context.function_version = spec.version;
  context.namespace = spec.namespace;
  context.memory_limit_in_mb = spec.memorySize;
  context.time_limit_in_ms = Math.round(spec.timeout * 1000);
  context.tencentcloud_region = spec.region;
  context.tencentcloud_appid = spec.appId ?? '';
  context.tencentcloud_uin = spec.uin ?? '';
  context.environment = JSON.stringify(userEnv);
  context.environ = Object.keys(userEnv)
    .map((key) => `${key}=${userEnv[key]}`)
    .join(';');
  if (overrides) for (const key of Object.keys(overrides)) context[key] = overrides[key];
  return context;
}

export interface HandlerRef {
  /** Relative to the code directory, `/`-separated, without extension: `src/api/app`. */
  file: string;
  exportName: string;
}

/** `src/api/app.main` → its file and export; a string saying what is wrong otherwise. */
export function parseHandler(handler: string): HandlerRef | string {
  const dot = handler.lastIndexOf('.');
  const file = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  if (dot <= 0 || !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    return `The handler "${handler}" must be "file.function" (like index.main_handler or src/api/app.main).`;
  }
  const normal = path.posix.normalize(file.replace(/\\/g, '/'));
  if (file.includes('\0') || path.posix.isAbsolute(normal) || normal === '..' || normal.startsWith('../') || normal.endsWith('/')) {
    return `The handler "${handler}" must name a file inside the code directory.`;
  }
  return { file: normal, exportName };
}

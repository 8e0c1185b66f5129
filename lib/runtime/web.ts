// Web functions (SCF Type HTTP) as SCF runs them: the package's executable `scf_bootstrap` starts a server that
// listens on port 9000 (product doc 583/40690). Here the bootstrap's SCF paths are mapped to this machine
// (`/var/lang/nodeNN/bin/node` to this Node.js, `/var/lang/pythonNN/bin/python3.X` to the runtime's Python,
// `/var/user` to the code, `/opt` to the layers) and port 9000 to a free port of 127.0.0.1 (a preload in Node.js,
// sitecustomize in Python, reporting where the server listens). Used by `invoke local` and the emulator alike.
// The checks SCF's own start would fail on (and users get wrong) are pure and shared with the deploy.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as os from 'os';
import * as path from 'path';
import { handlerEnvironment } from './environment';
import { mountLayers, type MountedLayers } from './layers';
import { LineSplitter } from './log';
import { findPython } from './python';
import { runtimeFamily } from './runtimes';
import type { FunctionSpec, LogLine } from './types';

export const BOOTSTRAP_FILE = 'scf_bootstrap';
export const WEB_PORT = 9000;
const PORT_MAP_PRELOAD = path.join(__dirname, 'web', 'port-map.js');
const SITECUSTOMIZE_DIR = path.join(__dirname, 'web');

// ---- the checks ---------------------------------------------------------------------------------------------

/** The path SCF's image has for a runtime's interpreter (its "standard language environment" table). */
export function scfInterpreterPath(runtime: string): string | undefined {
  const node = /^nodejs(\d+)/i.exec(runtime);
  if (node) return `/var/lang/node${node[1]}/bin/node`;
  const python = /^python3\.(\d+)/i.exec(runtime);
  if (python) return `/var/lang/python3${python[1]}/bin/python3.${python[1]}`;
  const php = /^php(\d)\.?(\d)?/i.exec(runtime);
  if (php) return `/var/lang/php${php[1]}${php[2] ?? ''}/bin/php`;
  return undefined;
}

const BARE_COMMAND = /^\s*(?:exec\s+)?(node|nodejs|npm|npx|python|python3(?:\.\d+)?|php|java)(?=\s|$)/;
const PORT_SETTINGS = [
  /--port[= ]+["']?(\d{2,5})\b/g,
  /(?:^|\s)-p\s+(\d{2,5})\b/g,
  /\bPORT=["']?(\d{2,5})\b/g,
  /(?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\]|\*):(\d{2,5})\b/g,
];
const LOOPBACK = /(?:--host[= ]+["']?|--bind[= ]+["']?|(?:^|\s)-b\s+["']?|\bHOST=["']?)(127\.0\.0\.1|localhost)\b|(?:127\.0\.0\.1|localhost):\d{2,5}\b/;

/**
 * What SCF would fail on in a web function's scf_bootstrap (its text and whether it is executable), each as the
 * rest of a sentence after "scf_bootstrap": not executable, CRLF line endings, no shebang, an interpreter by name
 * or of another runtime, a port other than 9000, a loopback address. `runtime` is the function's.
 */
export function bootstrapProblems(text: Buffer | string, executable: boolean, runtime: string): string[] {
  const source = typeof text === 'string' ? text : text.toString('utf8');
  const problems: string[] = [];
  const want = scfInterpreterPath(runtime);
  if (!executable) problems.push('is not executable: SCF runs it as it is, so give it mode 755 (chmod 755 scf_bootstrap) before packaging');
  if (source.includes('\r\n') || source.includes('\r')) problems.push('has Windows (CRLF) line endings: SCF runs it on Linux, where each line would end in a stray \\r; convert it to LF (dos2unix scf_bootstrap)');
  if (!source.startsWith('#!')) {
    problems.push(`does not start with a shebang: its first line must be #!/bin/bash${source.charCodeAt(0) === 0xfeff ? ' (a byte-order mark stands before it: save the file without BOM)' : ''}`);
  }
  const lines = source.split(/\r?\n/).map((line) => line.replace(/\r$/, ''));
  for (const [index, line] of lines.entries()) {
    if (/^\s*#/.test(line)) continue;
    const bare = BARE_COMMAND.exec(line);
    if (bare) {
      problems.push(`runs ${bare[1]} by name (line ${index + 1}): SCF starts it only by its absolute path in the runtime's image${want ? `, ${want} for ${runtime}` : ''}`);
    }
    for (const match of line.matchAll(/\/var\/lang\/(node|python|php)(\d*)\//g)) {
      const used = `${match[1]}${match[2]}`;
      const expected = want ? /\/var\/lang\/([a-z]+\d*)\//.exec(want)?.[1] : undefined;
      // /var/lang/python3/ is the image's generic Python 3: it matches any Python 3 runtime.
      if (expected && used !== expected && used !== 'python3' && match[1] === expected.replace(/\d+$/, '')) {
        problems.push(`uses /var/lang/${used}/ (line ${index + 1}), which is not the image of ${runtime}: use ${want}`);
      }
    }
  }
  const ports = new Set<number>();
  for (const pattern of PORT_SETTINGS) for (const match of source.matchAll(pattern)) ports.add(Number(match[1]));
  if (ports.size && !ports.has(WEB_PORT)) problems.push(`sets port ${[...ports].join(', ')}: SCF sends requests to port ${WEB_PORT} only`);
  const loopback = LOOPBACK.exec(source);
  if (loopback) problems.push(`listens on ${loopback[1] ?? loopback[0].split(':')[0]}: SCF reaches the server from outside the instance, so listen on 0.0.0.0 (its page: the loopback address cannot be used)`);
  return problems;
}

/**
 * The bootstrap with its SCF paths mapped to this machine: `/var/lang/nodeNN/bin/X` to this Node.js's directory,
 * `/var/lang/pythonNN/bin/python3[.X]` to `python` (other tools of that directory to `python`'s), `/var/user` to
 * the code, `/opt` to the layers (when there are any).
 */
export function localBootstrap(text: string, paths: { node: string; python?: string; codeDir: string; optDir?: string }): string {
  let out = text.replace(/\/var\/lang\/node\d*\/bin\/([A-Za-z0-9_.-]+)/g, (_all, tool: string) => (tool === 'node' ? paths.node : path.join(path.dirname(paths.node), tool)));
  if (paths.python) {
    const python = paths.python;
    out = out.replace(/\/var\/lang\/python\d*\/bin\/([A-Za-z0-9_.-]+)/g, (_all, tool: string) => (/^python3?(\.\d+)?$/.test(tool) ? python : path.join(path.dirname(python), tool)));
  }
  out = out.replace(/\/var\/user(?=\/|\b|$)/g, paths.codeDir);
  if (paths.optDir) out = out.replace(/(^|[\s"'=:])\/opt(?=\/|[\s"':]|$)/gm, `$1${paths.optDir}`);
  return out;
}

/** The scf_bootstrap of a directory: its text and whether it is executable; undefined when there is none. */
export function readBootstrap(dir: string): { text: Buffer; executable: boolean } | undefined {
  const file = path.join(dir, BOOTSTRAP_FILE);
  try {
    return { text: fs.readFileSync(file), executable: (fs.statSync(file).mode & 0o111) !== 0 };
  } catch {
    return undefined;
  }
}

// ---- an instance ------------------------------------------------------------------------------------------

export class WebStartError extends Error {
  constructor(
    message: string,
    /** SCF's status code for it: 405 when the bootstrap exits or never listens on 9000. */
    readonly statusCode = 405,
  ) {
    super(message);
  }
}

export interface WebInstanceOptions {
  spec: FunctionSpec;
  /** Seconds the server has to listen on port 9000 (the function's InitTimeout; SCF's default 65). */
  initTimeout?: number;
  /** Each line the server writes (stdout and stderr). */
  onLine?(line: LogLine): void;
  /** Wins over everything else in the server's environment. */
  extraEnv?: Record<string, string>;
}

/** One running web function instance: its server on 127.0.0.1 (the 9000 it thinks it has). */
export interface WebInstance {
  host: string;
  port: number;
  /** Resolves when the server's process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process still runs. */
  readonly running: boolean;
  /** The last lines the server wrote (for a failure's message). */
  recentLines(): string[];
  /** Ends the process and everything it started, and removes what the start made. */
  stop(): void;
}

// A background list of a non-interactive shell reads /dev/null: the guard reads the pipe through fd 3.
const GUARD = 'exec 3<&0; "$1" </dev/null 3<&- & server=$!; ( cat <&3 >/dev/null; kill -KILL 0 ) & exec 3<&-; wait "$server"; kill -KILL 0';
const REPORT_POLL_MS = 20;
/** A server that listened on other ports and still not on 9000 this long after is not going to. */
const OTHER_PORT_GRACE_MS = 2000;
const RECENT_LINES = 20;

/** Starts the web function's scf_bootstrap and resolves once its server listens (on the port mapped for 9000). */
export async function startWebInstance(options: WebInstanceOptions): Promise<WebInstance> {
  const { spec } = options;
  const family = runtimeFamily(spec.runtime);
  if (!family) throw new WebStartError(`The runtime ${spec.runtime} does not run locally: web functions run here on Node.js and Python runtimes.`, 500);
  const found = readBootstrap(spec.codeDir);
  if (!found) throw new WebStartError(`The code has no ${BOOTSTRAP_FILE}: a web function is started by an executable ${BOOTSTRAP_FILE} at the package root.`);
  const { text } = found;
  const problems = bootstrapProblems(text, found.executable, spec.runtime).filter((p) => !p.startsWith('sets port') && !p.startsWith('listens on'));
  if (problems.length) throw new WebStartError(`${BOOTSTRAP_FILE} ${problems.join('; ')}.`);

  const layers: MountedLayers | undefined = mountLayers(spec.layerDirs ?? [], spec.layerCacheDir);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'scf-web-'));
  const cleanUp = () => {
    layers?.release();
    fs.rmSync(work, { recursive: true, force: true });
  };
  try {
    const { env } = handlerEnvironment(spec, family, process.env, options.extraEnv, layers?.dir);
    let python: string | undefined;
    if (family === 'python') {
      python = (await findPython(spec.runtime, env)).interpreter?.command;
      if (!python) throw new WebStartError(`No Python interpreter for ${spec.runtime} on PATH.`, 500);
    }
    const report = path.join(work, 'ports');
    fs.writeFileSync(report, '');
    env.SCF_EMULATOR_PORT_FILE = report;
    env.NODE_OPTIONS = [env.NODE_OPTIONS, `--require ${JSON.stringify(PORT_MAP_PRELOAD).slice(1, -1)}`].filter(Boolean).join(' ');
    env.PYTHONPATH = [SITECUSTOMIZE_DIR, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    const script = path.join(work, BOOTSTRAP_FILE);
    fs.writeFileSync(script, localBootstrap(text.toString('utf8'), { node: process.execPath, python, codeDir: spec.codeDir, optDir: layers?.dir }), { mode: 0o755 });
    return await launch(script, spec, env, options, report, cleanUp);
  } catch (error) {
    cleanUp();
    throw error;
  }
}

function launch(script: string, spec: FunctionSpec, env: Record<string, string>, options: WebInstanceOptions, report: string, cleanUp: () => void): Promise<WebInstance> {
  const recent: string[] = [];
  // A group of its own under a guard shell: when the parent dies (its stdin pipe ends) or the server exits, the
  // whole group is killed, so no server outlives the emulator or `invoke local` that started it.
  const child: ChildProcess = spawn('/bin/sh', ['-c', GUARD, 'scf-web', script], { cwd: spec.codeDir, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined);
  let running = true;
  const stop = () => {
    if (child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      // Whatever the server started goes with it.
      stop();
      cleanUp();
      resolve({ code, signal });
    });
    child.once('error', () => {
      running = false;
      cleanUp();
      resolve({ code: null, signal: null });
    });
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    const splitter = new LineSplitter((text) => {
      recent.push(text);
      if (recent.length > RECENT_LINES) recent.shift();
      options.onLine?.({ timeMs: Date.now(), text });
    });
    stream.on('data', (chunk: Buffer) => splitter.write(chunk));
    stream.on('end', () => splitter.end());
  }
  const deadline = Date.now() + (options.initTimeout ?? 65) * 1000;
  return new Promise<WebInstance>((resolve, reject) => {
    let otherSince: number | undefined;
    const fail = (message: string) => {
      clearInterval(timer);
      stop();
      reject(new WebStartError(message));
    };
    const timer = setInterval(() => {
      const lines = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').split('\n').filter(Boolean) : [];
      const mapped = lines.map((l) => l.split(' ')).find(([kind]) => kind === String(WEB_PORT));
      const tail = recent.length ? ` Its last output: ${recent.slice(-5).join(' | ')}` : '';
      if (mapped) {
        clearInterval(timer);
        resolve({
          host: mapped[2] === '::1' ? '::1' : '127.0.0.1',
          port: Number(mapped[1]),
          exited,
          get running() {
            return running;
          },
          recentLines: () => [...recent],
          stop,
        });
        return;
      }
      if (!running) return fail(`${BOOTSTRAP_FILE} exited before its server listened on port ${WEB_PORT}.${tail}`);
      const others = lines.filter((l) => l.startsWith('other ')).map((l) => l.split(' ')[1]);
      if (others.length) otherSince ??= Date.now();
      if (otherSince !== undefined && Date.now() - otherSince > OTHER_PORT_GRACE_MS) {
        return fail(`The server listens on port ${others.join(', ')}, not ${WEB_PORT}: SCF sends requests to port ${WEB_PORT} only.${tail}`);
      }
      if (Date.now() > deadline) fail(`The server did not listen on port ${WEB_PORT} within the function's init timeout (${options.initTimeout ?? 65} s).${tail}`);
    }, REPORT_POLL_MS);
  });
}

export interface WebResponse {
  statusCode: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request (http or https), read whole. */
export function httpRequest(base: URL, request: { method: string; path: string; headers?: Record<string, string>; body?: Buffer }, timeoutMs: number): Promise<WebResponse> {
  return new Promise((resolve, reject) => {
    const client = base.protocol === 'https:' ? https : http;
    const body = request.body ?? Buffer.alloc(0);
    const req = client.request(new URL(request.path, base), { method: request.method, headers: { ...request.headers, 'content-length': String(body.length) }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** One HTTP request to a running instance, read whole (what `invoke local` of a web function prints). */
export function requestInstance(instance: Pick<WebInstance, 'host' | 'port'>, request: { method: string; path: string; headers?: Record<string, string>; body?: Buffer }, timeoutMs: number): Promise<WebResponse> {
  const host = instance.host.includes(':') ? `[${instance.host}]` : instance.host;
  return httpRequest(new URL(`http://${host}:${instance.port}`), request, timeoutMs);
}

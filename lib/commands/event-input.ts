// The event of `sls invoke` and `sls invoke local`: `--data`, `--path` (JSON or YAML), or stdin when it is not
// a terminal and neither is given; `--raw` takes the text as a string. Bad input is a one-line error.
import * as fs from 'fs';
import * as path from 'path';
import { inputError } from '../cloud/errors';

export interface EventInputOptions {
  data?: string;
  path?: string;
  raw?: boolean;
}

/**
 * How long stdin may stay silent before it counts as "no event": a pipe nobody writes to (a CI runner's, a
 * parent process's) must not hang the command. Data piped in (`echo … |`, `cat … |`) is there long before.
 */
export const STDIN_FIRST_BYTE_WAIT_MS = 250;

/** The event as a value; undefined when none was given. */
export async function readEventInput(
  options: EventInputOptions,
  serviceDir: string,
  readStdin: () => Promise<string | undefined> = () => readStdinText(process.stdin),
): Promise<unknown> {
  if (options.data !== undefined && options.path !== undefined) throw inputError('Give the event with --data or --path, not both.');
  if (options.path !== undefined) return readDataFile(String(options.path), serviceDir, options.raw, '--path');
  if (options.data !== undefined) return parseEventText(String(options.data), options.raw, '--data');
  const piped = await readStdin();
  if (piped === undefined || piped.trim() === '') return undefined;
  // `echo hello | sls invoke --raw` means "hello", not "hello\n".
  return parseEventText(options.raw ? piped.replace(/\r?\n$/, '') : piped, options.raw, 'The event on stdin');
}

/** JSON text (or, with raw, the text itself as a string). */
export function parseEventText(text: string, raw: boolean | undefined, origin: string): unknown {
  if (raw) return text;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw inputError(`${origin} is not valid JSON (${(error as Error).message}); add --raw to send it as a string.`);
  }
}

/** A JSON or YAML file (`--path`, `--contextPath`), relative to the service directory. */
export function readDataFile(shown: string, serviceDir: string, raw: boolean | undefined, option: string): unknown {
  const file = path.resolve(serviceDir, shown);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error: any) {
    throw inputError(`${option} ${shown}: ${error?.code === 'ENOENT' ? 'the file does not exist' : error?.message}.`);
  }
  if (raw) return text;
  if (path.extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw inputError(`${option} ${shown} is not valid JSON: ${(error as Error).message}.`);
    }
  }
  const yaml = require('js-yaml') as typeof import('js-yaml');
  try {
    return yaml.load(text) ?? {};
  } catch (error: any) {
    throw inputError(`${option} ${shown} is not valid JSON or YAML: ${String(error?.reason ?? error?.message).split('\n')[0]}.`);
  }
}

/**
 * Stdin's text when it is a file or a pipe that brings something: undefined for a terminal, for /dev/null, and
 * for a pipe silent for `firstByteWaitMs` (then it is let go, so the command can end).
 */
export function readStdinText(stdin: NodeJS.ReadStream & { fd?: number }, firstByteWaitMs = STDIN_FIRST_BYTE_WAIT_MS): Promise<string | undefined> {
  if (stdin.isTTY) return Promise.resolve(undefined);
  const fd = typeof stdin.fd === 'number' ? stdin.fd : 0;
  let stat: fs.Stats;
  try {
    stat = fs.fstatSync(fd);
  } catch {
    return Promise.resolve(undefined);
  }
  if (stat.isFile()) return Promise.resolve(fs.readFileSync(fd, 'utf8'));
  if (!stat.isFIFO() && !stat.isSocket()) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const settle = (text: string | undefined) => {
      clearTimeout(silence);
      stdin.removeListener('data', onData);
      stdin.removeListener('end', onEnd);
      stdin.removeListener('error', onEnd);
      stdin.pause();
      if (text === undefined) stdin.destroy();
      resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      clearTimeout(silence);
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    };
    const onEnd = () => settle(Buffer.concat(chunks).toString('utf8'));
    const silence = setTimeout(() => settle(undefined), firstByteWaitMs);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onEnd);
  });
}

// `sls invoke local -f FN`: read options → run the handler here, through lib/runtime, as SCF would run it →
// print. The return value alone goes to stdout, exactly as `sls invoke` prints a deployed function's, so the
// two can be diffed; the log (live), warnings and a summary go to stderr; a failed run exits non-zero.
import { randomUUID } from 'crypto';
import { inputError, ScfError } from '../cloud/errors';
import { LIMITS } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { formatResult, functionFailed, invokeSummary } from '../render/invoke';
import { DEFAULT_RUNTIME, RUNNABLE_DESCRIPTION, runFunction, type RunResult, runtimeFamily, type FunctionSpec } from '../runtime';
import { isSampleEventKind, SAMPLE_EVENT_KINDS, sampleEvent } from '../runtime/sample-events';
import { type EventInputOptions, parseEventText, readDataFile, readEventInput } from './event-input';

export interface InvokeLocalOptions extends EventInputOptions {
  function?: string;
  /** JSON object merged into the SCF context. */
  context?: string;
  /** JSON or YAML file of an object merged into the SCF context. */
  contextPath?: string;
  /** `KEY=VAL`, repeatable. */
  env?: string | string[];
  /** Start from this trigger's sample event. */
  event?: string;
  docker?: boolean;
  namespace?: string;
  region?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `-e KEY=VAL` items → variables (split at the first `=`; `KEY=` is the empty string). */
export function parseEnvOptions(items: string | string[] | undefined): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const item of items === undefined ? [] : ([] as string[]).concat(items).map(String)) {
    const equals = item.indexOf('=');
    const key = equals < 0 ? item : item.slice(0, equals);
    if (!ENV_NAME.test(key)) throw inputError(`-e ${item}: give KEY=VALUE with KEY made of letters, digits and "_" (not starting with a digit).`);
    env[key] = equals < 0 ? '' : item.slice(equals + 1);
  }
  return env;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** provider.environment merged with the function's (the function's win); null drops a variable. */
export function mergedEnvironment(key: string, ...layers: Array<[where: string, value: unknown]>): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const [where, layer] of layers) {
    if (layer === undefined || layer === null) continue;
    if (!isPlainObject(layer)) throw inputError(`${where} of ${key} must be a mapping of variable names to values.`);
    for (const name of Object.keys(layer)) {
      const value = layer[name];
      if (value === null || value === undefined) delete env[name];
      else if (typeof value === 'object') throw inputError(`${where}.${name} must be a string, a number or a boolean, not a ${Array.isArray(value) ? 'list' : 'mapping'}.`);
      else env[name] = String(value);
    }
  }
  return env;
}

function positive(value: unknown, fallback: number, what: string): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw inputError(`${what} must be a positive number, not "${value}".`);
  return n;
}

export class InvokeLocalCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: InvokeLocalOptions,
    private readonly readStdin?: () => Promise<string | undefined>,
  ) {}

  async run(): Promise<void> {
    const { options, provider } = this;
    const { log, writeText } = provider.io;
    if (options.docker) throw inputError('--docker is not supported: invoke local runs Node.js and Python handlers with the interpreters of this machine.');
    const key = String(options.function);
    const spec = this.functionSpec(key);
    if (!runtimeFamily(spec.runtime)) {
      throw inputError(`Function ${key} has the runtime ${spec.runtime}, which does not run locally: the runtimes that do are ${RUNNABLE_DESCRIPTION}.`);
    }
    const event = await this.event();
    const size = Buffer.byteLength(JSON.stringify(event));
    if (size > LIMITS.syncEventBytes) throw inputError(`The event is ${size} bytes: SCF accepts at most ${LIMITS.syncEventBytes} bytes for a sync invoke.`);
    const context = this.context();
    const extraEnv: Record<string, string> = Object.create(null);
    extraEnv.IS_LOCAL = 'true';
    if (options.event === 'timer') extraEnv.TRIGGER_SRC = 'timer';
    Object.assign(extraEnv, parseEnvOptions(options.env));

    const requestId = randomUUID();
    // Warnings about the run (the interpreter found) come before its log, START first, as SCF writes it.
    let started = false;
    const start = () => {
      if (!started) log.notice(`START RequestId: ${requestId}`);
      started = true;
    };
    const shown = new Set<string>();
    const onStarting = (warnings: readonly string[]) => {
      for (const warning of warnings) log.warning(warning);
      warnings.forEach((w) => shown.add(w));
      start();
    };
    const running = runFunction(spec, { requestId, event, extraEnv, context, onStarting, onLine: (line) => (start(), log.notice(line.text)) });
    const result = await running.done;
    start();
    this.report(requestId, { ...result, warnings: result.warnings.filter((w) => !shown.has(w)) });
    if (result.status !== 'succeeded') {
      if (result.statusCode === 500) throw new ScfError('Plugin.RuntimeUnavailable', result.errorMessage);
      throw new ScfError('Plugin.FunctionFailed', functionFailed(spec.functionName, `${result.errorType}: ${result.errorMessage}`, requestId));
    }
    writeText(formatResult(result.retMsg));
  }

  /** What serverless.yml says of the function: its keys win over the provider's; environments merge. */
  functionSpec(key: string): FunctionSpec {
    const { provider } = this;
    const target = provider.functionTarget(key);
    const fn = provider.functionConfig(key) as Record<string, unknown>;
    const defaults = provider.providerConfig as Record<string, unknown>;
    const handler = fn.handler;
    if (typeof handler !== 'string' || handler.trim() === '') throw inputError(`functions.${key}.handler is missing: give "file.function", like index.main_handler.`);
    const runtime = fn.runtime ?? defaults.runtime ?? DEFAULT_RUNTIME;
    if (typeof runtime !== 'string') throw inputError(`The runtime of ${key} must be a name like Nodejs18.15 or Python3.9.`);
    return {
      functionName: target.functionName,
      namespace: target.namespace,
      version: '$LATEST',
      runtime,
      handler: handler.trim(),
      codeDir: provider.serviceDir,
      memorySize: positive(fn.memorySize ?? defaults.memorySize, 128, `The memorySize of ${key}`),
      timeout: positive(fn.timeout ?? defaults.timeout, 3, `The timeout of ${key}`),
      environment: mergedEnvironment(key, ['provider.environment', defaults.environment], [`functions.${key}.environment`, fn.environment]),
      region: provider.getRegion(),
    };
  }

  /** `--event KIND`'s sample, with --data/--path/stdin over it (their fields win when both are objects). */
  private async event(): Promise<unknown> {
    const { options } = this;
    let base: Record<string, unknown> | undefined;
    if (options.event !== undefined) {
      const kind = String(options.event).toLowerCase();
      if (!isSampleEventKind(kind)) throw inputError(`--event must be one of ${SAMPLE_EVENT_KINDS.join(', ')}, not "${options.event}".`);
      base = sampleEvent(kind, Date.now(), this.provider.getRegion());
    }
    const given = await readEventInput(options, this.provider.serviceDir, this.readStdin);
    if (given === undefined) return base ?? {};
    if (base && isPlainObject(given)) return { ...base, ...given };
    return given;
  }

  /** `--contextPath`, then `--context` over it: objects merged into SCF's context. */
  private context(): Record<string, unknown> | undefined {
    const { options } = this;
    const context: Record<string, unknown> = Object.create(null);
    const layers: Array<[string, unknown]> = [];
    if (options.contextPath !== undefined) layers.push(['--contextPath', readDataFile(String(options.contextPath), this.provider.serviceDir, false, '--contextPath')]);
    if (options.context !== undefined) layers.push(['--context', parseEventText(String(options.context), false, '--context')]);
    if (!layers.length) return undefined;
    for (const [option, value] of layers) {
      if (!isPlainObject(value)) throw inputError(`${option} must hold a JSON object (its keys are merged into the SCF context).`);
      Object.assign(context, value);
    }
    return context;
  }

  /** The rest of the log (the error, END, Report), warnings and the summary, on stderr. */
  private report(requestId: string, result: RunResult): void {
    const { log } = this.provider.io;
    // The START line and the handler's lines were printed live; the log's remaining lines follow them.
    const rest = result.log.split('\n').slice(1 + result.lines.length).join('\n').trimEnd();
    if (rest) log.notice(rest);
    for (const warning of result.warnings) log.warning(warning);
    log.notice(
      invokeSummary({
        functionRequestId: requestId,
        retMsg: result.retMsg,
        errMsg: result.errMsg,
        log: result.log,
        duration: result.durationMs,
        billDuration: result.billDurationMs,
        memUsage: result.memUsageBytes,
        apiRequestId: '',
      }),
    );
  }
}

// `sls invoke -f FN`: read options (the event through ./event-input) → invoke (and wait, with --wait) → print.
// The return value alone goes to stdout; request id, durations, memory and the log go to stderr.
import { inputError, plainText, ScfError } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import { type InvocationType, type InvokeResult, LIMITS } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { onInterrupt } from './interrupt';
import { formatResult, functionErrorMessage, functionFailed, invokeSummary, statusSummary } from '../render/invoke';
import { type EventInputOptions, readEventInput } from './event-input';

export interface InvokeOptions extends EventInputOptions {
  function?: string;
  type?: string;
  log?: boolean;
  qualifier?: string;
  wait?: boolean;
  /** Seconds `--wait` waits for the result. */
  timeout?: string;
  context?: string;
  contextPath?: string;
}

/** `--data`/`--path`/stdin (`--raw`) → the ClientContext JSON text. Throws a one-line error on bad input. */
export async function readEvent(options: InvokeOptions, serviceDir: string): Promise<string> {
  const event = await readEventInput(options, serviceDir);
  return JSON.stringify(event === undefined ? {} : event);
}

export function parseInvocationType(type: string | undefined): InvocationType {
  if (type === undefined) return 'RequestResponse';
  const known: Record<string, InvocationType> = { requestresponse: 'RequestResponse', event: 'Event' };
  const parsed = known[String(type).toLowerCase()];
  if (!parsed) throw inputError(`--type must be RequestResponse or Event, not "${type}".`);
  return parsed;
}

function parseWaitTimeout(value: string | undefined): number {
  if (value === undefined) return 15 * 60_000;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw inputError(`--timeout must be a positive number of seconds, not "${value}".`);
  return seconds * 1000;
}

export class InvokeCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: InvokeOptions,
  ) {}

  async run(): Promise<void> {
    const { options, provider } = this;
    const { log, writeText } = provider.io;
    if (options.context !== undefined || options.contextPath !== undefined) {
      throw inputError('SCF has no client context apart from the event: put it in --data or --path.');
    }
    const target = provider.functionTarget(String(options.function));
    const invocationType = parseInvocationType(options.type);
    if (options.wait && invocationType !== 'Event') throw inputError('--wait goes with --type Event: a sync invoke already waits.');
    const waitTimeoutMs = parseWaitTimeout(options.timeout);
    const clientContext = await readEvent(options, provider.serviceDir);
    const limit = invocationType === 'Event' ? LIMITS.asyncEventBytes : LIMITS.syncEventBytes;
    const size = Buffer.byteLength(clientContext);
    if (size > limit) {
      throw inputError(`The event is ${size} bytes: SCF accepts at most ${limit} bytes for ${invocationType === 'Event' ? 'an async' : 'a sync'} invoke.`);
    }
    const client = provider.client();
    const request = { ...target, qualifier: options.qualifier, invocationType, clientContext, logType: options.log ? ('Tail' as const) : ('None' as const) };

    if (invocationType === 'RequestResponse') {
      const result = await client.invoke(request);
      return this.report(target.functionName, result);
    }

    const invokedAtMs = Date.now();
    const accepted = await client.invoke({ ...request, logType: 'None' });
    // The request id comes from the server: printed without control sequences.
    const requestId = plainText(accepted.functionRequestId);
    if (!options.wait) {
      writeText(requestId);
      log.notice(`Async invoke accepted: RequestId ${requestId}`);
      return;
    }
    const { waitForRequest } = require('../poll/request-status') as typeof import('../poll/request-status');
    const progress = provider.io.progress.create({ message: `Waiting for ${requestId}` });
    const stopWatching = onInterrupt(() => {
      progress.remove();
      log.notice(`Stopped waiting: request ${requestId} keeps running. Find it later with: sls logs -f ${options.function} --requestId ${requestId}`);
    });
    let outcome;
    try {
      outcome = await waitForRequest(client, {
        ...target,
        functionRequestId: accepted.functionRequestId,
        invokedAtMs,
        timeoutMs: waitTimeoutMs,
        clock: systemClock,
        onState: (state) => progress.update(`${state === 'running' ? 'Running' : 'Waiting for'} ${requestId}`),
      });
    } finally {
      stopWatching();
      progress.remove();
    }
    const { status } = outcome;
    log.notice(statusSummary(status));
    if (options.log) await this.printLog(target, accepted.functionRequestId, invokedAtMs);
    if (status.retCode !== 0) {
      throw new ScfError('Plugin.FunctionFailed', functionFailed(target.functionName, functionErrorMessage(status.retMsg), status.requestId));
    }
    writeText(formatResult(status.retMsg));
  }

  /** A sync result (API 3.0 or legacy): the summary and log on stderr, the value on stdout, or the failure. */
  private report(functionName: string, result: InvokeResult): void {
    const { log, writeText } = this.provider.io;
    log.notice(invokeSummary(result));
    if (this.options.log && result.log) log.notice(plainText(result.log.trimEnd()));
    if (result.errMsg) {
      throw new ScfError('Plugin.FunctionFailed', functionFailed(functionName, functionErrorMessage(result.errMsg), result.functionRequestId));
    }
    writeText(formatResult(result.retMsg));
  }

  /** The async run's log, from the function's CLS topic (else GetFunctionLogs): the log may lag the status a moment. */
  private async printLog(target: { functionName: string; namespace: string }, requestId: string, invokedAtMs: number): Promise<void> {
    const { requestLog } = require('../logs/request') as typeof import('../logs/request');
    const { log } = this.provider.io;
    const request = await requestLog(this.provider.clients(), {
      key: String(this.options.function),
      ...target,
      requestId,
      invokedAtMs,
      clock: systemClock,
      note: (message, why) => log.verbose(`${message} (${why})`),
    });
    if (request) {
      const { omittedText } = require('../render/logs') as typeof import('../render/logs');
      log.notice(plainText([...(request.omitted ? [omittedText(request.omitted)] : []), ...request.lines].join('\n')));
      return;
    }
    log.warning(`The log of ${plainText(requestId)} is not available yet: try \`sls logs -f ${this.options.function} --requestId ${plainText(requestId)}\`.`);
  }
}

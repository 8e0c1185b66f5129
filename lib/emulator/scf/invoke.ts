// Invoke: sync and async invocations of a function's `$LATEST` (or a version or alias), run in a process of
// their own; the invocation store records each for the logs, status and events actions.
import { randomUUID } from 'crypto';
import { ApiFault } from '../api-fault';
import { LIMITS } from '../../cloud/types';
import { DEFAULT_REGION } from '../../config/settings';
import { type FunctionSpec, type RunResult, runFunction, type RunStatus } from '../../runtime';
import type { ClsRecord } from '../../cloud/types';
import { InvocationLog } from '../cls/records';
import { runResult } from '../../runtime/outcome';
import { type FunctionRecord, type ResolvedQualifier, resolveQualifier, routeQualifier } from '../store/account';
import { findFunction, type ScfContext } from './context';
import { requireInvocable } from './lifecycle';
import { type Params, str } from './params';
import { globMatch } from './validate';
import { ASYNC_DEFAULTS, reservedInstances } from './concurrency';
import { layerDirs } from './layers';

/** GetFunctionLogs' RetCode for each way a run ends: 1 is any error of the user's code. */
const RET_CODES: Record<RunStatus, number> = { succeeded: 0, failed: 1, exited: 1, timeout: 433, memory: 434, terminated: 3 };

export async function invoke(ctx: ScfContext, params: Params): Promise<Params> {
  const fn = findFunction(ctx, params);
  requireInvocable(fn, str(params, 'Qualifier') ?? '$LATEST');
  const type = str(params, 'InvocationType') ?? 'RequestResponse';
  if (type !== 'RequestResponse' && type !== 'Event') {
    throw new ApiFault('InvalidParameterValue.InvocationType', `InvocationType must be RequestResponse or Event, not \`${type}\`.`);
  }
  const qualifier = str(params, 'Qualifier') ?? '$LATEST';
  if (!resolveQualifier(fn, qualifier)) {
    throw new ApiFault('ResourceNotFound.Version', `Version or alias \`${qualifier}\` of \`${fn.functionName}\` does not exist.`);
  }
  const logType = str(params, 'LogType') ?? 'None';
  if (logType !== 'None' && logType !== 'Tail') throw new ApiFault('InvalidParameterValue.LogType', `LogType must be None or Tail.`);
  const context = str(params, 'ClientContext') ?? '{}';
  const limit = type === 'Event' ? LIMITS.asyncEventBytes : LIMITS.syncEventBytes;
  if (Buffer.byteLength(context) > limit) {
    throw new ApiFault('InvalidParameterValue.ClientContext', `ClientContext is ${Buffer.byteLength(context)} bytes: the limit for ${type} is ${limit}.`);
  }
  let event: unknown;
  try {
    event = JSON.parse(context);
  } catch {
    throw new ApiFault('InvalidParameterValue.ClientContext', 'ClientContext must be JSON text.');
  }

  const invocation = startInvocation(ctx, fn, qualifier, type, event);
  if (type === 'Event') return { Result: { FunctionRequestId: invocation.requestId, RetMsg: '', ErrMsg: '', Log: '', MemUsage: 0, Duration: 0, BillDuration: 0, InvokeResult: 0 } };
  await invocation.finished;
  const inv = invocation.record;
  return {
    Result: {
      FunctionRequestId: inv.requestId,
      RetMsg: inv.retCode === 0 ? inv.retMsg : '',
      ErrMsg: inv.errMsg,
      Log: logType === 'Tail' ? tailLog(inv.log) : '',
      MemUsage: inv.memUsage,
      Duration: inv.durationMs,
      BillDuration: inv.billDurationMs,
      InvokeResult: inv.retCode === 0 ? 0 : -1,
    },
  };
}
/** The line that stands for the start of a log cut to its tail. */
function cutMarker(bytes: number): string {
  return `[${bytes} bytes of earlier log lines cut]\n`;
}

/**
 * LogType Tail: the last `limit` bytes of the log, as SCF returns them, but starting at a line boundary and after a
 * line saying how many bytes before it were cut (the marker counts within the limit). A last line longer than the
 * whole budget is cut at a character boundary instead.
 */
export function tailLog(log: string, limit: number = LIMITS.logTailBytes): string {
  const bytes = Buffer.from(log, 'utf8');
  if (bytes.length <= limit) return log;
  // The marker's length depends on the count: reserve room for the largest count it can show.
  const budget = Math.max(0, limit - Buffer.byteLength(cutMarker(bytes.length)));
  let start = bytes.length - budget;
  if (start > 0 && bytes[start - 1] !== 0x0a) {
    const newline = bytes.indexOf(0x0a, start);
    if (newline >= 0 && newline < bytes.length - 1) start = newline + 1;
    // No line starts within the budget: at least start on a whole character (not a UTF-8 continuation byte).
    else while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  }
  return cutMarker(start) + bytes.subarray(start).toString('utf8');
}

/** How often an async event waiting for room under its function's reserved concurrency looks again. */
const RESERVED_POLL_MS = 25;
/** Pause before an async event that failed is run again (SCF waits longer; the count is what matters here). */
export const RETRY_PAUSE_MS = 50;

/**
 * Starts one run of `fn` (its `qualifier`) in a process of its own; `trigger` is the InvokeType events report. A
 * sync run past the function's reserved concurrency is refused at once (432); an async one waits for room, and one
 * that fails is run again as many times as the function's async settings say, under the same request id.
 */
export function startInvocation(ctx: ScfContext, fn: FunctionRecord, qualifier: string, type: 'RequestResponse' | 'Event', event: unknown, trigger = 'CLI') {
  const { version, config, code, alias } = routeQualifier(fn, qualifier, ctx.roll)!;
  const requestId = randomUUID();
  const record = ctx.invocations.add({
    requestId,
    functionName: fn.functionName,
    namespace: fn.namespace,
    qualifier,
    version,
    alias,
    invocationType: type,
    trigger,
    startMs: ctx.now(),
    status: 'RUNNING',
    retCode: 2,
    retMsg: '',
    errMsg: '',
    log: '',
    durationMs: 0,
    billDurationMs: 0,
    memUsage: 0,
    retryNum: 0,
  });
  // The function's CLS topic gets the records SCF writes: START now, a line as each is written, the rest at the end.
  const topicId = config.clsTopicId && ctx.cls.topic(config.clsTopicId) ? config.clsTopicId : undefined;
  const simplified = ctx.behaviour.simplifiedLogFormat?.some((glob) => globMatch(glob, fn.functionName));
  const write = (records: ClsRecord | ClsRecord[]) => topicId && ctx.cls.append(topicId, records);
  const attemptLog = (retryNum: number, startMs: number) =>
    new InvocationLog({ functionName: fn.functionName, namespace: fn.namespace, qualifier: version, alias: alias ?? (qualifier === version ? '' : qualifier), requestId, retryNum, startMs, simplified });
  let clsLog = attemptLog(0, record.startMs);
  write(clsLog.start());
  record.onLine = (line) => write(clsLog.line(line));
  let stopped: boolean | undefined;
  record.terminate = (grace) => (stopped = grace);
  const releaseCode = ctx.packages.hold(code.sha256);
  const limit = () => reservedInstances(fn, config.memorySize);
  const expiresMs = record.startMs + (fn.asyncConfig ?? ASYNC_DEFAULTS).msgTtl * 1000;

  /** One run, once it has a slot of the account and of the function. */
  const attempt = async (releaseFunction: () => void): Promise<RunResult> => {
    const release = await ctx.slots.acquire();
    try {
      if (stopped !== undefined) return terminatedBeforeStart(requestId, config.memorySize, config.timeout);
      const run = runFunction(
        functionSpec(ctx, fn, { version, config, code }),
        { requestId, event, onLine: (line) => record.onLine?.(line) },
      );
      record.terminate = run.terminate;
      return await run.done;
    } finally {
      release();
      releaseFunction();
    }
  };

  /** A slot under the reserved concurrency: at once for a sync call (or none: refused), else when one frees. */
  const functionSlot = async (): Promise<(() => void) | undefined> => {
    for (;;) {
      const slot = ctx.functionSlots.tryAcquire(fn, limit());
      if (slot || type === 'RequestResponse') return slot;
      if (stopped !== undefined || ctx.now() > expiresMs) return undefined;
      await new Promise((resolve) => setTimeout(resolve, RESERVED_POLL_MS));
    }
  };

  const finished = (async () => {
    try {
      for (let retryNum = 0; ; retryNum++) {
        const slot = await functionSlot();
        let result: RunResult;
        if (!slot) {
          const reserved = fn.reservedMem ?? 0;
          result =
            stopped !== undefined
              ? terminatedBeforeStart(requestId, config.memorySize, config.timeout)
              : type === 'RequestResponse'
                ? refused(requestId, config.memorySize, config.timeout, 432, 'ResourceLimitReached', `Function [ ${fn.functionName} ] concurrency exceeded reserved quota ${reserved} MB`)
                : refused(requestId, config.memorySize, config.timeout, 432, 'ResourceLimitReached', `The event waited past its message TTL for room under the reserved quota of ${reserved} MB and was dropped`);
        } else result = await attempt(slot);
        const retries = (fn.asyncConfig ?? ASYNC_DEFAULTS).retries;
        const again = type === 'Event' && result.status !== 'succeeded' && result.status !== 'terminated' && slot && retryNum < retries && stopped === undefined && ctx.now() < expiresMs;
        if (!again) return finish(result, retryNum);
        // The failed attempt is in the logs as SCF writes it; the event runs again under the same request id.
        write(clsLog.end(endOf(result), ctx.now()));
        record.retryNum = retryNum + 1;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
        clsLog = attemptLog(retryNum + 1, ctx.now());
        write(clsLog.start());
      }
    } finally {
      releaseCode();
    }
  })();
  function endOf(result: RunResult) {
    return { statusCode: result.statusCode, retMsg: result.status === 'succeeded' ? result.retMsg : '', errorMessage: result.status === 'succeeded' ? undefined : result.errMsg, durationMs: result.durationMs, memUsageBytes: result.memUsageBytes, memorySize: config.memorySize };
  }
  function finish(result: RunResult, retryNum: number): void {
    record.endMs = ctx.now();
    record.retryNum = retryNum;
    record.durationMs = result.durationMs;
    record.billDurationMs = result.billDurationMs;
    record.memUsage = result.memUsageBytes;
    record.retMsg = result.status === 'succeeded' ? result.retMsg : result.errMsg;
    record.errMsg = result.errMsg;
    record.retCode = result.statusCode === 432 ? 432 : RET_CODES[result.status];
    record.status = result.status === 'succeeded' ? 'FINISHED' : result.status === 'terminated' ? 'ABORTED' : 'FAILED';
    record.statusCode = result.statusCode;
    record.lines = result.lines;
    record.log = result.log;
    record.terminate = undefined;
    ctx.invocations.settled(record);
    write(clsLog.end(endOf(result), record.endMs));
  }
  ctx.running.add(finished);
  finished.finally(() => ctx.running.delete(finished));
  return { requestId, record, finished };
}

/** What the runtime layer runs for one invocation of `fn` at a resolved qualifier (layers mounted as /opt). */
export function functionSpec(ctx: ScfContext, fn: FunctionRecord, { version, config, code }: Pick<ResolvedQualifier, 'version' | 'config' | 'code'>): FunctionSpec {
  const { appId, uin } = ctx.account.identity;
  return {
    functionName: fn.functionName,
    namespace: fn.namespace,
    version,
    runtime: config.runtime,
    handler: config.handler,
    codeDir: code.dir,
    layerDirs: layerDirs(ctx, config.layers),
    layerCacheDir: ctx.layerCacheDir,
    memorySize: config.memorySize,
    timeout: config.timeout,
    environment: config.environment,
    region: ctx.behaviour.region ?? DEFAULT_REGION,
    appId,
    uin,
  };
}

/** A run the platform refused before it started (ResourceLimitReached). */
function refused(requestId: string, memorySize: number, timeout: number, statusCode: number, errorType: string, errorMessage: string): RunResult {
  const now = Date.now();
  return runResult({ requestId, timeoutSeconds: timeout, memorySizeMb: memorySize, ending: { reason: 'not-started', notStarted: { statusCode, errorType, errorMessage } }, lines: [], truncatedBytes: 0, startMs: now, endMs: now, durationMs: 0, memUsageBytes: 0, warnings: [] });
}

/** An invocation stopped while it waited for a slot: it never ran. */
function terminatedBeforeStart(requestId: string, memorySize: number, timeout: number): RunResult {
  const now = Date.now();
  return runResult({ requestId, timeoutSeconds: timeout, memorySizeMb: memorySize, ending: { reason: 'terminated' }, lines: [], truncatedBytes: 0, startMs: now, endMs: now, durationMs: 0, memUsageBytes: 0, warnings: [] });
}

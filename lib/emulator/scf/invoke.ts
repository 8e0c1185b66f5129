// Invoke: sync and async invocations of a function's `$LATEST` (or a version or alias), run in a process of
// their own; the invocation store records each for the logs, status and events actions.
import { randomUUID } from 'crypto';
import { ApiFault } from '../api-fault';
import { LIMITS } from '../../cloud/types';
import { DEFAULT_REGION } from '../../config/settings';
import { type RunResult, runFunction, type RunStatus } from '../../runtime';
import type { ClsRecord } from '../../cloud/types';
import { InvocationLog } from '../cls/records';
import { runResult } from '../../runtime/outcome';
import { type FunctionRecord, resolveQualifier, routeQualifier } from '../store/account';
import { findFunction, type ScfContext } from './context';
import { requireInvocable } from './lifecycle';
import { type Params, str } from './params';
import { globMatch } from './validate';

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

/** Starts one run of `fn` (its `qualifier`) in a process of its own; `trigger` is the InvokeType events report. */
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
  const clsLog = new InvocationLog({ functionName: fn.functionName, namespace: fn.namespace, qualifier: version, alias: alias ?? (qualifier === version ? '' : qualifier), requestId, retryNum: 0, startMs: record.startMs, simplified });
  const write = (records: ClsRecord | ClsRecord[]) => topicId && ctx.cls.append(topicId, records);
  write(clsLog.start());
  record.onLine = (line) => write(clsLog.line(line));
  let stopped: boolean | undefined;
  record.terminate = (grace) => (stopped = grace);
  const { appId, uin } = ctx.account.identity;
  const releaseCode = ctx.packages.hold(code.sha256);
  const finished = ctx.slots.acquire().then(async (release) => {
    try {
      if (stopped !== undefined) return void finish(terminatedBeforeStart(requestId, config.memorySize, config.timeout));
      const run = runFunction(
        {
          functionName: fn.functionName,
          namespace: fn.namespace,
          version,
          runtime: config.runtime,
          handler: config.handler,
          codeDir: code.dir,
          memorySize: config.memorySize,
          timeout: config.timeout,
          environment: config.environment,
          region: ctx.behaviour.region ?? DEFAULT_REGION,
          appId,
          uin,
        },
        { requestId, event, onLine: (line) => record.onLine?.(line) },
      );
      record.terminate = run.terminate;
      finish(await run.done);
    } finally {
      release();
      releaseCode();
    }
  });
  function finish(result: RunResult): void {
    record.endMs = ctx.now();
    record.durationMs = result.durationMs;
    record.billDurationMs = result.billDurationMs;
    record.memUsage = result.memUsageBytes;
    record.retMsg = result.status === 'succeeded' ? result.retMsg : result.errMsg;
    record.errMsg = result.errMsg;
    record.retCode = RET_CODES[result.status];
    record.status = result.status === 'succeeded' ? 'FINISHED' : result.status === 'terminated' ? 'ABORTED' : 'FAILED';
    record.statusCode = result.statusCode;
    record.lines = result.lines;
    record.log = result.log;
    record.terminate = undefined;
    write(clsLog.end({ statusCode: result.statusCode, retMsg: result.status === 'succeeded' ? result.retMsg : '', errorMessage: result.status === 'succeeded' ? undefined : result.errMsg, durationMs: result.durationMs, memUsageBytes: result.memUsageBytes, memorySize: config.memorySize }, record.endMs));
  }
  ctx.running.add(finished);
  finished.finally(() => ctx.running.delete(finished));
  return { requestId, record, finished };
}

/** An invocation stopped while it waited for a slot: it never ran. */
function terminatedBeforeStart(requestId: string, memorySize: number, timeout: number): RunResult {
  const now = Date.now();
  return runResult({ requestId, timeoutSeconds: timeout, memorySizeMb: memorySize, ending: { reason: 'terminated' }, lines: [], truncatedBytes: 0, startMs: now, endMs: now, durationMs: 0, memUsageBytes: 0, warnings: [] });
}

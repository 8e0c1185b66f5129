// Invoke: sync and async invocations of a function's `$LATEST` (or a version or alias), run in a process of
// their own; the invocation store records each for the logs, status and events actions.
import { randomUUID } from 'crypto';
import * as path from 'path';
import { ApiFault } from '../api-fault';
import { LIMITS } from '../../cloud/types';
import { runHandler } from '../runner';
import { type FunctionRecord, resolveQualifier } from '../store/account';
import { findFunction, type ScfContext } from './context';
import { requireInvocable } from './lifecycle';
import { type Params, str } from './params';

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
  const tail = (text: string) => (Buffer.byteLength(text) > LIMITS.logTailBytes ? Buffer.from(text).subarray(-LIMITS.logTailBytes).toString('utf8') : text);
  return {
    Result: {
      FunctionRequestId: inv.requestId,
      RetMsg: inv.retCode === 0 ? inv.retMsg : '',
      ErrMsg: inv.errMsg,
      Log: logType === 'Tail' ? tail(inv.log) : '',
      MemUsage: inv.memUsage,
      Duration: inv.durationMs,
      BillDuration: inv.billDurationMs,
      InvokeResult: inv.retCode === 0 ? 0 : -1,
    },
  };
}
/** Starts one run of `fn` (its `qualifier`) in a process of its own; `trigger` is the InvokeType events report. */
export function startInvocation(ctx: ScfContext, fn: FunctionRecord, qualifier: string, type: 'RequestResponse' | 'Event', event: unknown, trigger = 'CLI') {
  const { config, code } = resolveQualifier(fn, qualifier)!;
  const requestId = randomUUID();
  const record = ctx.invocations.add({
    requestId,
    functionName: fn.functionName,
    namespace: fn.namespace,
    qualifier,
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
  const dot = config.handler.lastIndexOf('.');
  const run = runHandler(
    {
      key: fn.functionName,
      functionName: fn.functionName,
      namespace: fn.namespace,
      handlerModule: path.resolve(code.dir, config.handler.slice(0, dot)),
      handlerExport: config.handler.slice(dot + 1),
      timeout: config.timeout,
      memorySize: config.memorySize,
      handler: config.handler,
      runtime: config.runtime,
    },
    event,
    requestId,
    code.dir,
  );
  record.terminate = run.terminate;
  const finished = run.done.then((result) => {
    const duration = Math.round(result.durationMs * 1000) / 1000;
    record.endMs = ctx.now();
    record.durationMs = duration;
    record.billDurationMs = Math.max(1, Math.ceil(duration));
    record.memUsage = result.memUsage;
    record.retMsg = result.status === 'succeeded' ? result.retMsg : result.errMsg;
    record.errMsg = result.errMsg;
    record.retCode = { succeeded: 0, failed: 1, timeout: 433, terminated: 3 }[result.status];
    record.status = result.status === 'succeeded' ? 'FINISHED' : result.status === 'terminated' ? 'ABORTED' : 'FAILED';
    record.log =
      `START RequestId: ${requestId}\nEvent RequestId: ${requestId}\n` +
      result.output +
      (result.status === 'timeout' ? `${new Date().toISOString()}\t${requestId}\tInvoking task timed out after ${config.timeout} seconds\n` : '') +
      `END RequestId: ${requestId}\n` +
      `Report RequestId: ${requestId} Duration:${duration}ms Memory:${config.memorySize}MB MemUsage:${(result.memUsage / 1048576).toFixed(6)}MB\n`;
    record.terminate = undefined;
  });
  ctx.running.add(finished);
  finished.finally(() => ctx.running.delete(finished));
  return { requestId, record, finished };
}
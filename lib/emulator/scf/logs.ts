// GetFunctionLogs and GetRequestStatus: what the invocation store knows of a function's requests, with the
// API's windows, limits and eventual consistency (`logDelayMs`, `statusDelayMs`).
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import { LIMITS } from '../../cloud/types';
import type { Invocation } from '../store/invocations';
import { findFunction, type ScfContext } from './context';
import { int, type Params, seconds, str, timeParam } from './params';

/** What one GetFunctionLogs reply may carry. */
export const LOG_PAGE_BYTES = 10 * 1024 * 1024;

const RET_CODE_CLASSES: Record<string, (code: number) => boolean> = {
  not0: (code) => code !== 0,
  is0: (code) => code === 0,
  TimeLimitExceeded: (code) => code === 433,
  ResourceLimitExceeded: (code) => code === 434,
  UserCodeException: (code) => code === 1,
};

export function getFunctionLogs(ctx: ScfContext, params: Params): Params {
  // The SDK marks the action offline ("该接口已下线"); an endpoint that no longer has it answers so.
  if (ctx.behaviour.getFunctionLogsOffline) throw new ApiFault('InvalidAction', 'The action GetFunctionLogs has been taken offline: use GetRequestStatus for a request\'s result and CLS for logs.');
  const fn = findFunction(ctx, params);
  const offset = int(params, 'Offset', 0);
  const limit = int(params, 'Limit', 20);
  if (offset + limit > LIMITS.logsOffsetPlusLimit) {
    throw new ApiFault('InvalidParameterValue.Limit', `Offset + Limit must not exceed ${LIMITS.logsOffsetPlusLimit}.`);
  }
  const order = (str(params, 'Order') ?? 'desc').toLowerCase();
  if (order !== 'asc' && order !== 'desc') throw new ApiFault('InvalidParameterValue.Order', 'Order must be asc or desc.');
  const orderBy = str(params, 'OrderBy') ?? 'start_time';
  const sortKey: Record<string, (i: Invocation) => number | string> = {
    start_time: (i) => i.startMs,
    function_name: (i) => i.functionName,
    duration: (i) => i.durationMs,
    mem_usage: (i) => i.memUsage,
  };
  if (!sortKey[orderBy]) throw new ApiFault('InvalidParameterValue.OrderBy', `OrderBy must be one of ${Object.keys(sortKey).join(', ')}.`);
  const start = timeParam(params, 'StartTime');
  const end = timeParam(params, 'EndTime');
  if ((start === undefined) !== (end === undefined)) {
    throw new ApiFault('InvalidParameterValue.StartTimeOrEndTime', 'StartTime and EndTime must be given together.');
  }
  const now = ctx.now();
  const windowStart = start ?? now - 24 * 3600_000;
  const windowEnd = end ?? now;
  if (windowEnd < windowStart) throw new ApiFault('InvalidParameterValue.StartTimeOrEndTime', 'EndTime is before StartTime.');
  if (windowEnd - windowStart > 24 * 3600_000) {
    throw new ApiFault('InvalidParameterValue.StartTimeOrEndTime', 'StartTime and EndTime must be at most one day apart.');
  }
  const retCodeFilter = params.Filter?.RetCode as string | undefined;
  const matchesRetCode = retCodeFilter ? RET_CODE_CLASSES[retCodeFilter] : undefined;
  if (retCodeFilter && !matchesRetCode) throw new ApiFault('InvalidParameterValue.RetCode', `Filter.RetCode \`${retCodeFilter}\` is not valid.`);
  const qualifier = str(params, 'Qualifier');
  const requestId = str(params, 'FunctionRequestId');
  const visibleBefore = now - (ctx.behaviour.logDelayMs ?? 0);

  const matches = ctx.invocations.of(fn.functionName, fn.namespace).filter(
    (i) =>
      i.startMs <= visibleBefore &&
      seconds(i.startMs) >= seconds(windowStart) &&
      seconds(i.startMs) <= seconds(windowEnd) &&
      (!qualifier || i.qualifier === qualifier) &&
      (!requestId || i.requestId === requestId) &&
      (!matchesRetCode || (i.status !== 'RUNNING' && matchesRetCode(i.retCode))),
  );
  const key = sortKey[orderBy];
  const direction = order === 'asc' ? 1 : -1;
  matches.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.seq - b.seq) * direction;
  });
  const page = matches.slice(offset, offset + limit);
  // The log service bounds what one reply carries: a page of chatty requests must be asked for in smaller pieces.
  const pageBytes = page.reduce((sum, i) => sum + Buffer.byteLength(i.log) + Buffer.byteLength(i.retMsg) + 256, 0);
  const maxBytes = ctx.behaviour.logPageBytes ?? LOG_PAGE_BYTES;
  if (pageBytes > maxBytes) {
    throw new ApiFault('LimitExceeded.SearchResultTooLarge', `The ${page.length} logs of this page hold ${pageBytes} bytes, more than the ${maxBytes} one reply may carry: ask for fewer (Limit).`);
  }
  return {
    TotalCount: matches.length,
    Data: page.map((i) => ({
      FunctionName: i.functionName,
      RetMsg: i.retMsg,
      RequestId: i.requestId,
      StartTime: formatCst(i.startMs),
      RetCode: i.retCode,
      InvokeFinished: i.status === 'RUNNING' ? 0 : 1,
      Duration: i.durationMs,
      BillDuration: i.billDurationMs,
      MemUsage: i.memUsage,
      Log: i.log,
      Level: '',
      Source: '',
      RetryNum: i.retryNum,
    })),
    // Taken offline in 2020 ("该字段已下线"), still part of the reply's shape.
    SearchContext: { Offset: '', Limit: 0, Keyword: '', Type: '' },
  };
}
export function getRequestStatus(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const requestId = str(params, 'FunctionRequestId', true)!;
  const start = timeParam(params, 'StartTime', 'InvalidParameterValue.StartTime');
  const end = timeParam(params, 'EndTime');
  if (start !== undefined && end === undefined) {
    throw new ApiFault('InvalidParameterValue.StartTimeOrEndTime', 'EndTime is required when StartTime is given.');
  }
  const now = ctx.now();
  const windowStart = start ?? now - 15 * 60_000;
  const windowEnd = end ?? now;
  const inv = ctx.invocations.get(requestId);
  const recorded =
    inv &&
    inv.functionName === fn.functionName &&
    inv.namespace === fn.namespace &&
    now >= inv.startMs + (ctx.behaviour.statusDelayMs ?? 0) &&
    seconds(inv.startMs) >= seconds(windowStart) &&
    seconds(inv.startMs) <= seconds(windowEnd);
  if (!recorded) return { TotalCount: 0, Data: [] };
  return {
    TotalCount: 1,
    Data: [
      {
        FunctionName: inv.functionName,
        RetMsg: inv.retMsg,
        RequestId: inv.requestId,
        StartTime: formatCst(inv.startMs),
        RetCode: inv.status === 'RUNNING' ? 1 : inv.retCode === 0 ? 0 : -1,
        Duration: inv.durationMs,
        MemUsage: Math.round((inv.memUsage / 1048576) * 100) / 100,
        RetryNum: inv.retryNum,
      },
    ],
  };
}
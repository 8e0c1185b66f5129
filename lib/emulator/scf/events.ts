// ListAsyncEvents and TerminateAsyncEvent: the async invocations of a function, paged and filtered as the
// API does, and stopping one that runs.
import { ApiFault } from '../api-fault';
import { formatCst } from '../../time/cst';
import { ASYNC_EVENT_STATUSES, LIMITS } from '../../cloud/types';
import type { Invocation } from '../store/invocations';
import { findFunction, type ScfContext } from './context';
import { int, type Params, str, strList, timeParam } from './params';

export function listAsyncEvents(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const offset = int(params, 'Offset', 0);
  const limit = int(params, 'Limit', 20);
  if (limit > LIMITS.asyncEventsPageMax) throw new ApiFault('InvalidParameterValue.Limit', `Limit must not exceed ${LIMITS.asyncEventsPageMax}.`);
  const statuses = strList(params, 'Status');
  if (statuses?.some((s) => !ASYNC_EVENT_STATUSES.includes(s as any))) {
    throw new ApiFault('InvalidParameterValue.Status', `Status must be among ${ASYNC_EVENT_STATUSES.join(', ')}.`);
  }
  const invokeTypes = strList(params, 'InvokeType');
  const order = str(params, 'Order') ?? 'DESC';
  if (order !== 'ASC' && order !== 'DESC') throw new ApiFault('InvalidParameterValue.Order', 'Order must be ASC or DESC.');
  const orderBy = str(params, 'Orderby') ?? 'StartTime';
  if (orderBy !== 'StartTime' && orderBy !== 'EndTime') throw new ApiFault('InvalidParameterValue.Orderby', 'Orderby must be StartTime or EndTime.');
  const interval = (name: string) => {
    const value = params[name];
    if (value === undefined || value === null) return undefined;
    const s = timeParam(value, 'Start');
    const e = timeParam(value, 'End');
    if (s === undefined || e === undefined) throw new ApiFault('InvalidParameterValue', `${name} needs Start and End.`);
    return [s, e] as const;
  };
  const startInterval = interval('StartTimeInterval');
  const endInterval = interval('EndTimeInterval');
  const qualifier = str(params, 'Qualifier');
  const requestId = str(params, 'InvokeRequestId');
  const inside = (t: number | undefined, i?: readonly [number, number]) => !i || (t !== undefined && t >= i[0] && t < i[1]);

  const events = ctx.invocations
    .of(fn.functionName, fn.namespace)
    .filter(
      (i) =>
        i.invocationType === 'Event' &&
        (!statuses || statuses.includes(i.status)) &&
        (!invokeTypes || invokeTypes.includes(i.trigger)) &&
        (!qualifier || i.qualifier === qualifier) &&
        (!requestId || i.requestId === requestId) &&
        inside(i.startMs, startInterval) &&
        inside(i.endMs, endInterval),
    );
  const key = orderBy === 'StartTime' ? (i: Invocation) => i.startMs : (i: Invocation) => i.endMs ?? Number.MAX_SAFE_INTEGER;
  const direction = order === 'ASC' ? 1 : -1;
  events.sort((a, b) => (key(a) - key(b) || a.seq - b.seq) * direction);
  return {
    TotalCount: events.length,
    EventList: events.slice(offset, offset + limit).map((i) => ({
      InvokeRequestId: i.requestId,
      InvokeType: i.trigger,
      Qualifier: i.qualifier,
      Status: i.status,
      StartTime: formatCst(i.startMs, true),
      EndTime: i.endMs === undefined ? '' : formatCst(i.endMs, true),
    })),
  };
}
export function terminateAsyncEvent(ctx: ScfContext, params: Params): Params {
  const fn = findFunction(ctx, params);
  const requestId = str(params, 'InvokeRequestId', true)!;
  const inv = ctx.invocations.get(requestId);
  if (!inv || inv.functionName !== fn.functionName || inv.namespace !== fn.namespace || inv.invocationType !== 'Event') {
    throw new ApiFault('ResourceNotFound.AsyncEvent', `The async event \`${requestId}\` does not exist.`);
  }
  if (inv.status !== 'RUNNING' || !inv.terminate) {
    throw new ApiFault('FailedOperation.AsyncEventStatus', `The async event \`${requestId}\` is ${inv.status}, not RUNNING.`);
  }
  const grace = params.GraceShutdown === true || params.GraceShutdown === 'true';
  inv.terminate(grace);
  return {};
}
// The SCF API actions as the emulator carries them out, in API 3.0 terms (PascalCase parameters in, the
// `Response` body out). The HTTP layer handles protocols, signatures and faults; this handles meaning.
import { randomUUID } from 'crypto';
import { ApiFault } from '../api-fault';
import { formatCst, parseCst } from '../../time/cst';
import { ASYNC_EVENT_STATUSES, LIMITS } from '../../cloud/types';
import { runHandler } from '../runner';
import type { EmulatedFunction, EmulatedService } from '../service-file';
import { type Invocation, InvocationStore } from '../store/invocations';

export interface EmulatorBehaviour {
  /** GetRequestStatus answers "not recorded yet" (empty Data) for this long after an invoke. */
  statusDelayMs?: number;
  /** GetFunctionLogs shows a request this long after it started (the log service is eventually consistent). */
  logDelayMs?: number;
  /** How many invocations are remembered. */
  capacity?: number;
}

type Params = Record<string, any>;

const RET_CODE_CLASSES: Record<string, (code: number) => boolean> = {
  not0: (code) => code !== 0,
  is0: (code) => code === 0,
  TimeLimitExceeded: (code) => code === 433,
  ResourceLimitExceeded: (code) => code === 434,
  UserCodeException: (code) => code === 1,
};

function str(params: Params, name: string, required = false): string | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === '') {
    if (required) throw new ApiFault('MissingParameter', `The request is missing a required parameter \`${name}\`.`);
    return undefined;
  }
  if (typeof value !== 'string') throw new ApiFault('InvalidParameter', `The parameter \`${name}\` must be a string.`);
  return value;
}

function int(params: Params, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (!Number.isInteger(n) || n < 0) throw new ApiFault('InvalidParameterValue', `The parameter \`${name}\` must be a non-negative integer.`);
  return n;
}

function strList(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ApiFault('InvalidParameter', `The parameter \`${name}\` must be an array of strings.`);
  }
  return value;
}

function timeParam(params: Params, name: string, code = 'InvalidParameterValue.DateTime'): number | undefined {
  const text = str(params, name);
  if (text === undefined) return undefined;
  const ms = parseCst(text);
  if (ms === undefined) throw new ApiFault(code, `\`${name}\` "${text}" is not a time of the form YYYY-MM-DD HH:mm:ss.`);
  return ms;
}

const seconds = (ms: number) => Math.floor(ms / 1000);

export class EmulatorCore {
  readonly store: InvocationStore;
  private readonly functions = new Map<string, EmulatedFunction>();
  private readonly namespaces = new Set<string>(['default']);
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    readonly service: EmulatedService,
    private readonly behaviour: EmulatorBehaviour = {},
    private readonly now: () => number = Date.now,
  ) {
    this.store = new InvocationStore(behaviour.capacity);
    for (const fn of service.functions) {
      this.functions.set(`${fn.namespace}/${fn.functionName}`, fn);
      this.namespaces.add(fn.namespace);
    }
  }

  async handle(action: string, params: Params): Promise<Params> {
    switch (action) {
      case 'Invoke':
        return this.invoke(params);
      case 'GetFunctionLogs':
        return this.getFunctionLogs(params);
      case 'GetRequestStatus':
        return this.getRequestStatus(params);
      case 'ListAsyncEvents':
        return this.listAsyncEvents(params);
      case 'TerminateAsyncEvent':
        return this.terminateAsyncEvent(params);
      default:
        throw new ApiFault('InvalidAction', `The action \`${action}\` is not supported by this endpoint.`);
    }
  }

  /**
   * Records finished (or running) invocations without running anything: for tests and benchmarks that need
   * thousands of log entries or async events.
   */
  seed(functionName: string, namespace: string, items: Array<Partial<Omit<Invocation, 'seq'>> & { startMs: number }>): Invocation[] {
    return items.map((item) => {
      const requestId = item.requestId ?? randomUUID();
      const running = item.status === 'RUNNING';
      return this.store.add({
        requestId,
        functionName,
        namespace,
        qualifier: '$LATEST',
        invocationType: 'RequestResponse',
        status: 'FINISHED',
        retCode: running ? 2 : 0,
        retMsg: running ? '' : '"seeded"',
        errMsg: '',
        log: running ? '' : `START RequestId: ${requestId}\nseeded entry\nEND RequestId: ${requestId}\n`,
        durationMs: running ? 0 : 1,
        billDurationMs: running ? 0 : 1,
        memUsage: 1048576,
        retryNum: 0,
        endMs: running ? undefined : item.startMs + 1,
        ...item,
      });
    });
  }

  /** Resolves when every background (async) invocation has finished. */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  private findFunction(params: Params): EmulatedFunction {
    const name = str(params, 'FunctionName', true)!;
    const namespace = str(params, 'Namespace') ?? 'default';
    if (!this.namespaces.has(namespace)) throw new ApiFault('ResourceNotFound.Namespace', `Namespace \`${namespace}\` does not exist.`);
    const fn = this.functions.get(`${namespace}/${name}`);
    if (!fn) throw new ApiFault('ResourceNotFound.Function', `The function \`${name}\` does not exist in namespace \`${namespace}\`.`);
    return fn;
  }

  private async invoke(params: Params): Promise<Params> {
    const fn = this.findFunction(params);
    const type = str(params, 'InvocationType') ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event') {
      throw new ApiFault('InvalidParameterValue.InvocationType', `InvocationType must be RequestResponse or Event, not \`${type}\`.`);
    }
    const qualifier = str(params, 'Qualifier') ?? '$LATEST';
    if (!/^(\$LATEST|\$DEFAULT|\d+|[A-Za-z][\w-]{0,59})$/.test(qualifier)) {
      throw new ApiFault('ResourceNotFound.Version', `Version or alias \`${qualifier}\` does not exist.`);
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

    const invocation = this.start(fn, qualifier, type, event);
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

  private start(fn: EmulatedFunction, qualifier: string, type: 'RequestResponse' | 'Event', event: unknown) {
    const requestId = randomUUID();
    const record = this.store.add({
      requestId,
      functionName: fn.functionName,
      namespace: fn.namespace,
      qualifier,
      invocationType: type,
      startMs: this.now(),
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
    const run = runHandler(fn, event, requestId, this.service.dir);
    record.terminate = run.terminate;
    const finished = run.done.then((result) => {
      const duration = Math.round(result.durationMs * 1000) / 1000;
      record.endMs = this.now();
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
        (result.status === 'timeout' ? `${new Date().toISOString()}\t${requestId}\tInvoking task timed out after ${fn.timeout} seconds\n` : '') +
        `END RequestId: ${requestId}\n` +
        `Report RequestId: ${requestId} Duration:${duration}ms Memory:${fn.memorySize}MB MemUsage:${(result.memUsage / 1048576).toFixed(6)}MB\n`;
      record.terminate = undefined;
    });
    this.running.add(finished);
    finished.finally(() => this.running.delete(finished));
    return { requestId, record, finished };
  }

  private getFunctionLogs(params: Params): Params {
    const fn = this.findFunction(params);
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
    const now = this.now();
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
    const visibleBefore = now - (this.behaviour.logDelayMs ?? 0);

    const matches = this.store.of(fn.functionName, fn.namespace).filter(
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
    return {
      TotalCount: matches.length,
      Data: matches.slice(offset, offset + limit).map((i) => ({
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
    };
  }

  private getRequestStatus(params: Params): Params {
    const fn = this.findFunction(params);
    const requestId = str(params, 'FunctionRequestId', true)!;
    const start = timeParam(params, 'StartTime', 'InvalidParameterValue.StartTime');
    const end = timeParam(params, 'EndTime');
    if (start !== undefined && end === undefined) {
      throw new ApiFault('InvalidParameterValue.StartTimeOrEndTime', 'EndTime is required when StartTime is given.');
    }
    const now = this.now();
    const windowStart = start ?? now - 15 * 60_000;
    const windowEnd = end ?? now;
    const inv = this.store.get(requestId);
    const recorded =
      inv &&
      inv.functionName === fn.functionName &&
      inv.namespace === fn.namespace &&
      now >= inv.startMs + (this.behaviour.statusDelayMs ?? 0) &&
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

  private listAsyncEvents(params: Params): Params {
    const fn = this.findFunction(params);
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

    const events = this.store
      .of(fn.functionName, fn.namespace)
      .filter(
        (i) =>
          i.invocationType === 'Event' &&
          (!statuses || statuses.includes(i.status)) &&
          (!invokeTypes || invokeTypes.includes('CLI')) &&
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
        InvokeType: 'CLI',
        Qualifier: i.qualifier,
        Status: i.status,
        StartTime: formatCst(i.startMs, true),
        EndTime: i.endMs === undefined ? '' : formatCst(i.endMs, true),
      })),
    };
  }

  private terminateAsyncEvent(params: Params): Params {
    const fn = this.findFunction(params);
    const requestId = str(params, 'InvokeRequestId', true)!;
    const inv = this.store.get(requestId);
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
}

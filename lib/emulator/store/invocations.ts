// What the emulator remembers of invocations: the source of GetFunctionLogs, GetRequestStatus and
// ListAsyncEvents. Bounded: the oldest finished invocations are dropped past `capacity`.
import type { AsyncEventStatus } from '../../cloud/types';
import type { LogLine } from '../../runtime';

export interface Invocation {
  /** Order of arrival, to keep sorts stable among requests started in the same millisecond. */
  seq: number;
  requestId: string;
  functionName: string;
  namespace: string;
  qualifier: string;
  /** The version that ran ($LATEST or a number): an alias's own, or the one its weights picked. */
  version?: string;
  /** The alias invoked, when one was. */
  alias?: string;
  invocationType: 'RequestResponse' | 'Event';
  /** What started it, as ListAsyncEvents' InvokeType reports it: CLI (an API call), TIMER, COS, ... */
  trigger: string;
  startMs: number;
  endMs?: number;
  status: AsyncEventStatus;
  /** GetFunctionLogs RetCode: 2 while running, 0 success, 1 user error, 433 timeout, 434 memory, 3 terminated. */
  retCode: number;
  retMsg: string;
  errMsg: string;
  log: string;
  durationMs: number;
  billDurationMs: number;
  memUsage: number;
  retryNum: number;
  /** Only for the running ones. */
  terminate?: (grace: boolean) => void;
  /** SCF's status code once finished (200, 430, 433, 434, 439, 499, ...), as the CLS records carry it. */
  statusCode?: number;
  /** The handler's own log lines once finished, in order and capped, for the CLS records. */
  lines?: LogLine[];
  /** Each log line as the handler writes it, while it runs (for live logs). */
  onLine?: (line: LogLine) => void;
}

export class InvocationStore {
  private readonly byId = new Map<string, Invocation>();
  /** Per function, in arrival order: a query reads its function's invocations only. */
  private readonly byFunction = new Map<string, Invocation[]>();
  private seq = 0;

  constructor(private readonly capacity = 200_000) {}

  add(invocation: Omit<Invocation, 'seq'>): Invocation {
    const record = { ...invocation, seq: this.seq++ };
    this.byId.set(record.requestId, record);
    const key = `${record.namespace}/${record.functionName}`;
    let list = this.byFunction.get(key);
    if (!list) this.byFunction.set(key, (list = []));
    list.push(record);
    if (this.byId.size > this.capacity) this.evict();
    return record;
  }

  get(requestId: string): Invocation | undefined {
    return this.byId.get(requestId);
  }

  /** All invocations of a function, in arrival order. */
  of(functionName: string, namespace: string): Invocation[] {
    return [...(this.byFunction.get(`${namespace}/${functionName}`) ?? [])];
  }

  get size(): number {
    return this.byId.size;
  }

  private evict(): void {
    for (const [id, inv] of this.byId) {
      if (inv.status !== 'RUNNING') {
        this.byId.delete(id);
        const list = this.byFunction.get(`${inv.namespace}/${inv.functionName}`)!;
        list.splice(list.indexOf(inv), 1);
        if (this.byId.size <= this.capacity) return;
      }
    }
  }

  /** Stops every invocation still running, without grace. */
  terminateRunning(): void {
    for (const inv of this.byId.values()) if (inv.status === 'RUNNING') inv.terminate?.(false);
  }
}

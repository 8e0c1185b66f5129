// What the emulator remembers of invocations: the source of GetFunctionLogs, GetRequestStatus and
// ListAsyncEvents. Bounded in number and in bytes (their logs, results and lines): past either, the oldest
// finished invocations are dropped. A handler that logs a megabyte a run cannot fill the emulator's memory.
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

/** Text kept in memory by the invocation history, by default (its logs, results and lines). */
export const HISTORY_BYTES = 32 * 1024 * 1024;

/** The text an invocation keeps, in characters (about its bytes), with a little for the record itself. */
function sizeOf(inv: Invocation): number {
  let size = 256 + inv.log.length + inv.retMsg.length + inv.errMsg.length;
  for (const line of inv.lines ?? []) size += line.text.length + 32;
  return size;
}

export class InvocationStore {
  private readonly byId = new Map<string, Invocation>();
  /** Per function, in arrival order: a query reads its function's invocations only. */
  private readonly byFunction = new Map<string, Invocation[]>();
  /** What each invocation was counted at. */
  private readonly sizes = new Map<Invocation, number>();
  private seq = 0;
  private held = 0;

  constructor(
    private readonly capacity = 200_000,
    private readonly maxBytes = HISTORY_BYTES,
  ) {}

  add(invocation: Omit<Invocation, 'seq'>): Invocation {
    const record = { ...invocation, seq: this.seq++ };
    this.byId.set(record.requestId, record);
    const key = `${record.namespace}/${record.functionName}`;
    let list = this.byFunction.get(key);
    if (!list) this.byFunction.set(key, (list = []));
    list.push(record);
    this.settled(record);
    return record;
  }

  /** An invocation's log and result were set (it finished): counted again, and the oldest dropped past the bounds. */
  settled(inv: Invocation): void {
    if (this.byId.get(inv.requestId) !== inv) return;
    const size = sizeOf(inv);
    this.held += size - (this.sizes.get(inv) ?? 0);
    this.sizes.set(inv, size);
    if (this.byId.size > this.capacity || this.held > this.maxBytes) this.evict();
  }

  /** Characters of text the history holds now. */
  get bytes(): number {
    return this.held;
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
        this.held -= this.sizes.get(inv) ?? 0;
        this.sizes.delete(inv);
        if (this.byId.size <= this.capacity && this.held <= this.maxBytes) return;
      }
    }
  }

  /** Stops every invocation still running, without grace. */
  terminateRunning(): void {
    for (const inv of this.byId.values()) if (inv.status === 'RUNNING') inv.terminate?.(false);
  }
}

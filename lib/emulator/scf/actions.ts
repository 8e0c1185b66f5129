// The SCF API actions as the emulator carries them out, in API 3.0 terms (PascalCase parameters in, the
// `Response` body out). The HTTP layer handles protocols, signatures and faults; this dispatches by action to
// the rooms that carry them out, over one account and one invocation store.
import { randomUUID } from 'crypto';
import { ApiFault } from '../api-fault';
import type { EmulatedService } from '../service-file';
import { Account } from '../store/account';
import { type Invocation, InvocationStore } from '../store/invocations';
import type { EmulatorBehaviour, ScfContext } from './context';
import { listAsyncEvents, terminateAsyncEvent } from './events';
import { invoke } from './invoke';
import { getFunctionLogs, getRequestStatus } from './logs';
import type { Params } from './params';

export type { EmulatorBehaviour } from './context';

type Action = (ctx: ScfContext, params: Params) => Params | Promise<Params>;

const ACTIONS = new Map<string, Action>([
  ['Invoke', invoke],
  ['GetFunctionLogs', getFunctionLogs],
  ['GetRequestStatus', getRequestStatus],
  ['ListAsyncEvents', listAsyncEvents],
  ['TerminateAsyncEvent', terminateAsyncEvent],
]);

export class EmulatorCore {
  readonly store: InvocationStore;
  readonly account: Account;
  private readonly ctx: ScfContext;

  constructor(
    readonly service: EmulatedService,
    behaviour: EmulatorBehaviour = {},
    now: () => number = Date.now,
  ) {
    this.store = new InvocationStore(behaviour.capacity);
    this.account = new Account(now);
    for (const fn of service.functions) {
      this.account.addNamespace(fn.namespace, '');
      const at = now();
      const config = { runtime: fn.runtime, handler: fn.handler, memorySize: fn.memorySize, timeout: fn.timeout, description: '', environment: Object.assign(Object.create(null), fn.environment), layers: [] };
      this.account.putFunction({
        functionName: fn.functionName,
        namespace: fn.namespace,
        functionId: `lam-${randomUUID().slice(0, 8)}`,
        status: 'Active',
        statusDesc: '',
        statusReasons: [],
        config,
        code: { dir: service.dir, size: 0 },
        type: 'Event',
        tags: new Map(),
        versions: new Map(),
        aliases: new Map(),
        triggers: [],
        addTime: at,
        modTime: at,
      });
    }
    this.ctx = { account: this.account, invocations: this.store, behaviour, now, running: new Set() };
  }

  async handle(action: string, params: Params): Promise<Params> {
    const run = ACTIONS.get(action);
    if (!run) throw new ApiFault('InvalidAction', `The action \`${action}\` is not supported by this endpoint.`);
    return run(this.ctx, params);
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
        trigger: 'CLI',
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
    const running = this.ctx.running;
    while (running.size) await Promise.allSettled([...running]);
  }
}

// The SCF API actions as the emulator carries them out, in API 3.0 terms (PascalCase parameters in, the
// `Response` body out). The HTTP layer handles protocols, signatures and faults; this dispatches by action to
// the rooms that carry them out, over one account and one invocation store. The Tag API has a table of its
// own; COS requests and code downloads have handlers of their own.
import type * as http from 'http';
import { randomUUID } from 'crypto';
import { ApiFault } from '../api-fault';
import { type CosCredentials, type CosKeys, createCosHandler, type CosRequestHandler, isCosRequest } from '../cos/handler';
import { CosStore } from '../cos/store';
import type { EmulatedService } from '../service-file';
import type { EmulatorCredentials } from '../http/auth';
import { FunctionUrls } from '../url/urls';
import { Account, type AccountIdentity, DEFAULT_IDENTITY, type FunctionRecord, newFunctionRecord, type TriggerRecord } from '../store/account';
import { type Invocation, InvocationStore } from '../store/invocations';
import { PackageStore } from '../store/packages';
import { accountFromJson, accountToJson, readAccountFile, writeAccountFile } from '../store/snapshot';
import { StateDir } from '../store/state-dir';
import { ClsStore } from '../cls/topics';
import { ClsFiles } from '../store/cls-files';
import { InvocationLog } from '../cls/records';
import { Slots } from './slots';
import { FunctionSlots } from './concurrency';
import * as concurrency from './concurrency';
import * as layers from './layers';
import { dice } from '../dice';
import { logHistogram, searchLog, TopicSearchGate } from '../cls/search';
import { getMonitorData } from '../monitor/metrics';
import { globMatch } from './validate';
import { CODE_PATH_PREFIX, CodeUrls, serveCode } from './code';
import type { EmulatorBehaviour, ScfContext } from './context';
import { listAsyncEvents, terminateAsyncEvent } from './events';
import { createFunction, deleteFunction, deleteFunctionVersion, getFunction, getFunctionAddress, listFunctions, updateFunctionCode, updateFunctionConfiguration } from './functions';
import { invoke, startInvocation } from './invoke';
import { DEFAULT_TRANSITION_MS, type DeployFault, Lifecycle, requireInvocable } from './lifecycle';
import { getFunctionLogs, getRequestStatus } from './logs';
import { createNamespace, deleteNamespace, listNamespaces } from './namespaces';
import type { Params } from './params';
import { TAG_ACTIONS } from './tags';
import { timerEvent, TimerScheduler } from './timers';
import { createTrigger, deleteTrigger, listTriggers, updateTrigger } from './triggers';
import { createAlias, deleteAlias, getAlias, listAliases, listVersionByFunction, publishVersion, updateAlias } from './versions';

export type { EmulatorBehaviour } from './context';
export type { DeployFault } from './lifecycle';
export { CODE_PATH_PREFIX } from './code';
export { TAG_API_VERSION } from './tags';

type Action = (ctx: ScfContext, params: Params) => Params | Promise<Params>;

const ACTIONS = new Map<string, Action>([
  ['Invoke', invoke],
  ['GetFunctionLogs', getFunctionLogs],
  ['GetRequestStatus', getRequestStatus],
  ['ListAsyncEvents', listAsyncEvents],
  ['TerminateAsyncEvent', terminateAsyncEvent],
  ['CreateFunction', createFunction],
  ['UpdateFunctionCode', updateFunctionCode],
  ['UpdateFunctionConfiguration', updateFunctionConfiguration],
  ['GetFunction', getFunction],
  ['GetFunctionAddress', getFunctionAddress],
  ['DeleteFunction', deleteFunction],
  ['DeleteFunctionVersion', deleteFunctionVersion],
  ['ListFunctions', listFunctions],
  ['CreateNamespace', createNamespace],
  ['ListNamespaces', listNamespaces],
  ['DeleteNamespace', deleteNamespace],
  ['PublishVersion', publishVersion],
  ['ListVersionByFunction', listVersionByFunction],
  ['CreateAlias', createAlias],
  ['UpdateAlias', updateAlias],
  ['GetAlias', getAlias],
  ['ListAliases', listAliases],
  ['DeleteAlias', deleteAlias],
  ['CreateTrigger', createTrigger],
  ['UpdateTrigger', updateTrigger],
  ['DeleteTrigger', deleteTrigger],
  ['ListTriggers', listTriggers],
  ['PublishLayerVersion', layers.publishLayerVersion],
  ['GetLayerVersion', layers.getLayerVersion],
  ['ListLayerVersions', layers.listLayerVersions],
  ['ListLayers', layers.listLayers],
  ['DeleteLayerVersion', layers.deleteLayerVersion],
  ['PutReservedConcurrencyConfig', concurrency.putReservedConcurrencyConfig],
  ['GetReservedConcurrencyConfig', concurrency.getReservedConcurrencyConfig],
  ['DeleteReservedConcurrencyConfig', concurrency.deleteReservedConcurrencyConfig],
  ['PutProvisionedConcurrencyConfig', concurrency.putProvisionedConcurrencyConfig],
  ['GetProvisionedConcurrencyConfig', concurrency.getProvisionedConcurrencyConfig],
  ['DeleteProvisionedConcurrencyConfig', concurrency.deleteProvisionedConcurrencyConfig],
  ['UpdateFunctionEventInvokeConfig', concurrency.updateFunctionEventInvokeConfig],
  ['GetFunctionEventInvokeConfig', concurrency.getFunctionEventInvokeConfig],
]);

export class EmulatorCore {
  readonly store: InvocationStore;
  readonly account: Account;
  readonly cos: CosStore;
  /** CLS: the logsets and topics functions log to, and SearchLog over them. */
  readonly cls: ClsStore;
  /** The searches in flight on each topic (the most there were at once: `peakOn`), at most 15. */
  readonly searches = new TopicSearchGate();
  /** Where the emulator is reachable (GetFunctionAddress's Url points here); the HTTP layer sets it. */
  publicUrl = 'http://127.0.0.1';
  private readonly ctx: ScfContext;
  private readonly state: StateDir;
  private readonly lifecycle: Lifecycle;
  private readonly timers: TimerScheduler;
  private readonly codeUrls: CodeUrls;
  private readonly clsFiles?: ClsFiles;
  private closed = false;

  constructor(
    readonly service?: EmulatedService,
    behaviour: EmulatorBehaviour = {},
    now: () => number = Date.now,
    identity: AccountIdentity = DEFAULT_IDENTITY,
  ) {
    this.state = new StateDir(behaviour.stateDir);
    this.state.open();
    // With a state directory, CLS topics and their records outlive a restart as functions do.
    const clsFiles = this.state.persistent ? new ClsFiles(this.state.sub('cls')) : undefined;
    this.clsFiles = clsFiles;
    this.cls = new ClsStore({ now, indexDelayMs: behaviour.logIndexDelayMs, bytesPerTopic: behaviour.logBytesPerTopic, onAppend: clsFiles && ((topicId, records) => clsFiles.appended(topicId, records)) });
    clsFiles?.load(this.cls);
    clsFiles?.watch(this.cls);
    let saved;
    try {
      saved = this.state.persistent ? readAccountFile(this.state.path) : undefined;
    } catch (error) {
      this.state.close();
      throw error;
    }
    this.store = new InvocationStore(behaviour.capacity, behaviour.historyBytes);
    this.account = new Account(now, saved?.identity ?? identity);
    const packages = new PackageStore(this.state);
    this.cos = new CosStore(this.state, this.account.identity.appId, () => this.save(), now);
    this.lifecycle = new Lifecycle(behaviour.transitionMs ?? DEFAULT_TRANSITION_MS, behaviour.deployFaults ?? [], () => this.commit());
    this.timers = new TimerScheduler((fn, trigger, at) => this.fireTimer(fn, trigger, at), now);
    this.codeUrls = new CodeUrls(now);
    this.ctx = {
      account: this.account,
      invocations: this.store,
      behaviour,
      now,
      running: new Set(),
      packages,
      cos: this.cos,
      lifecycle: this.lifecycle,
      commit: () => this.commit(),
      codeUrl: (sha256) => this.publicUrl.replace(/\/$/, '') + this.codeUrls.path(sha256),
      logTopic: (functionName, requested) => this.logTopic(functionName, requested),
      cls: this.cls,
      slots: new Slots(behaviour.maxConcurrency ?? 64),
      functionSlots: new FunctionSlots(),
      layerCacheDir: this.state.sub('opt'),
      roll: behaviour.routingSeed === undefined ? Math.random : dice(behaviour.routingSeed),
    };

    if (saved) {
      try {
        accountFromJson(saved, this.account, (sha256, size) => packages.codeRecord(sha256, size));
      } catch (error) {
        this.state.close();
        throw error;
      }
      this.cos.restore(saved.buckets);
      settleInterrupted(this.account);
      packages.collect(referencedPackages(this.account));
    }
    // A service's functions join the account unless it holds them already (a kept state wins).
    for (const fn of service?.functions ?? []) {
      this.account.addNamespace(fn.namespace, '');
      if (this.account.getFunction(fn.namespace, fn.functionName)) continue;
      const config = { runtime: fn.runtime, handler: fn.handler, memorySize: fn.memorySize, timeout: fn.timeout, description: '', environment: Object.assign(Object.create(null), fn.environment), layers: [], ...this.logTopic(fn.functionName, {}) };
      const record = newFunctionRecord({ functionName: fn.functionName, namespace: fn.namespace, status: 'Active', config, code: { dir: service!.dir, size: 0 }, type: 'Event' }, now());
      // Its timer triggers as a deploy would create them: armed from the start.
      const at = now();
      record.triggers = (fn.timers ?? []).map((t) => ({
        type: 'timer',
        name: t.name,
        desc: JSON.stringify({ cron: t.cron }),
        enable: t.enable,
        qualifier: t.qualifier,
        customArgument: t.argument,
        description: '',
        addTime: at,
        modTime: at,
      }));
      this.account.putFunction(record);
    }
    this.commit();
  }

  async handle(action: string, params: Params): Promise<Params> {
    const run = ACTIONS.get(action);
    if (!run) throw new ApiFault('InvalidAction', `The action \`${action}\` is not supported by this endpoint.`);
    return run(this.ctx, params);
  }

  /** CLS (version CLS_API_VERSION): SearchLog and DescribeLogHistogram, at most 15 of them on one topic at once. */
  async handleCls(action: string, params: Params, latencyMs = 0): Promise<Params> {
    if (action !== 'SearchLog' && action !== 'DescribeLogHistogram') throw new ApiFault('InvalidAction', `The CLS action \`${action.slice(0, 60)}\` is not supported by this endpoint.`);
    const release = typeof params.TopicId === 'string' ? this.searches.acquire(params.TopicId) : undefined;
    try {
      // The latency the faults ask for, if any (a search holds its slot while it takes its time), then a turn of
      // the event loop: searches in flight at once are counted as the cloud counts them, and the search's work
      // runs after I/O is polled. Run straight from the timer, searches due together run back to back before any
      // request that arrived meanwhile is read, so its latency starts late (the history bench lost 1-2 s to it).
      if (latencyMs) await new Promise((r) => setTimeout(r, latencyMs));
      await new Promise((r) => setImmediate(r));
      if (action === 'DescribeLogHistogram') return logHistogram(params, this.cls, this.ctx.now()) as unknown as Params;
      return searchLog(params, this.cls, this.ctx.now(), { legacyQueryOnly: this.ctx.behaviour.clsLegacyQuery }) as unknown as Params;
    } finally {
      release?.();
    }
  }

  private logTopic(functionName: string, requested: { logsetId?: string; topicId?: string }): { clsLogsetId?: string; clsTopicId?: string } {
    if (requested.topicId) {
      const topic = this.cls.topic(requested.topicId);
      if (!topic) throw new ApiFault('InvalidParameterValue.ClsTopicId', `The CLS topic \`${requested.topicId.slice(0, 60)}\` does not exist.`);
      return { clsLogsetId: topic.info.logsetId, clsTopicId: topic.info.topicId };
    }
    if (this.ctx.behaviour.withoutLogTopic?.some((glob) => globMatch(glob, functionName))) return { clsLogsetId: '', clsTopicId: '' };
    const topic = this.cls.scfTopic();
    return { clsLogsetId: topic.info.logsetId, clsTopicId: topic.info.topicId };
  }

  /** Cloud Monitor (version MONITOR_API_VERSION): GetMonitorData of SCF's metrics, from this account's invocations. */
  async handleMonitor(action: string, params: Params): Promise<Params> {
    if (action !== 'GetMonitorData') throw new ApiFault('InvalidAction', `The monitor action \`${action.slice(0, 60)}\` is not supported by this endpoint.`);
    return getMonitorData(params, (name, namespace) => this.store.of(name, namespace), this.ctx.now(), this.ctx.behaviour.monitorLagMs);
  }

  /** The Tag API (version TAG_API_VERSION): ModifyResourceTags on this account's functions. */
  async handleTag(action: string, params: Params): Promise<Params> {
    const run = TAG_ACTIONS.get(action);
    if (!run) throw new ApiFault('InvalidAction', `The tag action \`${action}\` is not supported by this endpoint.`);
    return run(this.ctx, params);
  }

  /** The handler for requests `isCosRequest` picks out, verifying COS signatures with `credentials`. */
  cosHandler(credentials: CosCredentials | CosKeys): CosRequestHandler {
    return createCosHandler(this.cos, credentials, this.ctx.now);
  }

  /** True for a GET of a deployed zip (GetFunctionAddress's Url): route it to `handleCodeDownload`. */
  static isCodeDownload(req: http.IncomingMessage): boolean {
    return (req.url ?? '').startsWith(CODE_PATH_PREFIX);
  }

  /** Serves a deployed zip at a signed, unexpired address. */
  handleCodeDownload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    return serveCode(this.codeUrls, (sha256) => this.ctx.packages.zipPath(sha256), req, res);
  }

  static isCosRequest = isCosRequest;

  /** The deploy faults in force (what remains of counted ones). */
  get deployFaults(): DeployFault[] {
    return this.lifecycle.faults;
  }

  /** Replaces the deploy faults: creates and updates of matching functions land in CreateFailed / UpdateFailed. */
  setDeployFaults(faults: DeployFault[]): void {
    this.lifecycle.faults = faults;
  }

  /** How long transitions last from now on, ms. */
  setTransitionMs(ms: number): void {
    this.lifecycle.delayMs = ms;
  }

  /** Settles every function in transition at once (tests that must not wait). */
  settleTransitions(): void {
    this.lifecycle.settleAll();
  }

  /**
   * Code a kept account refers to that is not all there (an emulator stopped mid-unpack) is unpacked again
   * from its zip before anything runs; code whose zip is gone too is named.
   */
  async repairCode(): Promise<void> {
    const lost = await this.ctx.packages.repair(referencedPackages(this.account));
    for (const sha256 of lost) {
      const users = [...this.account.functions.values()].filter((fn) => fn.code.sha256 === sha256 || [...fn.versions.values()].some((v) => v.code.sha256 === sha256));
      this.ctx.behaviour.notice?.(`the code ${sha256.slice(0, 12)}… of ${users.map((fn) => `${fn.namespace}/${fn.functionName}`).join(', ')} is incomplete and its zip is gone: deploy it again.`);
    }
  }

  /** Where the account keeps its code and packages (a temporary directory unless --state-dir). */
  get stateDirectory(): string {
    return this.state.path;
  }

  /** How many timer triggers are armed. */
  get armedTimers(): number {
    return this.timers.size;
  }

  /**
   * Records finished (or running) invocations without running anything: for tests and benchmarks that need
   * thousands of log entries or async events.
   */
  seed(functionName: string, namespace: string, items: Array<Partial<Omit<Invocation, 'seq'>> & { startMs: number }>): Invocation[] {
    const topicId = this.account.getFunction(namespace, functionName)?.config.clsTopicId;
    const topic = topicId ? this.cls.topic(topicId) : undefined;
    return items.map((item) => {
      const requestId = item.requestId ?? randomUUID();
      const running = item.status === 'RUNNING';
      if (topic) {
        // The same invocation in the function's CLS topic, as SCF writes it.
        const log = new InvocationLog({ functionName, namespace, qualifier: '$LATEST', alias: '', requestId, retryNum: 0, startMs: item.startMs });
        const records = [log.start(), log.line({ timeMs: item.startMs, text: 'seeded entry' })];
        if (!running) {
          const retCode = item.retCode ?? 0;
          const statusCode = retCode === 0 ? 200 : retCode === 433 || retCode === 434 ? retCode : retCode === 3 ? 499 : 430;
          records.push(...log.end({ statusCode, retMsg: retCode === 0 ? '"seeded"' : '', errorMessage: retCode === 0 ? undefined : 'seeded failure', durationMs: 1, memUsageBytes: 1048576, memorySize: 128 }, item.endMs ?? item.startMs + 1));
        }
        this.cls.append(topic.info.topicId, records);
      }
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

  /** Serves the account's function URLs, each on a port of 127.0.0.1 (the first tried: `basePort`; 0 any). */
  serveUrls(credentials: EmulatorCredentials, basePort = 0): FunctionUrls {
    this.ctx.urls ??= new FunctionUrls(this.ctx, credentials, basePort);
    this.ctx.urls.sync(this.account);
    return this.ctx.urls;
  }

  /** The function URLs served (none until serveUrls). */
  get urls(): FunctionUrls | undefined {
    return this.ctx.urls;
  }

  /** Stops every running invocation and web function instance at once (the emulator is closing), then waits for their records. */
  async shutdown(): Promise<void> {
    this.store.terminateRunning();
    await this.ctx.urls?.close();
    await this.idle();
  }

  /**
   * Stops the timers, waits for running invocations, keeps the account (with a state directory; transitions
   * under way settle at the next start) or removes the temporary directory. Call after the server stopped.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.collectTimer);
    this.timers.stop();
    await this.ctx.urls?.close();
    await this.idle();
    this.lifecycle.cancelAll();
    this.clsFiles?.flush();
    this.save();
    this.state.close();
  }

  private save(): void {
    if (!this.state.persistent) return;
    writeAccountFile(this.state.path, accountToJson(this.account, this.cos.snapshot()));
    this.clsFiles?.saveTopics(this.cls);
  }

  private commit(): void {
    if (this.closed) return;
    this.save();
    this.timers.sync(this.account.functions.values());
    this.ctx.urls?.sync(this.account);
    this.scheduleCollect();
  }

  private collectTimer?: NodeJS.Timeout;

  /**
   * Soon after a change, the code no function or version refers to any more is removed, but for code held (an
   * invocation runs it, or a failing update would restore it): a long-running emulator does not keep every package
   * it was ever sent.
   */
  private scheduleCollect(): void {
    if (this.collectTimer) return;
    this.collectTimer = setTimeout(() => {
      this.collectTimer = undefined;
      if (this.closed) return;
      this.ctx.packages.collect(referencedPackages(this.account));
    }, 1000);
    this.collectTimer.unref();
  }

  private fireTimer(fn: FunctionRecord, trigger: TriggerRecord, atMs: number): void {
    // A function that went away or cannot run now misses this beat, as on SCF.
    if (this.account.getFunction(fn.namespace, fn.functionName) !== fn || !fn.triggers.includes(trigger)) return;
    const trace = this.ctx.behaviour.trace;
    const what = `timer ${trigger.name} of ${fn.namespace}/${fn.functionName} (${trigger.qualifier})`;
    try {
      requireInvocable(fn, trigger.qualifier);
      const { requestId } = startInvocation(this.ctx, fn, trigger.qualifier, 'Event', timerEvent(trigger, atMs), 'TIMER');
      trace?.(`${clockTime(atMs)} ${what} fired: request ${requestId}`);
    } catch (error) {
      // Not runnable now (or its qualifier is gone): nothing to record.
      trace?.(`${clockTime(atMs)} ${what} missed: ${(error as Error).message}`);
    }
  }
}

/** `HH:MM:SS.mmm` local time, for trace lines. */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Functions that were in transition when the emulator stopped end where the transition would have. */
function settleInterrupted(account: Account): void {
  for (const fn of [...account.functions.values()]) {
    if (fn.status === 'Deleting') account.deleteFunction(fn.namespace, fn.functionName);
    else if (fn.status === 'Creating' || fn.status === 'Updating' || fn.status === 'Publishing') fn.status = 'Active';
    for (const version of fn.versions.values()) if (version.status === 'Publishing') version.status = 'Active';
  }
}

function referencedPackages(account: Account): Set<string> {
  const hashes = account.layerCode();
  for (const fn of account.functions.values()) {
    if (fn.code.sha256) hashes.add(fn.code.sha256);
    for (const version of fn.versions.values()) if (version.code.sha256) hashes.add(version.code.sha256);
  }
  return hashes;
}

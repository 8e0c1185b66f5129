// The SCF facade: typed actions in, the camelCase model out, over the one transport. API 3.0 by default; the
// legacy API (InvokeFunction, GetFunctionLogs) underneath the same model when asked for. Every reply is checked
// for the shape its action promises: a reply of the wrong shape is an error naming the action, never a success.
import { ScfError } from './errors';
import { listPageSize } from './limits';
import { isObject, type Json, list, malformedReply, num, type ServiceApi, str, type Transport } from './transport';
import {
  type AliasInfo,
  API_VERSION,
  type AsyncInvokeConfig,
  type AsyncEvent,
  type AsyncEventStatus,
  type DeployedTrigger,
  type FunctionCode,
  type FunctionConfiguration,
  type FunctionInfo,
  type FunctionSummary,
  type FunctionTarget,
  type GetFunctionLogsRequest,
  type GetFunctionLogsResult,
  type GetRequestStatusRequest,
  type GetRequestStatusResult,
  type InvokeRequest,
  type InvokeResult,
  type LayerPublication,
  type LayerVersionInfo,
  type ListAsyncEventsRequest,
  type ListAsyncEventsResult,
  type LogEntry,
  type NamespaceInfo,
  type ProvisionedConcurrency,
  type TerminateAsyncEventRequest,
  type TerminateAsyncEventResult,
  type TriggerSpec,
  type VersionInfo,
  type VersionWeight,
} from './types';
import type { Endpoint } from '../config/settings';

export interface ScfClientOptions {
  endpoint: Endpoint;
  /** Speak the legacy API. */
  legacy?: boolean;
  /** A synchronous Invoke waits for the function: the API allows up to 300 s of run time. */
  invokeTimeoutMs?: number;
}

type Target = { functionName: string; namespace: string };

const NOT_FOUND = new Set(['ResourceNotFound.Function', 'ResourceNotFound.FunctionName']);

export class ScfClient {
  readonly api: ServiceApi;

  constructor(
    private readonly transport: Transport,
    private readonly options: ScfClientOptions,
  ) {
    this.api = { service: 'scf', version: API_VERSION, endpoint: options.endpoint };
  }

  get legacy(): boolean {
    return Boolean(this.options.legacy);
  }

  get region(): string {
    return this.transport.region;
  }

  private call(action: string, params: Json, target?: Partial<Target>, timeoutMs?: number): Promise<Json> {
    return this.transport.call({ api: this.api, action, params, target, timeoutMs });
  }

  private callLegacy(action: string, legacyAction: string, params: Json, target?: Partial<Target>, timeoutMs?: number): Promise<Json> {
    return this.transport.callLegacy({ api: this.api, action, legacyAction, params, target, timeoutMs });
  }

  private malformed(action: string, why: string): ScfError {
    return malformedReply({ action, api: this.api }, why);
  }

  // ---- invoke, logs, status, events ----------------------------------------------------------------------

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const target = { functionName: req.functionName, namespace: req.namespace };
    const timeoutMs = req.invocationType === 'Event' ? undefined : (this.options.invokeTimeoutMs ?? 330_000);
    if (this.legacy) {
      const reply = await this.callLegacy(
        'Invoke',
        'InvokeFunction',
        { functionName: req.functionName, invokeType: req.invocationType, param: req.clientContext, logType: req.logType, namespace: req.namespace, qualifier: req.qualifier },
        target,
        timeoutMs,
      );
      const data = typeof reply.data === 'string' ? safeJson(reply.data) : reply.data;
      if (!isObject(data) || typeof data.requestId !== 'string') throw this.malformed('Invoke', '"data.requestId" missing');
      return {
        functionRequestId: data.requestId,
        retMsg: str(data.retMsg ?? data.payLoad),
        errMsg: str(data.errMsg),
        log: str(data.log ?? data.logMsg),
        duration: num(data.duration),
        billDuration: num(data.billDuration),
        memUsage: num(data.memUsage ?? data.memSize),
        apiRequestId: str(reply.requestId ?? data.requestId),
      };
    }
    const reply = await this.call(
      'Invoke',
      { FunctionName: req.functionName, InvocationType: req.invocationType, Qualifier: req.qualifier, ClientContext: req.clientContext, LogType: req.logType, Namespace: req.namespace },
      target,
      timeoutMs,
    );
    const result = reply.Result;
    if (!isObject(result)) throw this.malformed('Invoke', '"Result" missing');
    if (typeof result.FunctionRequestId !== 'string' || !result.FunctionRequestId) throw this.malformed('Invoke', '"Result.FunctionRequestId" missing');
    return {
      functionRequestId: result.FunctionRequestId,
      retMsg: str(result.RetMsg),
      errMsg: str(result.ErrMsg),
      log: str(result.Log),
      duration: num(result.Duration),
      billDuration: num(result.BillDuration),
      memUsage: num(result.MemUsage),
      apiRequestId: str(reply.RequestId),
    };
  }

  async getFunctionLogs(req: GetFunctionLogsRequest): Promise<GetFunctionLogsResult> {
    const target = { functionName: req.functionName, namespace: req.namespace };
    if (this.legacy) {
      const reply = await this.callLegacy(
        'GetFunctionLogs',
        'GetFunctionLogs',
        {
          functionName: req.functionName,
          namespace: req.namespace,
          qualifier: req.qualifier,
          offset: req.offset,
          limit: req.limit,
          order: req.order,
          orderby: req.orderBy,
          filter: req.retCode ? { retCode: req.retCode } : undefined,
          requestId: req.functionRequestId,
          startTime: req.startTime,
          endTime: req.endTime,
        },
        target,
      );
      if (reply.data !== undefined && reply.data !== null && !Array.isArray(reply.data)) throw this.malformed('GetFunctionLogs', '"data" is not a list');
      return { totalCount: num(reply.total), entries: list(reply.data).map((d) => logEntry(d, false)), apiRequestId: str(reply.requestId) };
    }
    const reply = await this.call(
      'GetFunctionLogs',
      {
        FunctionName: req.functionName,
        Namespace: req.namespace,
        Qualifier: req.qualifier,
        Offset: req.offset,
        Limit: req.limit,
        Order: req.order,
        OrderBy: req.orderBy,
        Filter: req.retCode ? { RetCode: req.retCode } : undefined,
        FunctionRequestId: req.functionRequestId,
        StartTime: req.startTime,
        EndTime: req.endTime,
      },
      target,
    );
    this.expectList('GetFunctionLogs', reply, 'Data');
    return { totalCount: num(reply.TotalCount), entries: list(reply.Data).map((d) => logEntry(d, true)), apiRequestId: str(reply.RequestId) };
  }

  async getRequestStatus(req: GetRequestStatusRequest): Promise<GetRequestStatusResult> {
    if (this.legacy) return this.legacyRequestStatus(req);
    const reply = await this.call(
      'GetRequestStatus',
      { FunctionName: req.functionName, FunctionRequestId: req.functionRequestId, Namespace: req.namespace, StartTime: req.startTime, EndTime: req.endTime },
      req,
    );
    this.expectList('GetRequestStatus', reply, 'Data');
    return {
      totalCount: num(reply.TotalCount),
      statuses: list(reply.Data).map((d) => ({
        functionName: str(d.FunctionName),
        requestId: str(d.RequestId),
        startTime: str(d.StartTime),
        retCode: num(d.RetCode),
        retMsg: str(d.RetMsg),
        duration: num(d.Duration),
        memUsage: num(d.MemUsage),
        retryNum: num(d.RetryNum),
      })),
      apiRequestId: str(reply.RequestId),
    };
  }

  /** The legacy API has no GetRequestStatus: the request's log entry tells the same (running, done, failed). */
  private async legacyRequestStatus(req: GetRequestStatusRequest): Promise<GetRequestStatusResult> {
    const logs = await this.getFunctionLogs({
      functionName: req.functionName,
      namespace: req.namespace,
      functionRequestId: req.functionRequestId,
      startTime: req.startTime,
      endTime: req.endTime,
      limit: 1,
    });
    return {
      totalCount: logs.entries.length,
      statuses: logs.entries.map((e) => ({
        functionName: e.functionName,
        requestId: e.requestId,
        startTime: e.startTime,
        retCode: e.invokeFinished !== 1 || e.retCode === 2 ? 1 : e.retCode === 0 ? 0 : -1,
        retMsg: e.retMsg,
        duration: e.duration,
        memUsage: e.memUsage / (1024 * 1024),
        retryNum: e.retryNum,
      })),
      apiRequestId: logs.apiRequestId,
    };
  }

  async listAsyncEvents(req: ListAsyncEventsRequest): Promise<ListAsyncEventsResult> {
    this.requireApi3('ListAsyncEvents');
    const interval = (i?: { start: string; end: string }) => (i ? { Start: i.start, End: i.end } : undefined);
    const reply = await this.call(
      'ListAsyncEvents',
      {
        FunctionName: req.functionName,
        Namespace: req.namespace,
        Qualifier: req.qualifier,
        InvokeType: req.invokeType,
        Status: req.status,
        StartTimeInterval: interval(req.startTimeInterval),
        EndTimeInterval: interval(req.endTimeInterval),
        Order: req.order,
        Orderby: req.orderBy,
        Offset: req.offset,
        Limit: req.limit,
        InvokeRequestId: req.invokeRequestId,
      },
      req,
    );
    this.expectList('ListAsyncEvents', reply, 'EventList');
    return {
      totalCount: num(reply.TotalCount),
      events: list(reply.EventList).map(
        (e): AsyncEvent => ({
          invokeRequestId: str(e.InvokeRequestId),
          invokeType: str(e.InvokeType),
          qualifier: str(e.Qualifier),
          status: str(e.Status) as AsyncEventStatus,
          startTime: str(e.StartTime),
          endTime: str(e.EndTime),
        }),
      ),
      apiRequestId: str(reply.RequestId),
    };
  }

  async terminateAsyncEvent(req: TerminateAsyncEventRequest): Promise<TerminateAsyncEventResult> {
    this.requireApi3('TerminateAsyncEvent');
    const reply = await this.call(
      'TerminateAsyncEvent',
      { FunctionName: req.functionName, InvokeRequestId: req.invokeRequestId, Namespace: req.namespace, GraceShutdown: req.graceShutdown },
      req,
    );
    return { apiRequestId: str(reply.RequestId) };
  }

  // ---- functions -------------------------------------------------------------------------------------------

  /** The function, or undefined when it does not exist. */
  async getFunction(target: FunctionTarget): Promise<FunctionInfo | undefined> {
    this.requireApi3('GetFunction');
    let reply: Json;
    try {
      reply = await this.call('GetFunction', { FunctionName: target.functionName, Namespace: target.namespace, Qualifier: target.qualifier }, target);
    } catch (error) {
      if (error instanceof ScfError && NOT_FOUND.has(error.code)) return undefined;
      throw error;
    }
    if (typeof reply.FunctionName !== 'string' || typeof reply.Status !== 'string') throw this.malformed('GetFunction', '"FunctionName" or "Status" missing');
    return functionInfo(reply);
  }

  async getFunctionAddress(target: FunctionTarget): Promise<{ url: string; codeSha256: string }> {
    const reply = await this.call('GetFunctionAddress', { FunctionName: target.functionName, Namespace: target.namespace, Qualifier: target.qualifier }, target);
    return { url: str(reply.Url), codeSha256: str(reply.CodeSha256) };
  }

  async createFunction(target: Target, config: FunctionConfiguration, code: FunctionCode, tags: Record<string, string>): Promise<void> {
    await this.call(
      'CreateFunction',
      {
        FunctionName: target.functionName,
        Namespace: target.namespace,
        Code: codeParams(code),
        ...configurationParams(config, { forCreate: true }),
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      },
      target,
      uploadTimeoutMs(code),
    );
  }

  async updateFunctionCode(target: Target, handler: string, code: FunctionCode, installDependency?: boolean): Promise<void> {
    await this.call(
      'UpdateFunctionCode',
      {
        FunctionName: target.functionName,
        Namespace: target.namespace,
        // A web function has no handler (its scf_bootstrap starts it).
        Handler: handler || undefined,
        ...codeParams(code),
        InstallDependency: installDependency === undefined ? undefined : installDependency ? 'TRUE' : 'FALSE',
      },
      target,
      uploadTimeoutMs(code),
    );
  }

  /**
   * Sends the whole configuration. What is empty is sent only when `clear` says so, in the form SCF clears it
   * with (an empty list alone leaves the old variables or layers in place).
   */
  async updateFunctionConfiguration(target: Target, config: FunctionConfiguration, clear: ClearSettings = {}): Promise<void> {
    await this.call('UpdateFunctionConfiguration', { FunctionName: target.functionName, Namespace: target.namespace, ...configurationParams(config, { forCreate: false, clear }) }, target);
  }

  async deleteFunction(target: Target): Promise<void> {
    await this.call('DeleteFunction', { FunctionName: target.functionName, Namespace: target.namespace }, target);
  }

  /** Every function of a namespace whose tags hold all of `tags` (all pages). */
  async listFunctions(namespace: string, tags: Record<string, string> = {}): Promise<FunctionSummary[]> {
    const filters = Object.entries(tags).map(([key, value]) => ({ Name: `tag-${key}`, Values: [value] }));
    return this.listAll('ListFunctions', { Namespace: namespace, Filters: filters.length ? filters : undefined }, 'Functions', functionSummary);
  }

  /**
   * Every function of a namespace as one listing: the first page, then the rest side by side. `whole` when every
   * page gave the same TotalCount and together that many distinct functions (see lib/poll/status-board.ts).
   */
  async listFunctionsListing(namespace: string): Promise<{ functions: Map<string, FunctionSummary>; whole: boolean }> {
    const limit = listPageSize('ListFunctions');
    const page = async (offset: number) => {
      const reply = await this.call('ListFunctions', { Namespace: namespace, Offset: offset, Limit: limit }, { namespace });
      this.expectList('ListFunctions', reply, 'Functions');
      return { total: num(reply.TotalCount), items: list(reply.Functions).map(functionSummary) };
    };
    const first = await page(0);
    const offsets: number[] = [];
    for (let offset = first.items.length; first.items.length && offset < first.total; offset += limit) offsets.push(offset);
    const pages = [first, ...(await Promise.all(offsets.map(page)))];
    const functions = new Map<string, FunctionSummary>();
    for (const p of pages) for (const f of p.items) functions.set(f.functionName, f);
    return { functions, whole: pages.every((p) => p.total === first.total) && functions.size === first.total };
  }

  async createNamespace(namespace: string, description: string): Promise<void> {
    await this.call('CreateNamespace', { Namespace: namespace, Description: description }, { namespace });
  }

  async deleteNamespace(namespace: string): Promise<void> {
    await this.call('DeleteNamespace', { Namespace: namespace }, { namespace });
  }

  async listNamespaces(): Promise<NamespaceInfo[]> {
    return this.listAll('ListNamespaces', {}, 'Namespaces', (n): NamespaceInfo => ({ name: str(n.Name), description: str(n.Description), type: str(n.Type) }));
  }

  // ---- versions and aliases --------------------------------------------------------------------------------

  async publishVersion(target: Target, description: string): Promise<string> {
    const reply = await this.call('PublishVersion', { FunctionName: target.functionName, Namespace: target.namespace, Description: description }, target);
    if (!str(reply.FunctionVersion)) throw this.malformed('PublishVersion', '"FunctionVersion" missing');
    return str(reply.FunctionVersion);
  }

  async listVersions(target: Target): Promise<VersionInfo[]> {
    return this.listAll(
      'ListVersionByFunction',
      { FunctionName: target.functionName, Namespace: target.namespace },
      'Versions',
      (v): VersionInfo => ({ version: str(v.Version), description: str(v.Description), status: str(v.Status), addTime: str(v.AddTime), modTime: str(v.ModTime) }),
      target,
    );
  }

  /** The alias, or undefined when the function has none of that name. */
  async getAlias(target: Target, name: string): Promise<AliasInfo | undefined> {
    try {
      const reply = await this.call('GetAlias', { FunctionName: target.functionName, Namespace: target.namespace, Name: name }, target);
      if (!str(reply.FunctionVersion)) throw this.malformed('GetAlias', '"FunctionVersion" missing');
      return aliasInfo(reply);
    } catch (error) {
      if (error instanceof ScfError && error.code === 'ResourceNotFound.Alias') return undefined;
      throw error;
    }
  }

  /** Every alias of the function ($DEFAULT among them). */
  async listAliases(target: Target): Promise<AliasInfo[]> {
    // The action's table types Offset and Limit as strings.
    const aliases: AliasInfo[] = [];
    const limit = listPageSize('ListAliases');
    for (let offset = 0; ; ) {
      const reply = await this.call('ListAliases', { FunctionName: target.functionName, Namespace: target.namespace, Offset: String(offset), Limit: String(limit) }, target);
      this.expectList('ListAliases', reply, 'Aliases');
      const page = list(reply.Aliases).map(aliasInfo);
      aliases.push(...page);
      offset += page.length;
      if (!page.length || offset >= num(reply.TotalCount)) return aliases;
    }
  }

  /**
   * Points an alias at `functionVersion`, sending `weights` of its invocations to other versions. The routing is
   * always sent (an empty list clears it): what the alias does afterwards does not depend on what it did before.
   */
  async createAlias(target: Target, name: string, functionVersion: string, description = '', weights: VersionWeight[] = []): Promise<void> {
    await this.call('CreateAlias', { FunctionName: target.functionName, Namespace: target.namespace, Name: name, FunctionVersion: functionVersion, Description: description, RoutingConfig: routingConfig(weights) }, target);
  }

  async updateAlias(target: Target, name: string, functionVersion: string, description = '', weights: VersionWeight[] = []): Promise<void> {
    await this.call('UpdateAlias', { FunctionName: target.functionName, Namespace: target.namespace, Name: name, FunctionVersion: functionVersion, Description: description, RoutingConfig: routingConfig(weights) }, target);
  }

  /** Deletes a published version (never $LATEST). */
  async deleteFunctionVersion(target: Target, version: string): Promise<void> {
    await this.call('DeleteFunctionVersion', { FunctionName: target.functionName, Namespace: target.namespace, Qualifier: version }, target);
  }

  // ---- triggers --------------------------------------------------------------------------------------------

  async listTriggers(target: Target): Promise<DeployedTrigger[]> {
    return this.listAll('ListTriggers', { FunctionName: target.functionName, Namespace: target.namespace }, 'Triggers', deployedTrigger, target);
  }

  async createTrigger(target: Target, trigger: TriggerSpec): Promise<void> {
    await this.call('CreateTrigger', { FunctionName: target.functionName, Namespace: target.namespace, ...triggerParams(trigger) }, target);
  }

  async updateTrigger(target: Target, trigger: TriggerSpec): Promise<void> {
    await this.call('UpdateTrigger', { FunctionName: target.functionName, Namespace: target.namespace, ...triggerParams(trigger) }, target);
  }

  /** DeleteTrigger finds a trigger by type, name and qualifier; COS also needs the TriggerDesc it was made with. */
  async deleteTrigger(target: Target, trigger: Pick<DeployedTrigger, 'type' | 'name' | 'desc' | 'qualifier'>): Promise<void> {
    await this.call(
      'DeleteTrigger',
      { FunctionName: target.functionName, Namespace: target.namespace, Type: trigger.type, TriggerName: trigger.name, TriggerDesc: trigger.desc || undefined, Qualifier: trigger.qualifier || undefined },
      target,
    );
  }

  // ---- layers ----------------------------------------------------------------------------------------------

  /** Publishes a new version of a layer from a package (inline or COS); returns its number. */
  async publishLayerVersion(layer: LayerPublication, code: FunctionCode): Promise<number> {
    const reply = await this.call(
      'PublishLayerVersion',
      {
        LayerName: layer.layerName,
        CompatibleRuntimes: layer.compatibleRuntimes,
        Content: codeParams(code),
        Description: layer.description,
        LicenseInfo: layer.licenseInfo,
        Tags: Object.entries(layer.tags).map(([Key, Value]) => ({ Key, Value })),
      },
      undefined,
      uploadTimeoutMs(code),
    );
    const version = num(reply.LayerVersion);
    if (!Number.isInteger(version) || version < 1) throw this.malformed('PublishLayerVersion', '"LayerVersion" missing');
    return version;
  }

  /** A layer version, or undefined when it (or its layer) does not exist. */
  async getLayerVersion(layerName: string, version: number): Promise<LayerVersionInfo | undefined> {
    try {
      const reply = await this.call('GetLayerVersion', { LayerName: layerName, LayerVersion: version });
      return layerVersionInfo(reply);
    } catch (error) {
      if (error instanceof ScfError && /^ResourceNotFound\.(Layer|LayerVersion)$/.test(error.code)) return undefined;
      throw error;
    }
  }

  /** Every version of a layer, newest first; [] when the layer does not exist. */
  async listLayerVersions(layerName: string): Promise<LayerVersionInfo[]> {
    try {
      const reply = await this.call('ListLayerVersions', { LayerName: layerName });
      this.expectList('ListLayerVersions', reply, 'LayerVersions');
      return list(reply.LayerVersions)
        .map(layerVersionInfo)
        .sort((a, b) => b.version - a.version);
    } catch (error) {
      if (error instanceof ScfError && /^ResourceNotFound\.(Layer|LayerVersion)$/.test(error.code)) return [];
      throw error;
    }
  }

  /** Every layer of the region (each with its newest version), all pages. */
  async listLayers(): Promise<LayerVersionInfo[]> {
    return this.listAll('ListLayers', {}, 'Layers', layerVersionInfo);
  }

  async deleteLayerVersion(layerName: string, version: number): Promise<void> {
    await this.call('DeleteLayerVersion', { LayerName: layerName, LayerVersion: version });
  }

  // ---- concurrency and async settings ------------------------------------------------------------------------

  /** The function's reserved concurrency in MB; undefined when none is set. */
  async getReservedConcurrency(target: Target): Promise<number | undefined> {
    const reply = await this.call('GetReservedConcurrencyConfig', { FunctionName: target.functionName, Namespace: target.namespace }, target);
    return reply.ReservedMem === undefined || reply.ReservedMem === null ? undefined : num(reply.ReservedMem);
  }

  /** Sets the function's reserved concurrency: MB of memory, not instances. */
  async putReservedConcurrency(target: Target, megabytes: number): Promise<void> {
    await this.call('PutReservedConcurrencyConfig', { FunctionName: target.functionName, Namespace: target.namespace, ReservedConcurrencyMem: megabytes }, target);
  }

  async deleteReservedConcurrency(target: Target): Promise<void> {
    await this.call('DeleteReservedConcurrencyConfig', { FunctionName: target.functionName, Namespace: target.namespace }, target);
  }

  /** The provisioned concurrency of every version of the function (or of `qualifier` alone). */
  async getProvisionedConcurrency(target: Target, qualifier?: string): Promise<ProvisionedConcurrency[]> {
    const reply = await this.call('GetProvisionedConcurrencyConfig', { FunctionName: target.functionName, Namespace: target.namespace, Qualifier: qualifier }, target);
    this.expectList('GetProvisionedConcurrencyConfig', reply, 'Allocated');
    return list(reply.Allocated).map((a) => ({
      qualifier: str(a.Qualifier),
      allocated: num(a.AllocatedProvisionedConcurrencyNum),
      available: num(a.AvailableProvisionedConcurrencyNum),
      status: str(a.Status),
      statusReason: str(a.StatusReason),
    }));
  }

  /** Provisions `count` instances of a published version (never $LATEST). */
  async putProvisionedConcurrency(target: Target, qualifier: string, count: number): Promise<void> {
    await this.call(
      'PutProvisionedConcurrencyConfig',
      { FunctionName: target.functionName, Namespace: target.namespace, Qualifier: qualifier, VersionProvisionedConcurrencyNum: count },
      target,
    );
  }

  async deleteProvisionedConcurrency(target: Target, qualifier: string): Promise<void> {
    await this.call('DeleteProvisionedConcurrencyConfig', { FunctionName: target.functionName, Namespace: target.namespace, Qualifier: qualifier }, target);
  }

  /**
   * The async retry settings. The vendor's example reply lists two RetryConfig entries (1 and -1): the first is the
   * retries of an error of the user's code, the one serverless.yml sets.
   */
  async getAsyncInvokeConfig(target: Target): Promise<AsyncInvokeConfig | undefined> {
    const reply = await this.call('GetFunctionEventInvokeConfig', { FunctionName: target.functionName, Namespace: target.namespace }, target);
    const config = reply.AsyncTriggerConfig;
    if (!isObject(config)) return undefined;
    const [first] = list(config.RetryConfig);
    return { retries: num(first?.RetryNum), msgTtl: num(config.MsgTTL) };
  }

  async updateAsyncInvokeConfig(target: Target, config: AsyncInvokeConfig): Promise<void> {
    await this.call(
      'UpdateFunctionEventInvokeConfig',
      { FunctionName: target.functionName, Namespace: target.namespace, AsyncTriggerConfig: { RetryConfig: [{ RetryNum: config.retries }], MsgTTL: config.msgTtl } },
      target,
    );
  }

  private requireApi3(action: string): void {
    if (this.legacy) {
      throw new ScfError('Plugin.Unsupported', `${action} is not part of the legacy API.`);
    }
  }

  /** Every item of a paged List* action, a page of the action's own size at a time, until TotalCount (or an empty page). */
  private async listAll<T>(action: string, params: Json, field: string, map: (item: Json) => T, target?: Partial<Target>): Promise<T[]> {
    const items: T[] = [];
    const limit = listPageSize(action);
    for (let offset = 0; ; ) {
      const reply = await this.call(action, { ...params, Offset: offset, Limit: limit }, target);
      this.expectList(action, reply, field);
      const page = list(reply[field]).map(map);
      items.push(...page);
      offset += page.length;
      if (!page.length || offset >= num(reply.TotalCount)) return items;
    }
  }

  /** A list field is a list, or absent/null (some actions answer null for "nothing"). */
  private expectList(action: string, reply: Json, field: string): void {
    const value = reply[field];
    if (value !== undefined && value !== null && !Array.isArray(value)) throw this.malformed(action, `"${field}" is not a list`);
  }
}

/**
 * A request that carries a package inline takes as long as its upload: 15 s, and a second more for every 128 KB
 * (a 10 MB request on a slow uplink must not fail as an ambiguous timeout).
 */
function uploadTimeoutMs(code: FunctionCode): number | undefined {
  if (!('zipFile' in code)) return undefined;
  return 15_000 + Math.ceil(code.zipFile.length / (128 * 1024)) * 1000;
}

function codeParams(code: FunctionCode): Json {
  if ('zipFile' in code) return { ZipFile: code.zipFile };
  return { CosBucketName: code.cosBucketName, CosObjectName: code.cosObjectName, CosBucketRegion: code.cosBucketRegion };
}

/** What an update clears: SCF needs a form of its own for each (SCF-DEPLOY.md §2.3). */
export interface ClearSettings {
  environment?: boolean;
  layers?: boolean;
  vpcConfig?: boolean;
}

/** The model → UpdateFunctionConfiguration/CreateFunction fields. */
function configurationParams(config: FunctionConfiguration, { forCreate, clear = {} }: { forCreate: boolean; clear?: ClearSettings }): Json {
  const variables = Object.entries(config.environment).map(([Key, Value]) => ({ Key, Value }));
  const layers = config.layers.map((l) => ({ LayerName: l.name, LayerVersion: l.version }));
  return {
    Runtime: forCreate ? config.runtime : undefined,
    Handler: forCreate ? config.handler : undefined,
    MemorySize: config.memorySize,
    Timeout: config.timeout,
    InitTimeout: config.initTimeout,
    Description: config.description,
    Environment: variables.length ? { Variables: variables } : clear.environment ? { Variables: [{ Key: '', Value: '' }] } : undefined,
    Role: config.role,
    VpcConfig: config.vpcConfig ? { VpcId: config.vpcConfig.vpcId, SubnetId: config.vpcConfig.subnetId } : clear.vpcConfig ? { VpcId: '', SubnetId: '' } : undefined,
    Layers: layers.length ? layers : clear.layers ? [{ LayerName: '', LayerVersion: 0 }] : undefined,
    InstallDependency: config.installDependency === undefined ? undefined : config.installDependency ? 'TRUE' : 'FALSE',
    ClsLogsetId: config.clsLogsetId,
    ClsTopicId: config.clsTopicId,
    // Set at creation only: UpdateFunctionConfiguration does not take it.
    AsyncRunEnable: forCreate && config.asyncRunEnable !== undefined ? (config.asyncRunEnable ? 'TRUE' : 'FALSE') : undefined,
    ...webParams(config, forCreate),
  };
}

/**
 * A web function's fields: Type and ProtocolType at creation only; the WebSocket idle timeout and the instance
 * concurrency always (one request at a time, the SCF default, when serverless.yml sets none: a removed setting is
 * cleared). A web function names no handler: its scf_bootstrap starts it.
 */
function webParams(config: FunctionConfiguration, forCreate: boolean): Json {
  if (!config.web) return {};
  const ws = config.webSocketIdleTimeout;
  return {
    Type: forCreate ? 'HTTP' : undefined,
    Handler: undefined,
    ProtocolType: forCreate && ws !== undefined ? 'WS' : undefined,
    ProtocolParams: ws !== undefined ? { WSParams: { IdleTimeOut: ws } } : undefined,
    InstanceConcurrencyConfig: { DynamicEnabled: 'FALSE', MaxConcurrency: config.instanceConcurrency ?? 1 },
  };
}

function layerVersionInfo(l: Json): LayerVersionInfo {
  const info: LayerVersionInfo = {
    layerName: str(l.LayerName),
    version: num(l.LayerVersion),
    compatibleRuntimes: Array.isArray(l.CompatibleRuntimes) ? l.CompatibleRuntimes.map(String) : [],
    description: str(l.Description),
    licenseInfo: str(l.LicenseInfo),
    status: str(l.Status),
    addTime: str(l.AddTime),
  };
  if (l.CodeSha256 !== undefined) info.codeSha256 = str(l.CodeSha256);
  if (l.Location !== undefined) info.location = str(l.Location);
  if (Array.isArray(l.Tags)) info.tags = keyValues(l.Tags);
  return info;
}

function triggerParams(trigger: TriggerSpec): Json {
  return {
    Type: trigger.type,
    TriggerName: trigger.name,
    TriggerDesc: trigger.desc,
    Enable: trigger.enable ? 'OPEN' : 'CLOSE',
    Qualifier: trigger.qualifier,
    CustomArgument: trigger.customArgument,
    Description: trigger.description,
  };
}

function routingConfig(weights: VersionWeight[]): Json {
  return { AdditionalVersionWeights: weights.map((w) => ({ Version: w.version, Weight: w.weight })) };
}

function aliasInfo(a: Json): AliasInfo {
  const routing = isObject(a.RoutingConfig) ? a.RoutingConfig : {};
  return {
    name: str(a.Name),
    functionVersion: str(a.FunctionVersion),
    description: str(a.Description),
    weights: list(routing.AdditionalVersionWeights).map((w) => ({ version: str(w.Version), weight: num(w.Weight) })),
  };
}

function keyValues(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list(value)) if (str(item.Key)) out[str(item.Key)] = str(item.Value);
  return out;
}

function deployedTrigger(t: Json): DeployedTrigger {
  return {
    type: str(t.Type),
    name: str(t.TriggerName),
    desc: str(t.TriggerDesc),
    enable: num(t.Enable) === 1 || t.Enable === 'OPEN' || t.Enable === true,
    qualifier: str(t.Qualifier),
    customArgument: str(t.CustomArgument),
    description: str(t.Description),
    addTime: str(t.AddTime),
    modTime: str(t.ModTime),
  };
}

function functionInfo(r: Json): FunctionInfo {
  const vpc = isObject(r.VpcConfig) && str(r.VpcConfig.VpcId) ? { vpcId: str(r.VpcConfig.VpcId), subnetId: str(r.VpcConfig.SubnetId) } : undefined;
  return {
    functionName: str(r.FunctionName),
    namespace: str(r.Namespace) || 'default',
    functionId: str(r.FunctionId),
    status: str(r.Status),
    statusDesc: str(r.StatusDesc),
    statusReasons: list(r.StatusReasons).map((s) => ({ errorCode: str(s.ErrorCode), errorMessage: str(s.ErrorMessage) })),
    qualifier: str(r.Qualifier) || '$LATEST',
    codeSize: num(r.CodeSize),
    addTime: str(r.AddTime),
    modTime: str(r.ModTime),
    tags: keyValues(r.Tags),
    triggers: list(r.Triggers).map(deployedTrigger),
    type: str(r.Type) || 'Event',
    runtime: str(r.Runtime),
    handler: str(r.Handler),
    memorySize: num(r.MemorySize),
    timeout: num(r.Timeout),
    initTimeout: r.InitTimeout === undefined || r.InitTimeout === null ? undefined : num(r.InitTimeout),
    description: str(r.Description),
    environment: keyValues(isObject(r.Environment) ? r.Environment.Variables : undefined),
    role: str(r.Role) || undefined,
    vpcConfig: vpc,
    layers: list(r.Layers)
      .filter((l) => str(l.LayerName))
      .map((l) => ({ name: str(l.LayerName), version: num(l.LayerVersion) })),
    installDependency: r.InstallDependency === undefined || r.InstallDependency === null || r.InstallDependency === '' ? undefined : r.InstallDependency === 'TRUE' || r.InstallDependency === true,
    clsLogsetId: str(r.ClsLogsetId) || undefined,
    clsTopicId: str(r.ClsTopicId) || undefined,
    asyncRunEnable: r.AsyncRunEnable === 'TRUE' || r.AsyncRunEnable === true,
    web: str(r.Type) === 'HTTP',
    instanceConcurrency: isObject(r.InstanceConcurrencyConfig) && num(r.InstanceConcurrencyConfig.MaxConcurrency) > 0 ? num(r.InstanceConcurrencyConfig.MaxConcurrency) : undefined,
    webSocketIdleTimeout:
      str(r.ProtocolType) === 'WS' ? (isObject(r.ProtocolParams) && isObject(r.ProtocolParams.WSParams) ? num(r.ProtocolParams.WSParams.IdleTimeOut) || 15 : 15) : undefined,
    apiRequestId: str(r.RequestId),
  };
}

function functionSummary(f: Json): FunctionSummary {
  return {
    functionName: str(f.FunctionName),
    namespace: str(f.Namespace) || 'default',
    status: str(f.Status),
    runtime: str(f.Runtime),
    description: str(f.Description),
    tags: keyValues(f.Tags),
    addTime: str(f.AddTime),
    modTime: str(f.ModTime),
  };
}

function logEntry(d: Json, pascal: boolean): LogEntry {
  const f = (name: string) => d[pascal ? name : name[0].toLowerCase() + name.slice(1)];
  return {
    functionName: str(f('FunctionName')),
    requestId: str(f('RequestId')),
    startTime: str(f('StartTime')),
    retCode: num(f('RetCode')),
    retMsg: str(f('RetMsg')),
    invokeFinished: num(f('InvokeFinished') ?? 1),
    duration: num(f('Duration')),
    billDuration: num(f('BillDuration')),
    memUsage: num(f('MemUsage')),
    log: str(f('Log')),
    retryNum: num(f('RetryNum')),
  };
}

function safeJson(text: string): Json | undefined {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

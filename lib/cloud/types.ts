// The one model the commands see, whichever protocol (API 3.0 or legacy) runs underneath.

export const API_VERSION = '2018-04-16';

export type Action = 'Invoke' | 'GetFunctionLogs' | 'GetRequestStatus' | 'ListAsyncEvents' | 'TerminateAsyncEvent';

export type InvocationType = 'RequestResponse' | 'Event';

/** Where a function lives: what every action needs to find it. */
export interface FunctionTarget {
  functionName: string;
  namespace: string;
  qualifier?: string;
}

export interface InvokeRequest extends FunctionTarget {
  invocationType: InvocationType;
  /** The event as JSON text (or any string with `--raw`). */
  clientContext?: string;
  logType?: 'None' | 'Tail';
}

export interface InvokeResult {
  /** Request id of the function run (`FunctionRequestId`), the one logs and events know. */
  functionRequestId: string;
  retMsg: string;
  errMsg: string;
  log: string;
  /** Milliseconds. */
  duration: number;
  billDuration: number;
  /** Bytes. */
  memUsage: number;
  /** Id of the API call itself. */
  apiRequestId: string;
}

export type LogRetCodeFilter = 'not0' | 'is0' | 'TimeLimitExceeded' | 'ResourceLimitExceeded' | 'UserCodeException';

export interface GetFunctionLogsRequest extends FunctionTarget {
  /** `YYYY-MM-DD HH:mm:ss` in UTC+8. */
  startTime?: string;
  endTime?: string;
  offset?: number;
  limit?: number;
  order?: 'asc' | 'desc';
  orderBy?: 'function_name' | 'duration' | 'mem_usage' | 'start_time';
  retCode?: LogRetCodeFilter;
  functionRequestId?: string;
}

export interface LogEntry {
  functionName: string;
  requestId: string;
  /** `YYYY-MM-DD HH:mm:ss` in UTC+8, as the API gives it. */
  startTime: string;
  retCode: number;
  retMsg: string;
  /** 1 when the request has finished. */
  invokeFinished: number;
  duration: number;
  billDuration: number;
  memUsage: number;
  log: string;
  retryNum: number;
}

export interface GetFunctionLogsResult {
  totalCount: number;
  entries: LogEntry[];
  apiRequestId: string;
}

export interface GetRequestStatusRequest {
  functionName: string;
  namespace: string;
  functionRequestId: string;
  startTime?: string;
  endTime?: string;
}

export interface RequestStatus {
  functionName: string;
  requestId: string;
  startTime: string;
  /** 0 finished, 1 running, -1 failed. */
  retCode: number;
  retMsg: string;
  duration: number;
  /** MB, as the API gives it for this action. */
  memUsage: number;
  retryNum: number;
}

export interface GetRequestStatusResult {
  totalCount: number;
  statuses: RequestStatus[];
  apiRequestId: string;
}

export type AsyncEventStatus = 'RUNNING' | 'FINISHED' | 'ABORTED' | 'FAILED';
export const ASYNC_EVENT_STATUSES: readonly AsyncEventStatus[] = ['RUNNING', 'FINISHED', 'ABORTED', 'FAILED'];

export interface TimeInterval {
  start: string;
  end: string;
}

export interface ListAsyncEventsRequest extends FunctionTarget {
  invokeType?: string[];
  status?: AsyncEventStatus[];
  startTimeInterval?: TimeInterval;
  endTimeInterval?: TimeInterval;
  order?: 'ASC' | 'DESC';
  orderBy?: 'StartTime' | 'EndTime';
  offset?: number;
  limit?: number;
  invokeRequestId?: string;
}

export interface AsyncEvent {
  invokeRequestId: string;
  invokeType: string;
  qualifier: string;
  status: AsyncEventStatus;
  startTime: string;
  endTime: string;
}

export interface ListAsyncEventsResult {
  totalCount: number;
  events: AsyncEvent[];
  apiRequestId: string;
}

export interface TerminateAsyncEventRequest {
  functionName: string;
  namespace: string;
  invokeRequestId: string;
  graceShutdown?: boolean;
}

export interface TerminateAsyncEventResult {
  apiRequestId: string;
}

/** API 3.0 limits the plugin and the emulator both honour. */
export const LIMITS = {
  syncEventBytes: 6 * 1024 * 1024,
  asyncEventBytes: 128 * 1024,
  logsOffsetPlusLimit: 10000,
  asyncEventsPageMax: 100,
  logTailBytes: 4 * 1024,
} as const;

// ---- Deploy: functions, namespaces, versions, aliases, triggers -------------------------------------------

export type FunctionStatus =
  | 'Creating'
  | 'CreateFailed'
  | 'Active'
  | 'Updating'
  | 'UpdateFailed'
  | 'Publishing'
  | 'PublishFailed'
  | 'Deleting'
  | 'DeleteFailed';

/** Statuses a function passes through on its own: wait, do not act. */
export const TRANSIENT_STATUSES: readonly FunctionStatus[] = ['Creating', 'Updating', 'Publishing', 'Deleting'];
/** Statuses a failed operation leaves behind. */
export const FAILED_STATUSES: readonly FunctionStatus[] = ['CreateFailed', 'UpdateFailed', 'PublishFailed', 'DeleteFailed'];

export interface VpcConfig {
  vpcId: string;
  subnetId: string;
}

export interface LayerRef {
  name: string;
  version: number;
}

/** What UpdateFunctionConfiguration (and CreateFunction) set: the configuration a deploy compares. */
export interface FunctionConfiguration {
  runtime: string;
  handler: string;
  /** MB */
  memorySize: number;
  /** Seconds */
  timeout: number;
  /** Seconds */
  initTimeout?: number;
  description: string;
  environment: Record<string, string>;
  role?: string;
  vpcConfig?: VpcConfig;
  layers: LayerRef[];
  installDependency?: boolean;
  clsLogsetId?: string;
  clsTopicId?: string;
  /** Async run (long-running async invocations): set at creation only (CreateFunction's AsyncRunEnable). */
  asyncRunEnable?: boolean;
  /** A web function (CreateFunction's Type HTTP): set at creation only. */
  web?: boolean;
  /** Web functions: requests one instance serves at once (InstanceConcurrencyConfig.MaxConcurrency, 1–100). */
  instanceConcurrency?: number;
  /** Web functions over WebSocket (ProtocolType WS, set at creation): the idle timeout in seconds (1–1800). */
  webSocketIdleTimeout?: number;
}

/** The code of a function: inline (base64 zip) or a COS object. */
export type FunctionCode =
  | { zipFile: string }
  | { cosBucketName: string; cosObjectName: string; cosBucketRegion?: string };

export interface StatusReason {
  errorCode: string;
  errorMessage: string;
}

/** A trigger as ListTriggers / GetFunction report it. */
export interface DeployedTrigger {
  type: string;
  name: string;
  /** TriggerDesc as the API returns it (timer: `{"cron":"..."}`). */
  desc: string;
  enable: boolean;
  qualifier: string;
  customArgument: string;
  description: string;
  addTime: string;
  modTime: string;
}

/** A trigger as CreateTrigger / UpdateTrigger / DeleteTrigger take it. */
export interface TriggerSpec {
  type: string;
  name: string;
  /** TriggerDesc as sent (timer: the cron expression itself). */
  desc?: string;
  enable: boolean;
  qualifier: string;
  customArgument?: string;
  description?: string;
}

export interface FunctionInfo extends FunctionConfiguration {
  functionName: string;
  namespace: string;
  functionId: string;
  status: FunctionStatus | string;
  statusDesc: string;
  statusReasons: StatusReason[];
  qualifier: string;
  codeSize: number;
  addTime: string;
  modTime: string;
  tags: Record<string, string>;
  triggers: DeployedTrigger[];
  /** `Event` or `HTTP` (web function). */
  type: string;
  apiRequestId: string;
}

export interface FunctionSummary {
  functionName: string;
  namespace: string;
  status: FunctionStatus | string;
  runtime: string;
  description: string;
  tags: Record<string, string>;
  addTime: string;
  modTime: string;
}

export interface NamespaceInfo {
  name: string;
  description: string;
  type: string;
}

export interface VersionInfo {
  version: string;
  description: string;
  status: string;
  addTime: string;
  modTime: string;
}

export interface AliasInfo {
  name: string;
  functionVersion: string;
  description: string;
  /** Other versions the alias sends a share of its invocations to (RoutingConfig.AdditionalVersionWeights). */
  weights: VersionWeight[];
}

/** A version and the share of an alias's invocations it gets, 0 to 1. */
export interface VersionWeight {
  version: string;
  weight: number;
}

// ---- Layers, concurrency and async settings ------------------------------------------------------------------

/** A layer version as GetLayerVersion / ListLayerVersions report it. */
export interface LayerVersionInfo {
  layerName: string;
  version: number;
  compatibleRuntimes: string[];
  description: string;
  licenseInfo: string;
  status: string;
  addTime: string;
  /** GetLayerVersion only. */
  codeSha256?: string;
  /** GetLayerVersion only: a download address of the version's zip. */
  location?: string;
  /** ListLayerVersions / ListLayers only. */
  tags?: Record<string, string>;
}

/** What PublishLayerVersion takes. */
export interface LayerPublication {
  layerName: string;
  compatibleRuntimes: string[];
  description: string;
  licenseInfo?: string;
  tags: Record<string, string>;
}

/** One version's provisioned concurrency, as GetProvisionedConcurrencyConfig reports it. */
export interface ProvisionedConcurrency {
  qualifier: string;
  /** Instances asked for. */
  allocated: number;
  /** Instances ready. */
  available: number;
  /** Done, InProgress or Failed. */
  status: string;
  statusReason: string;
}

/** UpdateFunctionEventInvokeConfig's AsyncTriggerConfig: retries of a failed async event, and how long it is kept. */
export interface AsyncInvokeConfig {
  retries: number;
  /** Seconds. */
  msgTtl: number;
}

// ---- CLS ---------------------------------------------------------------------------------------------------

export const CLS_API_VERSION = '2020-10-16';
export const MONITOR_API_VERSION = '2018-07-24';

export interface SearchLogRequest {
  topicId: string;
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** CQL query (QuerySyntax 1); empty or `*` for all. */
  query: string;
  limit?: number;
  sort?: 'asc' | 'desc';
  /** The previous page's cursor. */
  context?: string;
}

/** DescribeLogHistogram: how many records of `query` each `interval` of [from, to) holds. */
export interface LogHistogramRequest {
  topicId: string;
  from: number;
  to: number;
  query: string;
  /** ms; CLS takes at most 200 intervals in the range. */
  interval: number;
}

export interface LogHistogram {
  /** As CLS used it. */
  interval: number;
  totalCount: number;
  /** Each interval's start (rounded down to the interval, so the first may begin before `from`) and its count. */
  buckets: Array<{ from: number; count: number }>;
}

/** One CLS record: its time and its fields (for SCF records, the `SCF_*` keys, all strings). */
export interface ClsRecord {
  /** Epoch ms. */
  time: number;
  fields: Record<string, string>;
  pkgId: string;
  pkgLogId: string;
}

export interface SearchLogResult {
  records: ClsRecord[];
  context: string;
  listOver: boolean;
  apiRequestId: string;
}

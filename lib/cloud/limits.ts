// The API's limits, in one table that the client's limiter and the emulator both read: requests a second per
// action (the vendor's current API pages, SCF-API.md and CLS-LOGS.md §4), the search concurrency of a CLS topic,
// and the byte limits of requests and replies.

export type ServiceName = 'scf' | 'cls' | 'tag' | 'monitor' | 'sts' | 'ssm';

/** Requests a second each action allows; an action not listed gets DEFAULT_RATE. */
export const ACTION_RATES: Readonly<Record<ServiceName, Readonly<Record<string, number>>>> = {
  scf: {
    Invoke: 100,
    GetFunction: 100,
    ListFunctions: 100,
    CreateFunction: 100,
    UpdateFunctionCode: 100,
    UpdateFunctionConfiguration: 100,
    DeleteFunction: 100,
    CreateTrigger: 100,
    DeleteTrigger: 100,
    GetFunctionLogs: 5,
    GetRequestStatus: 20,
    ListAsyncEvents: 20,
    TerminateAsyncEvent: 20,
    ListTriggers: 20,
    UpdateTrigger: 20,
    PublishVersion: 20,
    GetFunctionAddress: 20,
    UpdateAlias: 20,
    GetAlias: 20,
    CreateAlias: 20,
    ListAliases: 20,
    ListVersionByFunction: 20,
    DeleteFunctionVersion: 20,
  },
  cls: {
    SearchLog: 10000,
    DescribeLogHistogram: 10000,
  },
  tag: {},
  // The monitor FAQ gives 20 a second, its API page 50: the lower one.
  monitor: { GetMonitorData: 20 },
  // STS states no figure (DEFAULT_RATE); Secrets Manager's GetSecretValue page gives 300 a second.
  sts: {},
  ssm: { GetSecretValue: 300 },
};

/**
 * Instances one GetMonitorData may name: its page says 10 (the SDK's model 50), and each answer holds at most
 * 1,440 points per instance (the SDK: 7,200 in all). The lower figures.
 */
export const MONITOR_INSTANCES_PER_REQUEST = 10;
export const MONITOR_POINTS_PER_REQUEST = 1440;

/**
 * The page size each List* action is read with: its documented maximum where the API page gives one
 * (ListAsyncEvents: 100), else its documented default (20), which every version of the API accepts. Terraform's
 * provider pages ListFunctions and ListNamespaces by 20 too.
 */
export const LIST_PAGE_SIZES: Readonly<Record<string, number>> = {
  ListFunctions: 20,
  ListNamespaces: 20,
  ListTriggers: 20,
  ListVersionByFunction: 20,
  ListAliases: 20,
  ListAsyncEvents: 100,
};

export function listPageSize(action: string): number {
  return Object.prototype.hasOwnProperty.call(LIST_PAGE_SIZES, action) ? LIST_PAGE_SIZES[action] : 20;
}

/** Where the vendor states no figure: the most common one, which older pages gave every action. */
export const DEFAULT_RATE = 20;

/** CLS answers LimitExceeded.LogSearch past this many searches of one topic at once. */
export const CLS_TOPIC_CONCURRENCY = 15;

export function actionRate(service: ServiceName, action: string): number {
  const table = ACTION_RATES[service] as Record<string, number>;
  return Object.prototype.hasOwnProperty.call(table, action) ? table[action] : DEFAULT_RATE;
}

/**
 * Reads change nothing, so a read may be sent again after any failure worth a retry. Everything else
 * (Invoke, Create*, Update*, Delete*, Publish*, Terminate*) is sent again only when it provably did not run.
 */
export function isReadAction(action: string): boolean {
  return /^(Get|List|Search|Describe)[A-Z]/.test(action) || REPEATABLE_ACTIONS.has(action);
}

/** Actions that change nothing a second call would harm: asking STS again only issues another temporary key. */
const REPEATABLE_ACTIONS = new Set(['AssumeRole', 'AssumeRoleWithWebIdentity']);

export const BYTE_LIMITS = {
  /** An API 3.0 request signed with TC3-HMAC-SHA256. */
  tc3RequestBody: 10 * 1024 * 1024,
  /** A request signed with HmacSHA1/HmacSHA256 (the v1 signature and the legacy API). */
  v1RequestBody: 1024 * 1024,
  /** A GET request's URL. */
  getUrl: 32 * 1024,
  /** The largest reply the client accepts: CLS documents 49 MB for SearchLog. */
  reply: 64 * 1024 * 1024,
} as const;

// What every SCF action works with: the account (functions, namespaces), the invocation store, deployed
// packages, COS, function status transitions, the behaviour flags and the clock; and finding the function or
// namespace a request names.
import { ApiFault } from '../api-fault';
import type { Slots } from './slots';
import type { FunctionSlots } from './concurrency';
import type { FunctionUrls } from '../url/urls';
import type { ClsStore } from '../cls/topics';
import type { CosStore } from '../cos/store';
import type { Account, FunctionRecord, NamespaceRecord } from '../store/account';
import type { InvocationStore } from '../store/invocations';
import type { PackageStore } from '../store/packages';
import type { DeployFault, Lifecycle } from './lifecycle';
import { type Params, str } from './params';

export interface EmulatorBehaviour {
  /** GetRequestStatus answers "not recorded yet" (empty Data) for this long after an invoke. */
  statusDelayMs?: number;
  /** GetFunctionLogs shows a request this long after it started (the log service is eventually consistent). */
  logDelayMs?: number;
  /** Bytes one GetFunctionLogs page may carry (default 10 MB). */
  logPageBytes?: number;
  /** How many invocations are remembered. */
  capacity?: number;
  /** Characters of text (logs, results) the invocation history keeps; the oldest go first. Default 32 MB. */
  historyBytes?: number;
  /** Characters of record text each CLS topic keeps; the oldest go first. Default 32 MB. */
  logBytesPerTopic?: number;
  /** How long Creating / Updating / Publishing / Deleting last before a function settles, ms (0: at once). */
  transitionMs?: number;
  /** Keeps the account (functions, versions, aliases, triggers, namespaces, code, COS objects) across restarts. */
  stateDir?: string;
  /** Creates and updates of matching functions land in CreateFailed / UpdateFailed. */
  deployFaults?: DeployFault[];
  /** Functions whose name matches one of these globs get no CLS topic (their logs: GetFunctionLogs only). */
  withoutLogTopic?: string[];
  /**
   * Functions whose name matches one of these globs log in SCF's simplified format (log-format page 583/60336):
   * user lines without SCF_StartTime, SCF_Duration, SCF_MemUsage, SCF_Level, SCF_StatusCode; START, END, ERROR
   * and Response without the last four; Report with all.
   */
  simplifiedLogFormat?: string[];
  /** GetFunctionLogs answers as the cloud does since it took the action offline: InvalidAction. */
  getFunctionLogsOffline?: boolean;
  /** CLS SearchLog takes only the deprecated Query + SyntaxRule pair (as before SDK 4.1.204). */
  clsLegacyQuery?: boolean;
  /** Seed of the dice that send an alias's invocations to its versions by their weights. */
  routingSeed?: number;
  /** Cloud Monitor reports an invocation this long after it finished, ms (the cloud: a minute or two). */
  monitorLagMs?: number;
  /** A record written to CLS becomes searchable this long after, ms (CLS is eventually consistent). */
  logIndexDelayMs?: number;
  /** The account's region, as handlers see it. */
  region?: string;
  /**
   * Handler processes running at once (the account's concurrency quota): invocations past it wait for a
   * slot, as SCF queues what exceeds the quota. Default 64.
   */
  maxConcurrency?: number;
  /** Functions whose name matches one of these globs fail their provisioned concurrency (Status Failed, with a reason). */
  provisionedFailures?: string[];
  /** Where the emulator says what a user should know (the CLI: stderr). */
  notice?: (line: string) => void;
  /** One line per timer firing (`scf-emulator --verbose`); the HTTP layer traces requests. */
  trace?: (line: string) => void;
}

export interface ScfContext {
  account: Account;
  invocations: InvocationStore;
  behaviour: EmulatorBehaviour;
  now(): number;
  /** Background work (async invocations) that `idle()` waits for. */
  running: Set<Promise<unknown>>;
  packages: PackageStore;
  cos: CosStore;
  lifecycle: Lifecycle;
  /** The account changed: keep it (with a state directory) and re-arm the timer triggers. */
  commit(): void;
  /** A download address, on the emulator, of a deployed zip. */
  codeUrl(sha256: string): string;
  /**
   * The CLS topic a function logs to: the one the request named (it must exist), else SCF's default delivery
   * topic, else none for functions the behaviour leaves without one.
   */
  logTopic(functionName: string, requested: { logsetId?: string; topicId?: string }): { clsLogsetId?: string; clsTopicId?: string };
  /** The CLS topics invocations write their records to. */
  cls: ClsStore;
  /** Slots for handler processes: at most `maxConcurrency` run at once. */
  slots: Slots;
  /** Runs per function, against each one's reserved concurrency. */
  functionSlots: FunctionSlots;
  /** Where merges of several layers (/opt of a function) are kept. */
  layerCacheDir: string;
  /** The function URLs served (set once the HTTP layer serves them). */
  urls?: FunctionUrls;
  /** The dice of weighted alias routing, in [0, 1): seeded by `routingSeed` so runs can be repeated. */
  roll(): number;
}

export function findNamespace(ctx: ScfContext, params: Params): NamespaceRecord {
  const namespace = str(params, 'Namespace') ?? 'default';
  const record = ctx.account.namespaces.get(namespace);
  if (!record) throw new ApiFault('ResourceNotFound.Namespace', `Namespace \`${namespace.slice(0, 60)}\` does not exist.`);
  return record;
}

export function findFunction(ctx: ScfContext, params: Params): FunctionRecord {
  const name = str(params, 'FunctionName', true)!;
  const namespace = findNamespace(ctx, params).name;
  const fn = ctx.account.getFunction(namespace, name);
  if (!fn) throw new ApiFault('ResourceNotFound.Function', `The function \`${name.slice(0, 60)}\` does not exist in namespace \`${namespace}\`.`);
  return fn;
}

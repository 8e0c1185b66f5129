// What every SCF action works with: the account (functions, namespaces), the invocation store, the behaviour
// flags and the clock; and finding the function a request names.
import { ApiFault } from '../api-fault';
import type { Account, FunctionRecord } from '../store/account';
import type { InvocationStore } from '../store/invocations';
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
}

export interface ScfContext {
  account: Account;
  invocations: InvocationStore;
  behaviour: EmulatorBehaviour;
  now(): number;
  /** Background work (async invocations) that `idle()` waits for. */
  running: Set<Promise<unknown>>;
}

export function findFunction(ctx: ScfContext, params: Params): FunctionRecord {
  const name = str(params, 'FunctionName', true)!;
  const namespace = str(params, 'Namespace') ?? 'default';
  if (!ctx.account.namespaces.has(namespace)) throw new ApiFault('ResourceNotFound.Namespace', `Namespace \`${namespace}\` does not exist.`);
  const fn = ctx.account.getFunction(namespace, name);
  if (!fn) throw new ApiFault('ResourceNotFound.Function', `The function \`${name}\` does not exist in namespace \`${namespace}\`.`);
  return fn;
}

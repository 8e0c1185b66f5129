// The floors the bench holds the plugin to: the least time the API's own limits allow for a piece of work, from
// the per-action rates of lib/cloud/limits.ts (a sliding window of one second: n requests of an action at R a
// second span at least floor((n - 1) / R) seconds) and the status transitions SCF (and the emulator) go through.
// Never from a concurrency the plugin picked: a floor is what any client could reach.
import { actionRate, type ServiceName } from '../lib/cloud/limits';

/** How long n requests of an action need at the least, ms, at its rate in a one-second sliding window. */
export function spanMs(n: number, action: string, service: ServiceName = 'scf'): number {
  return Math.floor(Math.max(0, n - 1) / actionRate(service, action)) * 1000;
}

/**
 * Cold deploy of n functions, each with `triggersEach` triggers: n CreateFunction, each Creating for
 * `transitionMs`, seen Active, then its CreateTrigger. The actions have rates of their own and overlap: the last
 * function is created when the CreateFunction span ends, is Active a transition later, and its triggers go then
 * (the CreateTrigger span is no longer than the CreateFunction one at equal rates). Seeing a namespace's functions
 * Active takes ListFunctions listings (pages of 20, at ListFunctions' own rate), not a GetFunction each. In
 * namespaces that exist, each function is read first (GetFunction finds nothing: `read` of them), before anything
 * is planned; in namespaces that do not, ListNamespaces says so.
 */
export function coldDeployFloorMs(n: number, transitionMs: number, triggersEach = 0, read = 0): number {
  const spans = [spanMs(n, 'CreateFunction'), triggersEach ? spanMs(n * triggersEach, 'CreateTrigger') : 0];
  return (read ? spanMs(read, 'GetFunction') : 0) + Math.max(...spans) + transitionMs;
}

/**
 * One function of n changed: every function read (GetFunction: configuration and status; GetFunctionAddress: the
 * deployed code's SHA-256, which no cheaper read returns; ListTriggers: the triggers of every qualifier), each
 * action at its own rate and side by side; then one UpdateFunctionCode, Updating for a transition.
 */
export function oneChangedFloorMs(n: number, transitionMs: number): number {
  return Math.max(spanMs(n, 'GetFunction'), spanMs(n, 'GetFunctionAddress'), spanMs(n, 'ListTriggers')) + transitionMs;
}

/** `sls info` of n functions: GetFunction, ListTriggers, ListVersionByFunction and ListAliases of each, side by side. */
export function infoFloorMs(n: number): number {
  return Math.max(spanMs(n, 'GetFunction'), spanMs(n, 'ListTriggers'), spanMs(n, 'ListVersionByFunction'), spanMs(n, 'ListAliases'));
}

/**
 * `sls remove` of n functions: each read back (GetFunction: its own tags must name the service) and deleted as soon
 * as it is (DeleteFunction), Deleting for a transition; seen gone in ListFunctions listings of its namespace.
 */
export function removeFloorMs(n: number, transitionMs: number): number {
  return Math.max(spanMs(n, 'GetFunction'), spanMs(n, 'DeleteFunction')) + transitionMs;
}

/**
 * Smoke checks of n functions whose handlers take `runMs`: n async Invokes, each result there `runMs` after its
 * invoke; then one GetRequestStatus each at the least. The first result exists at `runMs`; from then the n polls
 * need their span at 20 a second, and none can end before the last invoke's result exists.
 */
export function smokeFloorMs(n: number, runMs: number): number {
  return Math.max(runMs + spanMs(n, 'GetRequestStatus'), spanMs(n, 'Invoke') + runMs);
}

/**
 * A CLS history of `records` records (pages of at most 1000) read with `searches` searches of the topic at once,
 * each answering in `latencyMs` at best: ceil(pages / searches) round trips. `lookups`: the GetFunction reads
 * that find each function's topic first (at GetFunction's rate).
 */
export function historyFloorMs(records: number, searches: number, latencyMs: number, lookups = 1): number {
  return spanMs(lookups, 'GetFunction') + Math.ceil(Math.max(1, Math.ceil(records / 1000)) / searches) * latencyMs;
}

// A service's deployments as its functions' versions and aliases tell them (pure): each version `sls deploy`
// published names its deployment; each alias names the deployments it served, newest first. From those: the list
// `sls deploy list` shows, and the versions `sls rollback` goes back to.
import type { AliasInfo, VersionInfo } from '../cloud/types';
import { deploymentTime, parseAliasDescription, parseVersionDescription, type VersionMark, versionAtDeployment } from './strategy';

export interface FunctionHistory {
  key: string;
  functionName: string;
  namespace: string;
  /** False when the function does not exist. */
  deployed: boolean;
  versions: VersionInfo[];
  /** The alias releases move; undefined when it does not exist. */
  alias?: AliasInfo;
}

export interface Deployment {
  id: string;
  /** Epoch ms, from the id. */
  time: number;
  commit?: string;
  /** The version each function got in it (functions it did not change got none). */
  versions: Record<string, string>;
  /** Functions whose alias serves this deployment's version now. */
  serving: string[];
  /** Whether an alias was promoted to it (its description says so). */
  promoted: boolean;
}

function marked(history: FunctionHistory): Array<{ version: string; mark?: VersionMark }> {
  return history.versions.map((v) => ({ version: v.version, mark: parseVersionDescription(v.description) }));
}

/** Every deployment the functions' versions name, newest first. */
export function deployments(histories: FunctionHistory[]): Deployment[] {
  const byId = new Map<string, Deployment>();
  const promoted = new Set(histories.flatMap((h) => parseAliasDescription(h.alias?.description ?? '')));
  for (const history of histories) {
    for (const { version, mark } of marked(history)) {
      if (!mark) continue;
      let d = byId.get(mark.deployment);
      if (!d) byId.set(mark.deployment, (d = { id: mark.deployment, time: deploymentTime(mark.deployment) ?? 0, versions: {}, serving: [], promoted: promoted.has(mark.deployment) }));
      if (mark.commit) d.commit = mark.commit;
      d.versions[history.key] = version;
      if (history.alias?.functionVersion === version) d.serving.push(history.key);
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/**
 * The deployment a rollback goes back to by default: the newest one an alias was promoted to that is older than
 * the newest one it serves. Undefined: there is none.
 */
export function defaultRollbackTarget(histories: FunctionHistory[]): string | undefined {
  const served = histories
    .map((h) => (h.alias ? marked(h).find((v) => v.version === h.alias!.functionVersion)?.mark?.deployment : undefined))
    .filter((id): id is string => id !== undefined)
    .sort()
    .pop();
  if (!served) return undefined;
  const promoted = [...new Set(histories.flatMap((h) => parseAliasDescription(h.alias?.description ?? '')))].filter((id) => id < served).sort();
  return promoted.pop();
}

export interface RollbackStep {
  key: string;
  functionName: string;
  namespace: string;
  /** The version the alias goes to; undefined when the function had none by then (left as it is). */
  version?: string;
  /** The version it serves now. */
  from?: string;
}

/**
 * What a rollback to deployment `id` does to each function: its alias goes to the newest version it was promoted
 * to by then. A version whose release failed (never promoted) is never gone back to.
 */
export function rollbackSteps(histories: FunctionHistory[], id: string): RollbackStep[] {
  return histories.map((h) => {
    const promoted = new Set(parseAliasDescription(h.alias?.description ?? ''));
    const candidates = marked(h).filter((v) => v.mark && promoted.has(v.mark.deployment));
    return { key: h.key, functionName: h.functionName, namespace: h.namespace, version: versionAtDeployment(candidates, id), from: h.alias?.functionVersion };
  });
}

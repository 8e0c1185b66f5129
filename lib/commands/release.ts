// The release phase of a deploy with a strategy (and of `sls rollback`): smoke checks on each new version (its
// Qualifier) before any traffic moves, then the releases side by side, a line per function, then the versions
// beyond keepVersions pruned. Ctrl-C during a release puts every alias back on the version it served.
import { execFileSync } from 'child_process';
import { ScfError } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import type { Clients } from '../cloud/clients';
import type { Progress, TencentProvider } from '../provider';
import { type ReleaseOutcome, releaseAll, type ReleaseTarget } from '../deploy/release';
import { parseAliasDescription, parseVersionDescription } from '../deploy/strategy';
import type { SmokeResult } from '../smoke/run';
import { exitInterrupted } from './interrupt';

/** The service's git commit, when it is in a git checkout (or the CI system names it). */
export function serviceCommit(serviceDir: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['GITHUB_SHA', 'CI_COMMIT_SHA', 'GIT_COMMIT']) {
    const value = env[name];
    if (value && /^[0-9a-f]{7,40}$/.test(value)) return value.slice(0, 12);
  }
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: serviceDir, stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).toString().trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha.slice(0, 12) : undefined;
  } catch {
    return undefined;
  }
}

export interface ReleasePlanEntry extends Omit<ReleaseTarget, 'promoted'> {
  /** The alias's description as read (the deployments it served). */
  aliasDescription: string;
}

/** Describes an outcome in one line. */
export function outcomeLine(o: ReleaseOutcome | { key: string; functionName: string; version: string; result: 'not released'; reason: string }): string {
  const who = `${o.key} (${o.functionName})`;
  switch (o.result) {
    case 'promoted':
      return `${who}: version ${o.version} serves alias ${(o as ReleaseOutcome).alias}${(o as ReleaseOutcome).figures ? '' : ''}`;
    case 'rolled back':
      return `${who}: version ${o.version} rolled back at ${(o as ReleaseOutcome).percent}%, alias ${(o as ReleaseOutcome).alias} serves version ${(o as ReleaseOutcome).serving} again: ${o.reason}`;
    case 'not released':
      return `${who}: version ${o.version} not released, no traffic moved: ${o.reason}`;
    default:
      return `${who}: version ${o.version} release failed: ${o.reason}`;
  }
}

export class ReleasePhase {
  private readonly lines = new Map<string, Progress>();

  constructor(
    private readonly provider: TencentProvider,
    private readonly clients: Clients,
  ) {}

  /**
   * Smoke-checks each entry's version, releases those that pass, and says how each ended. Throws (after saying
   * it) when any was not promoted.
   */
  async run(entries: ReleasePlanEntry[]): Promise<ReleaseOutcome[]> {
    const { log } = this.provider.io;
    if (!entries.length) return [];
    const failedSmoke = new Map<string, SmokeResult>();
    const { SmokeCommand } = require('./smoke') as typeof import('./smoke');
    const smoke = await new SmokeCommand(this.provider).check(
      entries.map((e) => e.key),
      new Map(entries.map((e) => [e.key, e.version])),
    );
    for (const result of smoke) if (!result.passed) failedSmoke.set(result.key, result);

    const controller = new AbortController();
    let interrupts = 0;
    const onSignal = () => {
      if (++interrupts > 1) void exitInterrupted();
      log.warning('Interrupted: every alias goes back to the version it served before this release (Ctrl-C again to stop at once).');
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    let outcomes: ReleaseOutcome[];
    try {
      outcomes = await releaseAll(
        entries
          .filter((e) => !failedSmoke.has(e.key))
          .map((e) => ({ ...e, promoted: parseAliasDescription(e.aliasDescription) })),
        { scf: this.clients.scf, monitor: this.clients.monitor, clock: systemClock, signal: controller.signal, onProgress: (key, text) => this.line(key, text) },
      );
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      for (const line of this.lines.values()) line.remove();
    }
    const lines = [
      ...entries.filter((e) => failedSmoke.has(e.key)).map((e) => outcomeLine({ key: e.key, functionName: e.functionName, version: e.version, result: 'not released', reason: `its smoke check failed: ${failedSmoke.get(e.key)!.reason}` })),
      ...outcomes.map(outcomeLine),
    ];
    log.notice(['Released:', ...lines.map((l) => `  ${l}`)].join('\n'));
    this.provider.recorder?.released(
      outcomes,
      entries.filter((e) => failedSmoke.has(e.key)).map((e) => ({ key: e.key, version: e.version, alias: e.alias, reason: `its smoke check failed: ${failedSmoke.get(e.key)!.reason}` })),
    );
    if (controller.signal.aborted) await exitInterrupted();
    const bad = outcomes.filter((o) => o.result !== 'promoted');
    if (bad.length || failedSmoke.size) {
      const names = [...failedSmoke.keys(), ...bad.map((o) => o.key)];
      throw new ScfError('Plugin.ReleaseFailed', `${names.length} of ${entries.length} release${entries.length === 1 ? '' : 's'} did not go through (${names.join(', ')}): ${lines.filter((l) => !/serves alias/.test(l)).join(' | ')}`);
    }
    return outcomes;
  }

  private line(key: string, text: string): void {
    const line = this.lines.get(key);
    if (line) line.update(text);
    else this.lines.set(key, this.provider.io.progress.create({ message: text }));
  }
}

/**
 * Deletes the oldest published versions of a function beyond `keep`: never one an alias routes to, never the
 * one `keepAlso` names (the version served before this release), never one `sls deploy` did not publish.
 */
export async function pruneVersions(clients: Clients, target: { functionName: string; namespace: string }, keep: number, keepAlso: string[]): Promise<string[]> {
  const [versions, aliases] = await Promise.all([clients.scf.listVersions(target), clients.scf.listAliases(target)]);
  const routed = new Set(aliases.flatMap((a) => [a.functionVersion, ...a.weights.map((w) => w.version)]));
  const numbered = versions
    .filter((v) => /^\d+$/.test(v.version))
    .sort((a, b) => Number(b.version) - Number(a.version));
  const doomed = numbered.slice(keep).filter((v) => !routed.has(v.version) && !keepAlso.includes(v.version) && parseVersionDescription(v.description));
  for (const v of doomed) await clients.scf.deleteFunctionVersion(target, v.version);
  return doomed.map((v) => v.version);
}

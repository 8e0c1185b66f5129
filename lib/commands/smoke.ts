// Smoke checks: after `sls deploy` / `sls deploy function`, and as `sls smoke [-f FN]`.
// Read the configuration → run the checks → show the live view, the summary, and the JUnit report.
import * as fs from 'fs';
import * as path from 'path';
import { plainText, ScfError } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import type { TencentProvider } from '../provider';
import { readSmokeCheck, readSmokeSettings, type SmokeCheck, type SmokeSettings } from '../smoke/config';
import { runSmokeChecks, type SmokeResult, type SmokeState } from '../smoke/run';
import { onInterrupt } from './interrupt';
import { formatSmokeSummary, junitReport } from '../render/smoke';
import { ProgressLines } from '../render/progress-lines';
import { counted } from '../render/units';

/**
 * The smoke settings and the checks of `keys` (every function when undefined), read and checked: one line per
 * mistake, before anything is sent. A deploy calls it before it packages anything.
 */
export function readSmokeChecks(provider: TencentProvider, keys?: string[], trigger: 'deploy' | 'command' = 'command'): { settings: SmokeSettings; checks: SmokeCheck[] } {
  const settings = readSmokeSettings(provider.serverless.service.custom);
  const checks: SmokeCheck[] = [];
  for (const key of keys ?? provider.functionKeys()) {
    const target = provider.functionTarget(key);
    const config = provider.functionConfig(key);
    const configured = config.timeout ?? provider.serverless.service.provider?.timeout;
    const functionTimeout = Number(configured ?? 3);
    if (!Number.isFinite(functionTimeout) || functionTimeout <= 0) {
      throw new ScfError('Plugin.InvalidInput', `functions.${key}.timeout must be a positive number of seconds, not ${JSON.stringify(configured)}.`);
    }
    const check = readSmokeCheck({ key, target, smoke: config.smoke, functionTimeout }, settings, provider.serviceDir);
    if (check) checks.push(check);
    else if (keys && trigger === 'command') throw new ScfError('Plugin.InvalidInput', `Function "${key}" has no smoke check: add \`smoke: true\` (or a smoke mapping) to it in serverless.yml.`);
  }
  return { settings, checks };
}

export class SmokeCommand {
  constructor(private readonly provider: TencentProvider) {}

  /** `keys`: only these functions (deploy function, smoke -f); all with a check otherwise. */
  async run(keys?: string[], trigger: 'deploy' | 'command' = 'command'): Promise<void> {
    const { provider } = this;
    const { log } = provider.io;
    const { settings, checks: all } = readSmokeChecks(provider, keys, trigger);
    // A release checked its functions' new versions before moving traffic: they are not checked twice.
    const checks = trigger === 'deploy' ? all.filter((c) => !provider.released.has(c.key)) : all;
    if (!checks.length) {
      if (trigger === 'command') log.notice('No function has a smoke check (add `smoke: true` to a function in serverless.yml).');
      return;
    }
    const results = await this.runChecks(checks, settings);
    const failed = results.filter((r) => !r.passed);
    if (!failed.length) return;
    const message = `${failed.length} of ${counted(results.length, 'smoke check')} failed: ${failed.map((r) => r.key).join(', ')}`;
    if (trigger === 'deploy' && !settings.failDeploy) {
      log.warning(`${message} (custom.scf.smoke.failDeploy is false: the deploy stands)`);
      return;
    }
    throw new ScfError('Plugin.SmokeFailed', message);
  }

  /**
   * The checks of `keys` that have one, each against the version `qualifiers` names for it: the results, shown as
   * `run` shows them, without a verdict on the whole (a release decides per function).
   */
  async check(keys: string[], qualifiers: ReadonlyMap<string, string>): Promise<SmokeResult[]> {
    const { settings, checks } = readSmokeChecks(this.provider, keys, 'deploy');
    if (!checks.length) return [];
    return this.runChecks(
      checks.map((c) => (qualifiers.has(c.key) ? { ...c, target: { ...c.target, qualifier: qualifiers.get(c.key) } } : c)),
      settings,
    );
  }

  private async runChecks(checks: SmokeCheck[], settings: SmokeSettings): Promise<SmokeResult[]> {
    const { provider } = this;
    const { log, progress } = provider.io;

    const pace = settings.concurrency ? `${settings.concurrency} at a time` : 'as the API\'s rates allow';
    log.notice(`Smoke checks: ${counted(checks.length, 'function')}, ${pace}`);
    const lines = new ProgressLines(progress, checks.length, `Smoke checks of ${counted(checks.length, 'function')}`);
    const label: Record<SmokeState, string> = { waiting: 'waiting', invoking: 'invoking', running: 'running', passed: 'passed', failed: 'failed' };
    const client = provider.client();
    const started = Date.now();
    const done = new Map<string, SmokeResult>();
    const requestIds = new Map<string, string>();
    // Ctrl-C: the summary so far, and the JUnit report with the unfinished checks marked.
    const stopWatching = onInterrupt(() => {
      lines.removeAll();
      const sofar = checks.map(
        (check): SmokeResult =>
          done.get(check.key) ?? {
            key: check.key,
            functionName: check.target.functionName,
            passed: false,
            unfinished: true,
            reason: requestIds.has(check.key) ? 'interrupted before its result arrived' : 'interrupted before it was invoked',
            requestId: requestIds.get(check.key),
            elapsedMs: Date.now() - started,
          },
      );
      log.notice(formatSmokeSummary(sofar));
      this.writeJunit(settings.junit, sofar);
      log.warning(`Smoke checks interrupted: ${sofar.filter((r) => r.unfinished).length} of ${sofar.length} had no result yet.`);
    });
    let results;
    try {
      results = await runSmokeChecks(client, checks, {
        onInvoked: (check, requestId) => requestIds.set(check.key, requestId),
        onResult: (check, result) => {
          done.set(check.key, result);
          lines.done(check.key);
        },
        concurrency: settings.concurrency,
        clock: systemClock,
        onState: (check, state) => {
          if (state !== 'passed' && state !== 'failed') lines.update(check.key, label[state]);
        },
      });
    } finally {
      stopWatching();
      lines.removeAll();
    }

    log.notice(formatSmokeSummary(results));
    this.writeJunit(settings.junit, results);
    provider.recorder?.smoked(results, new Map(checks.filter((c) => c.target.qualifier).map((c) => [c.key, c.target.qualifier!])));
    const failed = results.filter((r) => !r.passed);
    if (!failed.length) log.notice(results.length === 1 ? 'The smoke check passed' : `All ${results.length} smoke checks passed`);
    else await this.showLogs(failed, checks, started);
    return results;
  }

  private writeJunit(junit: string | undefined, results: SmokeResult[]): void {
    if (!junit) return;
    const file = path.resolve(this.provider.serviceDir, junit);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The reasons hidden before XML escapes them (the redactor would not find a secret with & or < in it then).
    const shown = results.map((r) => ({ ...r, reason: r.reason === undefined ? undefined : this.provider.redactor.apply(r.reason) }));
    fs.writeFileSync(file, this.provider.redactor.apply(junitReport(this.provider.serverless.service.service, shown, new Date())));
    this.provider.io.log.notice(`JUnit report: ${file}`);
  }

  /** The end of each failed request's log (a few of them), from CLS or GetFunctionLogs. */
  private async showLogs(failed: SmokeResult[], checks: SmokeCheck[], invokedAtMs: number): Promise<void> {
    const { log } = this.provider.io;
    const { requestLog } = require('../logs/request') as typeof import('../logs/request');
    for (const result of failed.filter((r) => r.requestId).slice(0, MAX_LOGS_SHOWN)) {
      const check = checks.find((c) => c.key === result.key)!;
      try {
        const request = await requestLog(this.provider.clients(), { key: check.key, ...check.target, requestId: result.requestId!, invokedAtMs, clock: systemClock, attempts: 4 });
        if (!request) continue;
        const lines = request.lines.slice(-LOG_LINES_SHOWN);
        log.notice(plainText([`Log of ${check.key} (RequestId ${result.requestId})${request.lines.length > lines.length ? `, its last ${lines.length} lines` : ''}:`, ...lines.map((l) => `  ${l}`)].join('\n')));
      } catch (error) {
        log.verbose(`The log of ${result.requestId} could not be read: ${(error as Error).message}`);
      }
    }
  }
}

/** Failed checks whose log is shown, and how much of each. */
const MAX_LOGS_SHOWN = 5;
const LOG_LINES_SHOWN = 20;

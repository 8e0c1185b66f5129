// Smoke checks: after `sls deploy` / `sls deploy function`, and as `sls smoke [-f FN]`.
// Read the configuration → run the checks → show the live view, the summary, and the JUnit report.
import * as fs from 'fs';
import * as path from 'path';
import { ScfError } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import type { Progress, TencentProvider } from '../provider';
import { readSmokeCheck, readSmokeSettings, type SmokeCheck } from '../smoke/config';
import { runSmokeChecks, type SmokeState } from '../smoke/run';
import { formatSmokeSummary, junitReport } from '../render/smoke';

export class SmokeCommand {
  constructor(private readonly provider: TencentProvider) {}

  /** `keys`: only these functions (deploy function, smoke -f); all with a check otherwise. */
  async run(keys?: string[], trigger: 'deploy' | 'command' = 'command'): Promise<void> {
    const { provider } = this;
    const { log, progress } = provider.io;
    const custom = provider.serverless.service.custom;
    const settings = readSmokeSettings(custom);
    const selected = keys ?? provider.functionKeys();
    const checks: SmokeCheck[] = [];
    for (const key of selected) {
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
    if (!checks.length) {
      if (trigger === 'command') log.notice('No function has a smoke check (add `smoke: true` to a function in serverless.yml).');
      return;
    }

    log.notice(`Smoke checks: ${checks.length} function(s), ${settings.concurrency} at a time`);
    const lines = new Map<string, Progress>();
    const label: Record<SmokeState, string> = { waiting: 'waiting', invoking: 'invoking', running: 'running', passed: 'passed', failed: 'failed' };
    const client = provider.client();
    let results;
    try {
      results = await runSmokeChecks(client, checks, {
        concurrency: settings.concurrency,
        clock: systemClock,
        onState: (check, state) => {
          let line = lines.get(check.key);
          if (!line) lines.set(check.key, (line = progress.create({ message: `${check.key}: ${label[state]}` })));
          else line.update(`${check.key}: ${label[state]}`);
        },
      });
    } finally {
      for (const line of lines.values()) line.remove();
    }

    log.notice(formatSmokeSummary(results));
    if (settings.junit) {
      const file = path.resolve(provider.serviceDir, settings.junit);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, junitReport(provider.serverless.service.service, results, new Date()));
      log.notice(`JUnit report: ${file}`);
    }
    const failed = results.filter((r) => !r.passed);
    if (!failed.length) {
      log.notice(`All ${results.length} smoke check(s) passed`);
      return;
    }
    const message = `${failed.length} of ${results.length} smoke check(s) failed: ${failed.map((r) => r.key).join(', ')}`;
    if (trigger === 'deploy' && !settings.failDeploy) {
      log.warning(`${message} (custom.scf.smoke.failDeploy is false: the deploy stands)`);
      return;
    }
    throw new ScfError('Plugin.SmokeFailed', message);
  }
}

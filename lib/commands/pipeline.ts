// A run of a command that changes a stage, as a pipeline sees it: the stage's deploy lock taken first and let go
// last (also on failure), and for deploys the report written at the end, whatever the outcome: `--json` on
// stdout, custom.scf.deploy.report and .junit as files, and in GitHub Actions the step summary and the outputs.
import * as fs from 'fs';
import * as path from 'path';
import { plainText, ScfError } from '../cloud/errors';
import type { DeployedTrigger } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { ciRun } from '../deploy/ci';
import { pipelineSettings } from '../deploy/pipeline-settings';
import { DeployRecorder, type DeployReport } from '../deploy/report';
import { deployJunit, githubOutputs, markdownSummary, reportJson } from '../render/report';
import { serviceCommit } from './release';
import { lockStage, type StageLockHandle } from './stage-lock';

export interface PipelineOptions {
  'force-unlock'?: boolean;
  json?: boolean;
}

export class PipelineRun {
  private lock?: StageLockHandle;
  private ended = false;

  constructor(
    private readonly provider: TencentProvider,
    private readonly options: PipelineOptions,
    /** `sls deploy`, `sls deploy function -f api`, `sls remove`, `sls rollback`. */
    readonly command: string,
    /** The functions a report covers (deploys only; none: no report). */
    private readonly reportOn?: string[],
  ) {}

  /** Takes the stage's lock (waiting for it as long as the settings say); starts recording a deploy. */
  async begin(): Promise<void> {
    if (this.reportOn) this.provider.recorder = new DeployRecorder(this.command);
    this.lock = await lockStage(this.provider, this.command, { force: this.options['force-unlock'] === true });
    const recorder = this.provider.recorder;
    if (recorder) {
      recorder.mark('lock');
      if (this.lock) recorder.lock = { ...this.lock.record, tookOverFrom: this.lock.record.tookOverFrom ?? null };
    }
  }

  /**
   * Writes the report (when one is asked for), then lets the lock go. With `error` (the run failed) nothing
   * here throws: the run's own error is what the user sees. A run that lost its lock to another fails.
   */
  async end(error?: unknown): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      if (this.provider.recorder) await this.writeReport(error instanceof Error ? error : error === undefined ? undefined : new Error(String(error)));
    } catch (failure) {
      if (!error) throw failure;
      this.provider.io.log.warning(`The deploy report could not be written: ${(failure as Error).message}`);
    } finally {
      await this.lock?.release();
    }
    const lostTo = this.lock?.lostTo();
    if (!error && lostTo) {
      throw new ScfError('Plugin.LockLost', `${this.command} finished, but ${lostTo} took the stage's deploy lock over while it ran: check the stage (sls info) before the next deploy.`);
    }
  }

  private async writeReport(error: Error | undefined): Promise<void> {
    const { provider } = this;
    const settings = pipelineSettings(provider.serverless.service.custom?.scf?.deploy, provider.providerConfig.deploymentBucket);
    const env = provider.env;
    const githubSummary = env.GITHUB_ACTIONS === 'true' ? env.GITHUB_STEP_SUMMARY : undefined;
    const githubOutput = env.GITHUB_ACTIONS === 'true' ? env.GITHUB_OUTPUT : undefined;
    if (!this.options.json && !settings.report && !settings.junit && !githubSummary && !githubOutput) return;
    // Hidden in the data, before each format escapes it (`_` in Markdown, `&` in XML, `"` in JSON would hide a
    // secret a reason quotes from the redactor), and once more in the text.
    const report = provider.redactor.applyDeep(await this.build(error));
    const safe = (text: string) => provider.redactor.apply(text);
    // One line: when the run fails, serverless writes its error to stdout after it, and `head -n 1` still finds it.
    if (this.options.json) provider.io.writeText(JSON.stringify(report));
    // A file that cannot be written (a missing directory, no permission) is one line naming it, not a stack.
    const writing = (what: string, target: string, act: () => void) => {
      try {
        act();
      } catch (failure) {
        const code = (failure as NodeJS.ErrnoException)?.code;
        if (typeof code !== 'string') throw failure;
        throw new ScfError('Plugin.ReportWrite', `${what} could not be written to ${target} (${code}): the ${this.command} itself ${error ? 'failed before' : 'finished'}.`);
      }
    };
    const write = (setting: string, file: string, text: string) => {
      const target = path.resolve(provider.serviceDir, file);
      writing(setting, target, () => {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, safe(text));
      });
      provider.io.log.notice(`${setting}: ${target}`);
    };
    if (settings.report) write('Deploy report', settings.report, reportJson(report) + '\n');
    if (settings.junit) write('Deploy JUnit report', settings.junit, deployJunit(report));
    if (githubSummary) writing('The GitHub step summary (GITHUB_STEP_SUMMARY)', githubSummary, () => fs.appendFileSync(githubSummary, safe(markdownSummary(report)) + '\n'));
    if (githubOutput) writing('The GitHub step outputs (GITHUB_OUTPUT)', githubOutput, () => fs.appendFileSync(githubOutput, safe(githubOutputs(report))));
  }

  private async build(error: Error | undefined): Promise<DeployReport> {
    const { provider } = this;
    const targets = this.reportOn!.map((key) => ({ key, ...provider.functionTarget(key) }));
    const triggers = new Map<string, DeployedTrigger[] | null>();
    const { triggerSummary } = require('./info') as typeof import('./info');
    const clients = provider.clients();
    // Each function's triggers as they are now: what its URLs are. A function that is not there has none.
    await Promise.all(
      targets.map(async (t) => {
        try {
          const info = await clients.scf.getFunction(t);
          triggers.set(t.key, info ? await clients.scf.listTriggers(t) : []);
        } catch {
          triggers.set(t.key, null);
        }
      }),
    );
    return provider.recorder!.report({
      service: String(provider.serverless.service.service),
      stage: provider.getStage(),
      region: provider.getRegion(),
      commit: serviceCommit(provider.serviceDir, provider.env as NodeJS.ProcessEnv),
      ci: ciRun(provider.env),
      targets,
      triggers,
      summarize: (trigger) => {
        const summary = triggerSummary(trigger);
        const url = trigger.type === 'http' ? /https?:\/\/\S+/.exec(summary)?.[0] : undefined;
        return { summary: plainText(summary), url };
      },
      error,
    });
  }
}

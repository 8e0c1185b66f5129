// Plugin entry: registers the `tencent` provider and its configuration schema, declares the commands and their
// options, and maps hooks to commands. A command's module is loaded only when that command runs, so the plugin
// costs next to nothing at serverless start-up.
import { inputError, isScfError, plainText } from './cloud/errors';
import { handlerProblems } from './config/handlers';
import { type PluginIo, TencentProvider } from './provider';
import { adjustCoreCommandSchema } from './cli-schema';
import { configSchema } from './schema';
import { Redactor, redactingIo } from './config/redact';
import type { PipelineRun } from './commands/pipeline';
import { duration as formatDuration } from './render/units';

const namespaceOption = { usage: 'SCF namespace (default: from serverless.yml, else "default")', shortcut: 'n', type: 'string' };
const regionOption = { usage: 'Region (e.g. ap-guangzhou)', shortcut: 'r', type: 'string' };
const qualifierOption = { usage: 'Version or alias', shortcut: 'q', type: 'string' };
/** A web function answers HTTP: the request `sls invoke` (and `invoke local`) sends it. */
const webOptions = {
  method: { usage: 'Web functions: the HTTP method (default GET, POST with --data)', type: 'string' },
  'http-path': { usage: 'Web functions: the path (and query) requested, e.g. /users?page=2 (default /)', type: 'string' },
  header: { usage: 'Web functions: a request header "Name: value" (repeatable)', type: 'multiple' },
};
const forceUnlockOption = { usage: "Take the stage's deploy lock over whoever holds it (it says whose it was)", type: 'boolean' };
const concealOption = { usage: 'Hide function environment values (and resolved secrets, always hidden) in the output', type: 'boolean' };
const jsonReportOption = { usage: 'Write the deploy report (per function: name, version, alias, code, triggers, URLs, smoke outcome, timings) as JSON on stdout', type: 'boolean' };

class TencentScfPlugin {
  readonly provider: TencentProvider;
  readonly commands: Record<string, unknown>;
  readonly hooks: Record<string, () => Promise<void>>;
  readonly configurationVariablesSources: Record<string, { resolve(variable: any): Promise<{ value: string | null }> }>;
  /** Secrets resolved (and with --conceal environment values): nothing the plugin writes shows them. */
  private readonly redactor: Redactor;
  private pipeline?: PipelineRun;
  /** When the command started: deploy, package and remove end with how long they took. */
  private readonly startedAt = Date.now();
  /** What the deploy did, for the line that ends it (after the smoke checks). */
  private closing?: string;
  private packaging?: { progress?: { remove(): void }; startedAt: number };
  private pluginKeptOut = false;

  constructor(
    private readonly serverless: any,
    private readonly options: Record<string, any>,
    rawIo: PluginIo,
  ) {
    this.redactor = new Redactor();
    this.provider = new TencentProvider(serverless, options, redactingIo(rawIo, this.redactor));
    this.provider.redactor = this.redactor;
    this.configurationVariablesSources = { 'tencent-ssm': { resolve: (variable) => this.resolveSecret(variable) } };
    serverless.setProvider(TencentProvider.getProviderName(), this.provider);
    adjustCoreCommandSchema(serverless);
    // Core serverless keeps a service's `layers:` (and so packages them) for AWS only: for SCF too.
    const service = serverless.service;
    if (service && !service.layers && serverless.configurationInput?.layers) service.layers = serverless.configurationInput.layers;
    const schema = serverless.configSchemaHandler;
    schema?.defineProvider?.('tencent', configSchema.provider);
    for (const [type, eventSchema] of Object.entries(configSchema.functionEvents)) schema?.defineFunctionEvent?.('tencent', type, eventSchema);
    schema?.defineCustomProperties?.(configSchema.custom);
    // The service's layers: a top-level key core serverless packages, but only AWS defines.
    if (!schema?.schema?.properties?.layers) schema?.defineTopLevelProperty?.('layers', configSchema.layers);

    this.commands = {
      invoke: {
        options: {
          namespace: namespaceOption,
          region: regionOption,
          wait: { usage: 'With --type Event: wait for the result and print it as a sync call would', type: 'boolean' },
          timeout: { usage: 'With --wait: seconds to wait for the result (default 900)', type: 'string' },
          ...webOptions,
        },
        commands: {
          local: {
            options: {
              event: { usage: 'Start from a trigger\'s sample event: timer, cos, apigw, ckafka or cmq (--data/--path fields win)', type: 'string' },
              namespace: namespaceOption,
              region: regionOption,
              ...webOptions,
            },
          },
        },
      },
      logs: {
        options: {
          endTime: { usage: 'End of the range, same forms as --startTime (default: now)', type: 'string' },
          grep: { usage: 'Only requests with a log line holding these words (searched in CLS as a phrase), and only those lines', type: 'string' },
          requestId: { usage: 'Only this request (searched in the last 7 days unless --startTime says otherwise)', type: 'string' },
          qualifier: qualifierOption,
          namespace: namespaceOption,
          region: regionOption,
          json: { usage: 'One JSON object per request per line', type: 'boolean' },
          searches: { usage: 'CLS searches of a topic in flight at once, 1 to 15 (default: custom.scf.logs.searches, else 4)', type: 'string' },
        },
      },
      events: {
        usage: 'List the async events of a function, or of every function of the service (ListAsyncEvents), or stop one with --terminate',
        lifecycleEvents: ['events'],
        options: {
          function: { usage: 'Function key in serverless.yml (default: every function)', shortcut: 'f', type: 'string' },
          status: { usage: 'Comma list of RUNNING, FINISHED, ABORTED, FAILED', type: 'string' },
          invokeType: { usage: 'Comma list of invocation types (e.g. CLI, TIMER, COS)', type: 'string' },
          requestId: { usage: 'Only this async event', type: 'string' },
          startTime: { usage: 'Events started at or after (30m, 2h, a date, ISO 8601, unix seconds)', type: 'string' },
          endTime: { usage: 'Events started before', type: 'string' },
          qualifier: qualifierOption,
          namespace: namespaceOption,
          region: regionOption,
          json: { usage: 'One JSON object per event per line', type: 'boolean' },
          terminate: { usage: 'Stop the running async event with this request id', type: 'string' },
          grace: { usage: 'With --terminate: SIGTERM first, then stop', type: 'boolean' },
        },
      },
      smoke: {
        usage: 'Run the smoke checks of the functions (all with `smoke:` in serverless.yml, or -f ones) without deploying',
        lifecycleEvents: ['smoke'],
        options: {
          function: { usage: 'Only this function (repeatable)', shortcut: 'f', type: 'multiple' },
          region: regionOption,
        },
      },
      info: {
        options: {
          namespace: namespaceOption,
          region: regionOption,
          json: { usage: 'The service as deployed, as one JSON document', type: 'boolean' },
          conceal: concealOption,
        },
      },
      remove: { options: { namespace: namespaceOption, region: regionOption, 'force-unlock': forceUnlockOption } },
      print: { options: { 'show-secrets': { usage: 'Show the values of ${tencent-ssm:...} secrets (hidden by default)', type: 'boolean' } } },
      package: { options: { region: regionOption } },
      deploy: {
        options: {
          smoke: { usage: 'Run the smoke checks after the deploy (default: on; --no-smoke skips them)', type: 'boolean' },
          namespace: { ...namespaceOption, usage: 'Deploy every function into this SCF namespace (wins over serverless.yml)' },
          region: regionOption,
          'force-unlock': forceUnlockOption,
          json: jsonReportOption,
          conceal: concealOption,
        },
        commands: {
          function: {
            options: {
              smoke: { usage: 'Run the function\'s smoke check after the deploy (default: on; --no-smoke skips it)', type: 'boolean' },
              namespace: { ...namespaceOption, usage: 'Deploy the function into this SCF namespace (wins over serverless.yml)' },
              region: regionOption,
              'force-unlock': forceUnlockOption,
              json: jsonReportOption,
              conceal: concealOption,
            },
          },
          list: {
            usage: 'List the deployments of the service and stage (from its versions), newest first, and which one each alias serves',
            lifecycleEvents: ['log'],
            options: {
              region: regionOption,
              json: { usage: 'The deployments as one JSON document', type: 'boolean' },
            },
          },
        },
      },
      metrics: {
        usage: 'Invocations, errors, error rate, throttles, duration and concurrency of the functions (or -f ones) and the service, from Cloud Monitor',
        lifecycleEvents: ['metrics'],
        options: {
          function: { usage: 'Only this function, or these (a comma list)', shortcut: 'f', type: 'string' },
          startTime: { usage: 'Start of the range: 30m, 2h, 3d, a date, ISO 8601, unix seconds (default: an hour ago)', type: 'string' },
          endTime: { usage: 'End of the range, same forms (default: now)', type: 'string' },
          period: { usage: 'Seconds a figure covers: 60, 300, 3600 or 86400 (default: the shortest that fits the range)', type: 'string' },
          region: regionOption,
          json: { usage: 'The figures as one JSON document', type: 'boolean' },
        },
      },
      rollback: {
        usage: 'Point every function\'s alias back at the version a deployment left it at (default: the one before the current), then run the smoke checks',
        lifecycleEvents: ['rollback'],
        options: {
          deployment: { usage: 'The deployment to go back to (sls deploy list shows them)', type: 'string' },
          region: regionOption,
          'force-unlock': forceUnlockOption,
        },
      },
    };

    // Each command's module is required only when it runs.
    this.hooks = {
      // Every command: a function whose handler cannot name code gets one warning line (nothing is read).
      initialize: async () => {
        for (const problem of this.handlerProblems().values()) this.provider.io.log.warning(`${problem} sls invoke and deploy refuse it.`);
      },
      'invoke:invoke': () =>
        this.run(() => {
          this.requireHandlers([String(this.options.function)]);
          if (this.serverless.service.functions?.[String(this.options.function)]?.type === 'web') {
            return (require('./commands/invoke-web') as typeof import('./commands/invoke-web')).invokeWebFunction(this.provider, this.options);
          }
          const { InvokeCommand } = require('./commands/invoke') as typeof import('./commands/invoke');
          return new InvokeCommand(this.provider, this.options).run();
        }),
      'invoke:local:invoke': () =>
        this.run(() => {
          this.requireHandlers([String(this.options.function)]);
          const { InvokeLocalCommand } = require('./commands/invoke-local') as typeof import('./commands/invoke-local');
          return new InvokeLocalCommand(this.provider, this.options).run();
        }),
      'logs:logs': () =>
        this.run(() => {
          const { LogsCommand } = require('./commands/logs') as typeof import('./commands/logs');
          return new LogsCommand(this.provider, this.options).run();
        }),
      'events:events': () =>
        this.run(() => {
          const { EventsCommand } = require('./commands/events') as typeof import('./commands/events');
          return new EventsCommand(this.provider, this.options).run();
        }),
      // Everything in serverless.yml is checked before anything is packaged, sent or changed.
      'before:package:cleanup': () =>
        this.run(async () => {
          this.validateForDeploy();
          this.leaveOutStateDirs();
          (require('./commands/deploy-web') as typeof import('./commands/deploy-web')).checkWebSources(this.provider);
          (require('./commands/deploy-layers') as typeof import('./commands/deploy-layers')).checkLayerSources(this.provider);
        }),
      // serverless zips in silence: a progress line while it does, a line with what it made when it is done.
      'before:package:createDeploymentArtifacts': async () => {
        await this.keepPluginOutOfPackage();
        this.startPackaging();
      },
      'package:finalize': () =>
        this.run(async () => {
          const { packagedLine, savePackages } = require('./commands/deploy') as typeof import('./commands/deploy');
          savePackages(this.provider, this.options.package);
          this.endPackaging((ms) => packagedLine(this.provider, ms));
        }),
      'deploy:deploy': () =>
        this.run(async () => {
          this.validateForDeploy();
          this.conceal();
          await this.locked('sls deploy', this.provider.functionKeys(), async () => {
            const { DeployCommand } = require('./commands/deploy') as typeof import('./commands/deploy');
            this.closing = await new DeployCommand(this.provider, this.options).deployService();
          });
        }),
      'deploy:function:packageFunction': () =>
        this.run(async () => {
          this.validateForDeploy(this.functionOption());
          if (this.options['update-config']) return;
          this.leaveOutStateDirs();
          await this.keepPluginOutOfPackage();
          this.startPackaging();
          try {
            await this.serverless.pluginManager.spawn('package:function');
          } finally {
            this.endPackaging();
          }
        }),
      'deploy:function:deploy': () =>
        this.run(async () => {
          this.conceal();
          await this.locked(`sls deploy function -f ${this.options.function}`, this.functionOption(), async () => {
            const { DeployCommand } = require('./commands/deploy') as typeof import('./commands/deploy');
            this.closing = await new DeployCommand(this.provider, this.options).deployFunction();
          });
        }),
      'deploy:list:log': () =>
        this.run(async () => {
          const { DeployListCommand } = require('./commands/deployments') as typeof import('./commands/deployments');
          await new DeployListCommand(this.provider, this.options as { json?: boolean }).run();
        }),
      'metrics:metrics': () =>
        this.run(async () => {
          const { MetricsCommand } = require('./commands/metrics') as typeof import('./commands/metrics');
          await new MetricsCommand(this.provider, this.options as import('./commands/metrics').MetricsOptions).run();
        }),
      'rollback:rollback': () =>
        this.run(() =>
          this.locked('sls rollback', undefined, async () => {
            const { RollbackCommand } = require('./commands/deployments') as typeof import('./commands/deployments');
            await new RollbackCommand(this.provider, this.options as { deployment?: string }).run();
          }, true),
        ),
      'remove:remove': () =>
        this.run(() =>
          this.locked('sls remove', undefined, () => {
            const { RemoveCommand } = require('./commands/remove') as typeof import('./commands/remove');
            return new RemoveCommand(this.provider, this.startedAt).run();
          }, true),
        ),
      'before:print:print': async () => {
        // serverless prints the resolved configuration: the secrets in it are shown as their variables, unless asked.
        if (this.options['show-secrets'] || !this.redactor.size) return;
        this.redactor.applyDeep(this.serverless.configurationInput);
      },
      'info:info': () =>
        this.run(() => {
          this.conceal();
          const { InfoCommand } = require('./commands/info') as typeof import('./commands/info');
          return new InfoCommand(this.provider, this.options).run();
        }),
      'smoke:smoke': () => this.smoke(this.functionOption(), 'command'),
      'after:deploy:deploy': () => this.finishPipeline(() => this.smoke(undefined, 'deploy').then(() => this.close())),
      'after:deploy:function:deploy': () => this.finishPipeline(() => this.smoke(this.functionOption(), 'deploy').then(() => this.close())),
    };
  }

  /**
   * Runs a command that changes the stage inside its pipeline run: the deploy lock taken first, the report
   * recorded for `reportOn` functions. A failure ends the run at once (the report written, the lock let go); a
   * success ends it here when `endHere`, else after the smoke checks (after:deploy:*).
   */
  private async locked(command: string, reportOn: string[] | undefined, body: () => Promise<void>, endHere = false): Promise<void> {
    const { PipelineRun } = require('./commands/pipeline') as typeof import('./commands/pipeline');
    this.pipeline = new PipelineRun(this.provider, this.options, command, reportOn);
    try {
      await this.pipeline.begin();
      await body();
    } catch (error) {
      await this.pipeline.end(error);
      throw error;
    }
    if (endHere) await this.pipeline.end();
  }

  /** The post-deploy step (smoke checks), then the end of the pipeline run the deploy began. */
  private async finishPipeline(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (error) {
      await this.pipeline?.end(error);
      throw error;
    }
    await this.run(async () => this.pipeline?.end());
  }

  /** --conceal: every environment value of serverless.yml is hidden from the output from now on. */
  private conceal(): void {
    if (!this.options.conceal) return;
    const service = this.serverless.service ?? {};
    const envs = [service.provider?.environment, ...Object.values(service.functions ?? {}).map((fn: any) => fn?.environment)];
    for (const env of envs) {
      if (!env || typeof env !== 'object') continue;
      for (const value of Object.values(env)) if (typeof value === 'string') this.redactor.add(value, '<concealed>');
    }
  }

  /** `${tencent-ssm:NAME}`: the secret, read when serverless resolves the variable; its value hidden from every output. */
  private async resolveSecret(variable: any): Promise<{ value: string | null }> {
    const { ssmVariableSource, escapeVariableSyntax } = require('./config/ssm-variables') as typeof import('./config/ssm-variables');
    this.secrets ??= ssmVariableSource({
      redactor: this.redactor,
      env: this.provider.env,
      serviceDir: () => this.provider.serviceDir,
      warn: (message) => this.provider.io.log.warning(message),
      verbose: (message) => this.provider.io.log.verbose(message),
    });
    try {
      const { value } = await this.secrets.resolve(variable);
      // serverless reads variables in what a source gives back: `${` in a secret is escaped to stay as it is.
      return { value: value === null ? null : escapeVariableSyntax(value) };
    } catch (error) {
      if (!isScfError(error)) throw error;
      throw new this.serverless.classes.Error(this.redactor.apply(plainText(error.message)), 'TENCENT_SSM_VARIABLE');
    }
  }

  private secrets?: ReturnType<typeof import('./config/ssm-variables').ssmVariableSource>;

  /** The line that ends a deploy: what it did and how long the whole command took (`Deployed x (…) in 4.1 s: …`). */
  private close(): void {
    if (this.closing) this.provider.io.log.notice(this.closing.replace(/\): /, `) in ${formatDuration(Date.now() - this.startedAt)}: `));
    this.closing = undefined;
  }

  private startPackaging(): void {
    if (this.packaging) return;
    // In a log (no terminal) progress lines are not shown: a plain line says packaging started.
    const tty = process.stderr.isTTY === true;
    const message = `Packaging ${this.serverless.service?.service ?? 'the service'}`;
    if (!tty) this.provider.io.log.notice(message);
    this.packaging = { startedAt: Date.now(), progress: tty ? this.provider.io.progress.create({ message }) : undefined };
  }

  /** Ends the packaging progress; `line` (given how long it took) is logged when it says something. */
  private endPackaging(line?: (ms: number) => string | undefined): void {
    const packaging = this.packaging;
    this.packaging = undefined;
    packaging?.progress?.remove();
    const text = packaging && line?.(Date.now() - packaging.startedAt);
    if (text) this.provider.io.log.notice(text);
  }

  /** Each function's handler problem (lib/config/handlers), by key. */
  private handlerProblems(): Map<string, string> {
    const service = this.serverless.service ?? {};
    return handlerProblems(service.functions ?? {}, service.provider?.runtime);
  }

  /** Refuses (one line per function) when any of `keys` (default: every function) has no handler it can run. */
  private requireHandlers(keys?: string[]): void {
    const problems = this.handlerProblems();
    const found = (keys ?? [...problems.keys()]).map((key) => problems.get(key)).filter((problem): problem is string => problem !== undefined);
    if (found.length) throw inputError(found.join('\n'));
  }

  /** The deploy's desired state, the smoke checks and the pipeline settings, read and checked (one line per mistake); nothing is sent. */
  private validateForDeploy(keys?: string[]): void {
    this.requireHandlers(keys);
    const { readDesiredState } = require('./commands/deploy') as typeof import('./commands/deploy');
    const { readSmokeChecks } = require('./commands/smoke') as typeof import('./commands/smoke');
    readDesiredState(this.provider);
    readSmokeChecks(this.provider, keys, 'deploy');
    // The lock's and the report's settings too: a mistake there is found before packaging, not at the lock.
    const { pipelineSettings } = require('./deploy/pipeline-settings') as typeof import('./deploy/pipeline-settings');
    pipelineSettings(this.serverless.service.custom?.scf?.deploy, this.provider.providerConfig.deploymentBucket);
  }

  /**
   * Before serverless packages: the plugin's own directory is kept out of the package and of the globs that make it,
   * and a plugin installed as a link out of the service (a path, npm link) is kept out of serverless 3's
   * dev-dependency walk too (lib/config/install). Once per command.
   */
  private async keepPluginOutOfPackage(): Promise<void> {
    const service = this.serverless.service;
    if (!service || this.pluginKeptOut || service.package?.artifact) return;
    this.pluginKeptOut = true;
    const install = require('./config/install') as typeof import('./config/install');
    const patterns = install.pluginExcludePatterns();
    const pkg = (service.package ??= {});
    const link = install.linkOutOfService(this.provider.serviceDir);
    const major = Number(String(this.serverless.version ?? '').split('.')[0]);
    // osls 4 keeps its package.json glob out of node_modules; serverless 3 does not, and would follow the link.
    if (link && pkg.excludeDevDependencies !== false && !(major >= 4)) {
      patterns.push(...(await install.devDependencyPatterns(this.provider.serviceDir)));
      pkg.excludeDevDependencies = false;
      this.provider.io.log.verbose(`${install.PLUGIN_NAME} is a link to ${link}: its directory is left out of packaging, and dev dependencies are found without walking node_modules.`);
    }
    // Last, so that they win over every pattern of serverless.yml (as serverless's dev-dependency exclusion does).
    pkg.patterns = [...(pkg.patterns ?? []), ...patterns];
    for (const fn of Object.values((service.functions ?? {}) as Record<string, any>)) {
      if (Array.isArray(fn?.package?.patterns)) fn.package.patterns = [...fn.package.patterns, ...patterns];
    }
  }

  /**
   * An emulator state directory kept in the service directory (`--state-dir .scf-state`) is left out of every
   * package, saying so once: it holds the emulator's account and every package deployed to it.
   */
  private leaveOutStateDirs(): void {
    const service = this.serverless.service;
    if (service?.package?.artifact) return;
    const { stateDirsIn } = require('./deploy/artifacts') as typeof import('./deploy/artifacts');
    const dirs = stateDirsIn(this.provider.serviceDir);
    if (!dirs.length) return;
    service.package ??= {};
    service.package.patterns = [...(service.package.patterns ?? []), ...dirs.map((dir: string) => `!${dir}/**`)];
    this.provider.io.log.notice(
      `Left out of the package: ${dirs.join(', ')} (an SCF emulator's state: its account and every package deployed to it). Keep --state-dir outside the service directory.`,
    );
  }

  private functionOption(): string[] | undefined {
    const value = this.options.function;
    if (value === undefined) return undefined;
    return (Array.isArray(value) ? value : [value]).map(String);
  }

  private smoke(keys: string[] | undefined, trigger: 'deploy' | 'command'): Promise<void> {
    if (trigger === 'deploy' && (this.options.smoke === false || process.env.SCF_SKIP_SMOKE === '1')) {
      this.provider.io.log.notice('Smoke checks skipped');
      return Promise.resolve();
    }
    return this.run(() => {
      const { SmokeCommand } = require('./commands/smoke') as typeof import('./commands/smoke');
      return new SmokeCommand(this.provider).run(keys, trigger);
    });
  }

  /** Our errors become serverless's own: a sentence and a non-zero exit, no stack unless --verbose. */
  private async run(command: () => Promise<void>): Promise<void> {
    try {
      await command();
    } catch (error) {
      if (isScfError(error)) {
        // serverless never shows a ServerlessError's stack: with --verbose, show where ours came from.
        const cause = error.context.cause as Error | undefined;
        this.provider.io.log.verbose(this.redactor.apply(plainText([error.stack, cause?.stack && `Caused by: ${cause.stack}`].filter(Boolean).join('\n'))));
        const ServerlessError = this.serverless.classes.Error;
        // Every error quoting a server (a status, a runtime, a name read back) reaches the terminal neutralised.
        throw new ServerlessError(this.redactor.apply(plainText(error.message)), error.code.replace(/[^A-Za-z0-9]+/g, '_').toUpperCase());
      }
      throw error;
    }
  }
}

export = TencentScfPlugin;

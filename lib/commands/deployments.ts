// `sls deploy list` and `sls rollback`: the service's deployments as its functions' versions record them, and the
// alias of each function pointed back at the version a deployment left it at (no upload: seconds), then checked.
import { inputError, ScfError } from '../cloud/errors';
import type { Clients } from '../cloud/clients';
import type { TencentProvider } from '../provider';
import { eachLimited } from '../deploy/apply';
import { releaseAlias } from '../deploy/plan';
import { type Deployment, defaultRollbackTarget, deployments, type FunctionHistory, rollbackSteps } from '../deploy/history';
import { aliasDescription, parseAliasDescription, promote } from '../deploy/strategy';
import { formatTable } from '../render/table';
import { formatLocal } from '../time/parse';
import { readDesiredState } from './deploy';

/** Each function's versions and alias (reads only). */
async function histories(provider: TencentProvider, clients: Clients, aliasName: string): Promise<FunctionHistory[]> {
  const keys = provider.functionKeys();
  const out: FunctionHistory[] = new Array(keys.length);
  // The client holds each action to its rate: as many at once as there are functions.
  await eachLimited(
    keys.map((key, i) => ({ key, i })),
    keys.length,
    async ({ key, i }) => {
      const target = provider.functionTarget(key);
      const info = await clients.scf.getFunction(target).catch((error) => {
        if (error instanceof ScfError && error.code === 'ResourceNotFound.Namespace') return undefined;
        throw error;
      });
      if (!info) {
        out[i] = { key, ...target, deployed: false, versions: [] };
        return;
      }
      const [versions, alias] = await Promise.all([clients.scf.listVersions(target), clients.scf.getAlias(target, aliasName)]);
      out[i] = { key, ...target, deployed: true, versions, alias };
    },
  );
  return out;
}

function deploymentJson(d: Deployment) {
  return { id: d.id, time: new Date(d.time).toISOString(), commit: d.commit ?? null, versions: d.versions, serving: d.serving, promoted: d.promoted };
}

export class DeployListCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: { json?: boolean },
  ) {}

  async run(): Promise<void> {
    const { provider } = this;
    const desired = readDesiredState(provider);
    const aliasName = releaseAlias(desired.settings);
    const list = deployments(await histories(provider, provider.clients(), aliasName));
    if (this.options.json) {
      provider.io.writeText(JSON.stringify({ service: desired.service, stage: desired.stage, region: desired.region, alias: aliasName, deployments: list.map(deploymentJson) }, null, 2));
      return;
    }
    if (!list.length) {
      provider.io.log.notice(`No deployments of ${desired.service} (stage ${desired.stage}) are recorded: versions are kept by deploys with custom.scf.deploy.strategy or publish: true.`);
      return;
    }
    const rows = list.map((d) => [
      d.id,
      formatLocal(d.time),
      d.commit ?? '-',
      Object.entries(d.versions)
        .map(([key, version]) => `${key}:${version}${d.serving.includes(key) ? '*' : ''}`)
        .join(' '),
      d.serving.length ? (d.serving.length === Object.keys(d.versions).length ? 'yes' : 'in part') : d.promoted ? 'no (was)' : 'never',
    ]);
    provider.io.writeText(
      [`${desired.service} (stage ${desired.stage}, region ${desired.region}), alias ${aliasName}; * = the version it serves now`, '', formatTable(['DEPLOYMENT', 'TIME', 'COMMIT', 'VERSIONS', 'SERVING'], rows)].join('\n'),
    );
  }
}

export interface RollbackOptions {
  deployment?: string;
}

export class RollbackCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: RollbackOptions,
  ) {}

  async run(): Promise<void> {
    const { provider } = this;
    const { log } = provider.io;
    const desired = readDesiredState(provider);
    const aliasName = releaseAlias(desired.settings);
    const requested = this.options.deployment === undefined ? undefined : String(this.options.deployment);
    if (requested !== undefined && !/^D\d{8}T\d{6}Z[0-9A-F]{4}$/.test(requested)) throw inputError(`--deployment "${requested}" is not a deployment id (like D20261203T081500Z4F2A): sls deploy list shows them.`);
    const clients = provider.clients();
    const all = await histories(provider, clients, aliasName);
    const known = deployments(all);
    const target = requested ?? defaultRollbackTarget(all);
    if (!target) throw inputError(`There is no earlier deployment of ${desired.service} (stage ${desired.stage}) to roll back to: sls deploy list shows what is recorded.`);
    if (!known.some((d) => d.id === target)) throw inputError(`Deployment ${target} is not among the deployments the functions' versions record: sls deploy list shows them.`);

    const steps = rollbackSteps(all, target);
    const moving = steps.filter((s) => s.version !== undefined && s.version !== s.from);
    log.notice(`Rolling ${desired.service} (stage ${desired.stage}) back to deployment ${target}: alias ${aliasName} of ${moving.length} function${moving.length === 1 ? '' : 's'}`);
    const lines: string[] = [];
    const byKey = new Map(all.map((h) => [h.key, h]));
    await eachLimited(steps, steps.length, async (step) => {
      const who = `${step.key} (${step.functionName})`;
      if (step.version === undefined) return void lines.push(`${who}: had no version by then: left as it is (alias on ${step.from ?? 'nothing'})`);
      const history = byKey.get(step.key)!;
      const description = aliasDescription(promote(parseAliasDescription(history.alias?.description ?? ''), target));
      const fn = { functionName: step.functionName, namespace: step.namespace };
      if (step.version === step.from && !history.alias?.weights.length) return void lines.push(`${who}: already serves version ${step.version}`);
      if (history.alias) await clients.scf.updateAlias(fn, aliasName, step.version, description, []);
      else await clients.scf.createAlias(fn, aliasName, step.version, description);
      lines.push(`${who}: version ${step.from ?? '(none)'} → ${step.version}`);
    });
    log.notice([`Rolled back to ${target}:`, ...lines.sort().map((l) => `  ${l}`)].join('\n'));
    log.notice(
      'A version carries its code and configuration; triggers, tags and $LATEST stay as the last deploy left them. The next sls deploy releases what serverless.yml says.',
    );
    const { SmokeCommand } = require('./smoke') as typeof import('./smoke');
    const results = await new SmokeCommand(provider).check(
      moving.map((s) => s.key),
      new Map(moving.map((s) => [s.key, aliasName])),
    );
    const failed = results.filter((r) => !r.passed);
    if (failed.length) throw new ScfError('Plugin.SmokeFailed', `After the rollback, ${failed.length} of ${results.length} smoke check${results.length === 1 ? '' : 's'} failed: ${failed.map((r) => r.key).join(', ')}`);
  }
}

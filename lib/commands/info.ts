// `sls info`: the service as deployed: per function its SCF name, namespace, runtime, memory, timeout, status,
// last change and triggers (cron, function URL), and the functions this service and stage deployed that
// serverless.yml no longer lists. `--json` for pipelines.
import type { DeployedTrigger, FunctionInfo } from '../cloud/types';
import type { TencentProvider } from '../provider';
import { eachLimited } from '../deploy/apply';
import { plainText } from '../cloud/errors';
import { formatTable } from '../render/table';
import { parseCst } from '../time/cst';
import { formatLocal } from '../time/parse';
import { deployedFunction, deployedOfService, existingNamespaces } from './deploy';
import { functionUrl } from './invoke-web';
import type { Clients } from '../cloud/clients';

interface Releases {
  /** Published version numbers, oldest first ($LATEST left out). */
  versions: string[];
  /** Aliases and the version each points at ($DEFAULT left out when it is on $LATEST, as every function has it so). */
  aliases: Array<{ name: string; version: string }>;
}

async function releasesOf(clients: Clients, target: { functionName: string; namespace: string }): Promise<Releases> {
  const [versions, aliases] = await Promise.all([clients.scf.listVersions(target), clients.scf.listAliases(target)]);
  return {
    versions: versions.map((v) => v.version).filter((v) => v !== '$LATEST'),
    aliases: aliases.filter((a) => !(a.name === '$DEFAULT' && a.functionVersion === '$LATEST')).map((a) => ({ name: a.name, version: a.functionVersion })),
  };
}

/** `versions 1, 2, 3; alias live → 3` */
export function releasesText(versions: readonly string[], aliases: ReadonlyArray<{ name: string; version: string }>): string {
  const parts: string[] = [];
  if (versions.length) parts.push(`${versions.length === 1 ? 'version' : 'versions'} ${versions.join(', ')}`);
  for (const alias of aliases) parts.push(`alias ${alias.name} → ${alias.version}`);
  return parts.join('; ');
}

export interface InfoOptions {
  json?: boolean;
  /** Environment values shown as <concealed> (resolved secrets are hidden always). */
  conceal?: boolean;
}

/**
 * What a trigger is, in a few words: the cron of a timer, the URL of a function URL (SCF reports it in the desc's
 * NetConfig: the extranet address first), the bucket of COS; and the qualifier when it is not $DEFAULT.
 */
export function triggerSummary(trigger: DeployedTrigger): string {
  let desc: any;
  try {
    desc = JSON.parse(trigger.desc);
  } catch {
    desc = undefined;
  }
  const off = trigger.enable ? '' : ' (disabled)';
  const on = trigger.qualifier && trigger.qualifier !== '$DEFAULT' ? ` on ${trigger.qualifier}` : '';
  if (trigger.type === 'timer') return `timer ${desc?.cron ?? trigger.desc}${on}${off}`;
  if (trigger.type === 'http') {
    const net = desc && typeof desc.NetConfig === 'object' ? desc.NetConfig : {};
    const url = [net.ExtranetUrl, net.IntranetUrl].find((u) => typeof u === 'string' && /^https?:\/\//.test(u)) ?? JSON.stringify(desc ?? {}).match(/"(https?:\/\/[^"]+)"/)?.[1];
    return `http ${url ?? trigger.name}${on}${off}`;
  }
  if (trigger.type === 'cos') return `cos ${trigger.name} ${desc?.event ?? ''}`.trim() + on + off;
  return `${trigger.type} ${trigger.name}${on}${off}`;
}

export class InfoCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: InfoOptions,
  ) {}

  async run(): Promise<void> {
    const { provider } = this;
    const service = provider.serverless.service.service as string;
    const stage = provider.getStage();
    const region = provider.getRegion();
    const clients = provider.clients();
    const keys = provider.functionKeys();
    const namespaces = await existingNamespaces(clients);
    const infos = new Map<string, FunctionInfo | undefined>();
    const releases = new Map<string, Releases>();
    await eachLimited(keys, keys.length, async (key) => {
      const target = provider.functionTarget(key);
      const info = await deployedFunction(clients, target, namespaces, { triggers: true });
      infos.set(key, info);
      if (info) releases.set(key, await releasesOf(clients, target));
    });
    const listed = new Set(keys.map((key) => `${provider.functionTarget(key).namespace}/${provider.functionTarget(key).functionName}`));
    const strays = (await deployedOfService(clients, service, stage, namespaces)).filter((f) => !listed.has(`${f.namespace}/${f.functionName}`));

    const functions = keys.map((key) => {
      const target = provider.functionTarget(key);
      const info = infos.get(key);
      return {
        key,
        functionName: target.functionName,
        namespace: target.namespace,
        deployed: Boolean(info),
        status: info?.status ?? 'not deployed',
        runtime: info?.runtime ?? null,
        memorySize: info?.memorySize ?? null,
        timeout: info?.timeout ?? null,
        modTime: info?.modTime ? isoTime(info.modTime) : null,
        triggers: (info?.triggers ?? []).map((t) => ({ type: t.type, name: t.name, summary: triggerSummary(t), enabled: t.enable, qualifier: t.qualifier, ...(t.type === 'http' ? { url: functionUrl(t.desc) ?? null } : {}) })),
        environment: info ? Object.fromEntries(Object.entries(info.environment ?? {}).map(([k, v]) => [k, this.options.conceal ? '<concealed>' : v])) : null,
        layers: (info?.layers ?? []).map((l) => ({ name: l.name, version: l.version })),
        versions: releases.get(key)?.versions ?? [],
        aliases: releases.get(key)?.aliases ?? [],
      };
    });
    if (this.options.json) {
      provider.io.writeText(JSON.stringify({ service, stage, region, functions, notInServerlessYml: strays.map((f) => ({ functionName: f.functionName, namespace: f.namespace, status: f.status })) }, null, 2));
      return;
    }
    const rows = functions.map((f) => [
      f.key,
      f.functionName,
      f.namespace,
      f.runtime ?? '-',
      f.memorySize ? `${f.memorySize} MB` : '-',
      f.timeout ? `${f.timeout} s` : '-',
      f.status,
      f.modTime ? (Number.isNaN(Date.parse(f.modTime)) ? f.modTime : formatLocal(Date.parse(f.modTime))) : '-',
      f.triggers.map((t) => t.summary).join('; ') || '-',
    ]);
    const lines = [`service: ${service}`, `stage: ${stage}`, `region: ${region}`, '', formatTable(['FUNCTION', 'SCF NAME', 'NAMESPACE', 'RUNTIME', 'MEMORY', 'TIMEOUT', 'STATUS', 'LAST CHANGE', 'TRIGGERS'], rows)];
    const released = functions.filter((f) => f.versions.length || f.aliases.length);
    if (released.length) {
      lines.push('', 'Versions and aliases:');
      for (const f of released) lines.push(plainText(`  ${f.key}: ${releasesText(f.versions, f.aliases)}`));
    }
    const layered = functions.filter((f) => f.layers.length);
    if (layered.length) {
      lines.push('', 'Layers (in the order SCF binds them):');
      for (const f of layered) lines.push(plainText(`  ${f.key}: ${f.layers.map((l) => `${l.name}:${l.version}`).join(', ')}`));
    }
    const withEnv = functions.filter((f) => f.environment && Object.keys(f.environment).length);
    if (withEnv.length) {
      lines.push('', 'Environment:');
      for (const f of withEnv) lines.push(plainText(`  ${f.key}: ${Object.entries(f.environment!).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(', ')}`).replace(/[\r\n]+/g, ' '));
    }
    if (strays.length) lines.push('', `Deployed by this service and stage but no longer in serverless.yml (the next sls deploy removes them): ${strays.map((f) => plainText(f.functionName)).join(', ')}`);
    provider.io.writeText(lines.join('\n'));
  }
}

/** The API's UTC+8 time → ISO 8601 UTC (as --json gives every time); kept as it is when it does not parse. */
function isoTime(cst: string): string {
  const ms = parseCst(cst);
  return ms === undefined ? cst : new Date(ms).toISOString();
}

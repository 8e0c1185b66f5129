// The web-function and settings parts of `sls deploy`: each web function's scf_bootstrap checked before it is
// packaged (in the service directory) and before anything is sent (in the package SCF gets: there, and
// executable), the concurrency and async settings read back, and the function URLs printed at the end.
import * as path from 'path';
import { inputError } from '../cloud/errors';
import type { Clients } from '../cloud/clients';
import type { Artifact } from '../deploy/artifacts';
import type { DesiredFunction } from '../deploy/desired';
import { zipEntry } from '../deploy/layers';
import type { SettingsRead } from '../deploy/settings';
import type { TencentProvider } from '../provider';
import { BOOTSTRAP_FILE, bootstrapProblems, readBootstrap } from '../runtime/web';
import { functionUrl } from './invoke-web';

function refuse(lines: string[]): void {
  if (lines.length === 1) throw inputError(lines[0]);
  if (lines.length) throw inputError(`The web functions cannot be packaged:\n${lines.join('\n')}`);
}

/**
 * Before serverless packages anything: each web function's scf_bootstrap in the service directory exists and is
 * what SCF can start (executable, LF line endings, a shebang, its runtime's absolute path, port 9000).
 */
export function checkWebSources(provider: TencentProvider): void {
  const functions = (provider.serverless.service.functions ?? {}) as Record<string, Record<string, unknown> | null>;
  const lines: string[] = [];
  for (const [key, fn] of Object.entries(functions)) {
    if (fn?.type !== 'web' || (fn.package as { artifact?: string } | undefined)?.artifact) continue;
    const runtime = String(fn.runtime ?? (provider.providerConfig as Record<string, unknown>).runtime ?? 'Nodejs18.15');
    const found = readBootstrap(provider.serviceDir);
    if (!found) {
      lines.push(`functions.${key} is a web function and the service has no ${BOOTSTRAP_FILE}: SCF starts a web function with the executable ${BOOTSTRAP_FILE} at the package root.`);
      continue;
    }
    for (const problem of bootstrapProblems(found.text, found.executable, runtime)) lines.push(`functions.${key}: ${BOOTSTRAP_FILE} ${problem}.`);
  }
  refuse(lines);
}

/** The packages of web functions hold an executable scf_bootstrap SCF can start (as they will be sent). */
export async function checkWebPackages(functions: readonly DesiredFunction[], artifacts: ReadonlyMap<string, Artifact>): Promise<void> {
  const lines: string[] = [];
  for (const fn of functions) {
    const artifact = artifacts.get(fn.key);
    if (!fn.configuration.web || !artifact) continue;
    const entry = await zipEntry(artifact.file, BOOTSTRAP_FILE);
    if (!entry) {
      lines.push(`functions.${fn.key} is a web function and its package ${path.basename(artifact.file)} has no ${BOOTSTRAP_FILE} at its root: SCF starts a web function with it.`);
      continue;
    }
    for (const problem of bootstrapProblems(entry.text, (entry.mode & 0o111) !== 0, fn.configuration.runtime)) lines.push(`functions.${fn.key}: ${BOOTSTRAP_FILE} in the package ${problem}.`);
  }
  refuse(lines);
}

/** A function's reserved and provisioned concurrency and async settings, as deployed. */
export async function readSettings(clients: Clients, target: { functionName: string; namespace: string }): Promise<SettingsRead> {
  const [reservedMem, provisioned, async] = await Promise.all([clients.scf.getReservedConcurrency(target), clients.scf.getProvisionedConcurrency(target), clients.scf.getAsyncInvokeConfig(target)]);
  return { reservedMem, provisioned, async };
}

/** One line per function URL of the functions deployed: `api: URL (on $DEFAULT)`. */
export async function urlLines(clients: Clients, functions: readonly DesiredFunction[]): Promise<string[]> {
  const lines: string[] = [];
  for (const fn of functions) {
    if (!fn.triggers.some((t) => t.type === 'http')) continue;
    for (const trigger of (await clients.scf.listTriggers(fn)).filter((t) => t.type === 'http')) {
      const url = functionUrl(trigger.desc);
      if (url) lines.push(`${fn.key}: ${url}${trigger.qualifier && trigger.qualifier !== '$DEFAULT' ? ` (on ${trigger.qualifier})` : ''}`);
    }
  }
  return lines.length ? ['Function URLs:', ...lines.map((l) => `  ${l}`)] : [];
}

// `sls remove`: every function this service and stage deployed (found by the plugin's tags, and those
// serverless.yml names), each read back and deleted only when its own tags say it is this service and stage's,
// then waited for until it is gone. A function already gone counts as
// removed, so a second remove is a quiet no-op; any other failure exits non-zero.
import { ScfError } from '../cloud/errors';
import { systemClock } from '../cloud/limiter';
import { actionRate } from '../cloud/limits';
import { PollPool } from '../poll/pool';
import { StatusBoard } from '../poll/status-board';
import type { TencentProvider } from '../provider';
import { PlanRunner, removingText, stepError } from '../deploy/apply';
import type { FunctionInfo } from '../cloud/types';
import type { Clients } from '../cloud/clients';
import { counted, duration } from '../render/units';
import { deployedOfService, existingNamespaces, namespaceMark, notOwnedText, readBackOwned } from './deploy';

/** Statuses that settle by themselves: wait before DeleteFunction (SCF refuses it meanwhile). */
const BUSY = ['Creating', 'Updating', 'Publishing'];
/** How long a function may take to settle or go, ms. */
const WAIT_MS = 300_000;

export class RemoveCommand {
  constructor(
    private readonly provider: TencentProvider,
    /** When the command started, for the closing line. */
    private readonly startedAt = Date.now(),
  ) {}

  /** The versions of the service's layers (top-level `layers:`) that are this service and stage's. */
  private async removeLayers(quiet = false): Promise<string[]> {
    const { provider } = this;
    const service = provider.serverless.service;
    if (!service.layers || !Object.keys(service.layers).length) return [];
    const { readDesiredState } = require('./deploy') as typeof import('./deploy');
    const { removeLayers } = require('./deploy-layers') as typeof import('./deploy-layers');
    const desired = readDesiredState(provider);
    const removed = await removeLayers(provider.clients(), desired.layers, desired.service, desired.stage);
    if (!quiet && removed.length) provider.io.log.notice([`Removed the layers of ${desired.service} (stage ${desired.stage}):`, ...removed.map((l) => `  ${l}`)].join('\n'));
    return removed;
  }

  async run(): Promise<void> {
    const { provider } = this;
    const { log } = provider.io;
    const service = provider.serverless.service.service as string;
    const stage = provider.getStage();
    const named = provider.functionKeys().map((key) => ({ key, ...provider.functionTarget(key) }));
    const clients = provider.clients();
    const namespaces = await existingNamespaces(clients);
    // Candidates: what ListFunctions' tag filter finds, and what serverless.yml names. Each is read back, and
    // only a function whose own tags say this service and stage is deleted: never on a list's word alone.
    const candidates = new Map<string, { functionName: string; namespace: string }>();
    for (const fn of await deployedOfService(clients, service, stage, namespaces)) candidates.set(`${fn.namespace}/${fn.functionName}`, fn);
    for (const fn of named) if (namespaces.has(fn.namespace)) candidates.set(`${fn.namespace}/${fn.functionName}`, fn);
    // The namespaces this service's functions live in (serverless.yml's, and those of its functions found).
    const homes = new Set([...named.map((fn) => fn.namespace), ...[...candidates.values()].map((fn) => fn.namespace)].filter((ns) => namespaces.has(ns)));
    const runner = new PlanRunner({
      scf: clients.scf,
      tag: clients.tag,
      region: provider.getRegion(),
      clock: systemClock,
      timeoutMs: WAIT_MS,
      withCode: () => {
        throw new Error('remove sends no code');
      },
      statusPool: new PollPool(actionRate('scf', 'GetFunction'), systemClock),
      statusBoard: new StatusBoard(clients.scf, systemClock),
    });
    const progress = provider.io.progress.create({ message: `Removing the functions of ${service} (stage ${stage})` });
    const removed: string[] = [];
    const failures: ScfError[] = [];
    let owned = 0;
    let unread = 0;
    let notOwned: Array<{ info: FunctionInfo; owner: 'others' | 'unmarked' }>;
    try {
      // Each function read back, and deleted as soon as its own tags say it is this service and stage's, while
      // the others are still being read: DeleteFunction's rate paces them, the reads GetFunction's. A function that
      // cannot be removed does not keep the others: every failure is reported together.
      const onOwned = async (fn: FunctionInfo) => {
        owned++;
        try {
          await runner.remove({
            action: 'deleteFunction',
            functionName: fn.functionName,
            namespace: fn.namespace,
            waitFirst: BUSY.includes(String(fn.status)),
            deleting: fn.status === 'Deleting',
            reason: 'sls remove',
          });
        } catch (error) {
          if (!(error instanceof ScfError)) throw error;
          failures.push(error);
          return;
        }
        removed.push(fn.namespace === 'default' ? fn.functionName : `${fn.functionName} (namespace ${fn.namespace})`);
        progress.update(`Removed ${removed.length} of ${counted(owned, 'function')} found`);
      };
      // A function that could not be read is not known to be ours: it stays, and the remove fails naming it, after
      // saying what it did remove.
      const onReadFailure = (fn: { functionName: string; namespace: string }, error: ScfError) => {
        unread++;
        failures.push(stepError(removingText(fn), fn, 'GetFunction (reading its tags)', error));
      };
      ({ notOwned } = await readBackOwned(clients, [...candidates.values()], service, stage, { onOwned, onReadFailure }));
    } finally {
      progress.remove();
    }
    for (const { info, owner } of notOwned) {
      const advice = owner === 'unmarked' ? ' (sls deploy marks it as this service\'s; or delete it yourself)' : '';
      log.warning(`${notOwnedText(info, owner)}: left alone${advice}.`);
    }
    if (!owned && !unread) {
      await this.removeLayers();
      const freed = await this.deleteEmptyNamespaces(clients, homes, service);
      const also = freed.length ? `; deleted its empty ${counted(freed.length, 'namespace')} ${freed.join(', ')}` : '';
      log.notice(`Nothing to remove: no function of ${service} (stage ${stage}) is deployed in ${provider.getRegion()}${also}.`);
      return;
    }
    // The layers go once their functions have gone (a function bound to a layer keeps it in any case).
    const layers = failures.length ? [] : await this.removeLayers(true);
    // Only once every function went: a namespace of a function that failed to go still holds it.
    const freed = failures.length ? [] : await this.deleteEmptyNamespaces(clients, homes, service);
    const lines = [...removed.sort(), ...layers, ...freed.map((ns) => `namespace ${ns} (it held nothing else)`)].map((name) => `  ${name}`);
    const what = [counted(removed.length, 'function'), ...(layers.length ? [counted(layers.length, 'layer')] : []), ...(freed.length ? [counted(freed.length, 'namespace')] : [])].join(' and ');
    const took = failures.length ? '' : ` in ${duration(Date.now() - this.startedAt)}`;
    if (removed.length) log.notice([`Removed${failures.length ? ' only in part' : ''} ${service} (stage ${stage}, region ${provider.getRegion()}): ${what}${took}`, ...lines].join('\n'));
    if (failures.length) {
      const lines = failures.map((f) => f.message);
      throw new ScfError(failures[0].code, failures.length === 1 ? lines[0] : `${failures.length} functions could not be removed:\n${lines.join('\n')}`, failures[0].context);
    }
  }

  /**
   * Deletes the namespaces of `candidates` that this service's deploys created (their description says so) and that
   * hold no function at all now, of any service; never `default`. Returns those deleted.
   */
  private async deleteEmptyNamespaces(clients: Clients, candidates: Set<string>, service: string): Promise<string[]> {
    const ours = (await clients.scf.listNamespaces()).filter((ns) => candidates.has(ns.name) && ns.name !== 'default' && ns.description === namespaceMark(service));
    const deleted: string[] = [];
    // Side by side: each is its own ListFunctions and DeleteNamespace.
    await Promise.all(
      ours.map(async (ns) => {
        // Every function, not only this service's: a namespace holding another's function stays.
        if ((await clients.scf.listFunctions(ns.name)).length) return;
        try {
          await clients.scf.deleteNamespace(ns.name);
          deleted.push(ns.name);
        } catch (error) {
          // Another deploy put a function there meanwhile, or it is gone already: it is not ours to insist.
          if (error instanceof ScfError && (error.code === 'ResourceInUse.Namespace' || error.code === 'ResourceNotFound.Namespace' || error.code.startsWith('FailedOperation'))) return;
          throw error;
        }
      }),
    );
    deleted.sort();
    return deleted;
  }
}

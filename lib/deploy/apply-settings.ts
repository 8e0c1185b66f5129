// Carries out a function's concurrency and async steps (lib/deploy/settings): reserved concurrency in MB, the
// async retry settings, and provisioned concurrency, which is waited for until SCF has the instances ready
// (Status Done) or says why not (Failed, with its StatusReason).
import { ScfError } from '../cloud/errors';
import type { Clock } from '../cloud/limiter';
import type { ScfClient } from '../cloud/scf';
import type { SettingsStep } from './settings';

/** How often provisioning is looked at while SCF prepares the instances. */
const PROVISION_POLL_MS = 1000;

export function settingsStepName(step: SettingsStep): string {
  switch (step.action) {
    case 'putReserved':
      return `PutReservedConcurrencyConfig ${step.mb} MB`;
    case 'deleteReserved':
      return 'DeleteReservedConcurrencyConfig';
    case 'updateAsync':
      return 'UpdateFunctionEventInvokeConfig';
    case 'provision':
      return `PutProvisionedConcurrencyConfig ${step.count} on ${step.qualifier ? `version ${step.qualifier}` : 'the version published'}`;
    case 'unprovision':
      return `DeleteProvisionedConcurrencyConfig of version ${step.qualifier}`;
  }
}

export async function runSettingsStep(
  scf: ScfClient,
  target: { functionName: string; namespace: string },
  step: SettingsStep,
  context: { version?: string; clock: Clock; timeoutMs: number; onProgress(text: string): void },
): Promise<void> {
  switch (step.action) {
    case 'putReserved':
      return scf.putReservedConcurrency(target, step.mb);
    case 'deleteReserved':
      return scf.deleteReservedConcurrency(target);
    case 'updateAsync':
      return scf.updateAsyncInvokeConfig(target, step.config);
    case 'unprovision':
      return scf.deleteProvisionedConcurrency(target, step.qualifier);
    case 'provision': {
      const qualifier = step.qualifier ?? context.version;
      if (!qualifier) throw new ScfError('Plugin.Internal', 'No version was published to provision.');
      await scf.putProvisionedConcurrency(target, qualifier, step.count);
      const deadline = context.clock.now() + context.timeoutMs;
      for (;;) {
        const found = (await scf.getProvisionedConcurrency(target, qualifier)).find((p) => p.qualifier === qualifier);
        if (found?.status === 'Done') return;
        if (found?.status === 'Failed') {
          throw new ScfError('Plugin.ProvisionFailed', `provisioned concurrency of version ${qualifier} Failed: ${found.statusReason || 'SCF gave no reason'}`);
        }
        if (context.clock.now() > deadline) {
          throw new ScfError('Plugin.Timeout', `provisioned concurrency of version ${qualifier} is still ${found?.status ?? 'not reported'} (${found?.available ?? 0} of ${step.count} ready) after ${Math.round(context.timeoutMs / 1000)} s (custom.scf.deploy.timeout)`);
        }
        context.onProgress(`provisioning version ${qualifier}: ${found?.available ?? 0} of ${step.count} ready`);
        await context.clock.sleep(PROVISION_POLL_MS);
      }
    }
  }
}

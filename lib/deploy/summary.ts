// A plan in words: one line per function for the deploy's summary ("api (shop-dev-api): code updated,
// configuration updated (memorySize, environment), 1 trigger removed"), and every step with its reason for
// --verbose. Pure: the command prints the lines.
import { counted } from '../render/units';
import type { FunctionPlan, PlanStep, RemovalStep } from './plan';

function count(n: number, what: string, done: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'} ${done}`;
}

/** What a function's steps did, in a few words each, in step order. */
export function describeSteps(steps: readonly PlanStep[]): string[] {
  const parts: string[] = [];
  const triggers = { created: 0, updated: 0, removed: 0, replaced: 0 };
  const replacedTriggers = new Set<string>();
  for (const step of steps) {
    switch (step.action) {
      case 'create':
        parts.push('created');
        break;
      case 'recreate':
        parts.push('re-created (was CreateFailed)');
        break;
      case 'updateCode':
        // A handler is set with the code (UpdateFunctionCode): say which of the two changed.
        if (step.handlerChanged && !step.codeChanged) parts.push('handler changed');
        else parts.push(step.handlerChanged ? 'code updated, handler changed' : 'code updated');
        break;
      case 'updateConfiguration':
        parts.push(step.changed.length ? `configuration updated (${step.changed.join(', ')})` : 'configuration sent again');
        break;
      case 'updateTags':
        parts.push('tags updated');
        break;
      case 'publish':
        if (step.version) parts.push(`alias ${step.alias} moved to version ${step.version} (published by an earlier deploy)`);
        else {
          // A release's version is published now and reaches its alias later (the release says how).
          const moved = step.alias && !step.release;
          const version = step.publishedVersion ? `version ${step.publishedVersion}` : 'version';
          parts.push(moved ? `${version} published (alias ${step.alias}${step.publishedVersion ? ` → ${step.publishedVersion}` : ''})` : `${version} published`);
        }
        break;
      case 'pin':
        parts.push(`alias ${step.alias} moved off $LATEST to a version of it`);
        break;
      case 'createTrigger': {
        // A delete and a create of the same trigger is one replacement.
        const key = `${step.trigger.type}/${step.trigger.name}/${step.trigger.qualifier}`;
        if (replacedTriggers.has(key)) {
          replacedTriggers.delete(key);
          triggers.removed--;
          triggers.replaced++;
        } else triggers.created++;
        break;
      }
      case 'updateTrigger':
        triggers.updated++;
        break;
      case 'deleteTrigger':
        replacedTriggers.add(`${step.trigger.type}/${step.trigger.name}/${step.trigger.qualifier || '$LATEST'}`);
        triggers.removed++;
        break;
      case 'wait':
        break;
    }
  }
  if (triggers.created) parts.push(count(triggers.created, 'trigger', 'created'));
  if (triggers.updated) parts.push(count(triggers.updated, 'trigger', 'updated'));
  if (triggers.replaced) parts.push(count(triggers.replaced, 'trigger', 'replaced'));
  if (triggers.removed) parts.push(count(triggers.removed, 'trigger', 'removed'));
  return parts;
}

function label(plan: Pick<FunctionPlan, 'key' | 'functionName' | 'namespace'>): string {
  const namespace = plan.namespace === 'default' ? '' : `, namespace ${plan.namespace}`;
  return `${plan.key} (${plan.functionName}${namespace})`;
}

/** One line per function of the plan, then one per function removed. */
export function summaryLines(plans: readonly FunctionPlan[], removals: readonly RemovalStep[] = []): string[] {
  const lines = plans.map((plan) => {
    const parts = describeSteps(plan.steps);
    return `${label(plan)}: ${parts.length ? parts.join(', ') : 'unchanged'}`;
  });
  for (const removal of removals) {
    const namespace = removal.namespace === 'default' ? '' : ` (namespace ${removal.namespace})`;
    lines.push(`${removal.functionName}${namespace}: removed (no longer in serverless.yml)`);
  }
  return lines;
}

/** Every step of every function with its reason, for --verbose and a dry run. */
export function stepLines(plans: readonly FunctionPlan[], removals: readonly RemovalStep[] = []): string[] {
  const lines: string[] = [];
  for (const plan of plans) {
    lines.push(`${label(plan)}:${plan.steps.length ? '' : ' nothing to do'}`);
    for (const step of plan.steps) lines.push(`  ${step.action}: ${step.reason}`);
  }
  for (const removal of removals) lines.push(`${removal.functionName}: deleteFunction: ${removal.reason}`);
  return lines;
}

/**
 * The error of a deploy in which some functions failed: each failure (function, step, code, request id), then
 * what the others did and the removals left undone, so the user knows where things stand.
 */
export function failureText(failures: readonly string[], changedOthers: number, removalsLeft: readonly string[]): string {
  const lines = failures.length === 1 ? [failures[0]] : [`${failures.length} functions failed to deploy:`, ...failures];
  if (changedOthers) lines.push(changedOthers === 1 ? 'The other function to change was deployed (listed above).' : `The other ${changedOthers} functions to change were deployed (listed above).`);
  if (removalsLeft.length) lines.push(`Not removed, as a function failed: ${removalsLeft.join(', ')} (no longer in serverless.yml; the next successful sls deploy removes them).`);
  return lines.join('\n');
}

/** What a deploy did, in a few words, for the line that ends it: `1 function created, 2 updated, 1 unchanged`. */
export function closingCounts(plans: readonly FunctionPlan[], removals: readonly RemovalStep[], createdNamespaces: readonly string[] = []): string {
  const created = plans.filter((p) => p.steps.some((s) => s.action === 'create' || s.action === 'recreate')).length;
  const unchanged = plans.filter((p) => !p.steps.length).length;
  const updated = plans.length - created - unchanged;
  const parts: string[] = [];
  if (created) parts.push(`${created} created`);
  if (updated) parts.push(`${updated} updated`);
  if (unchanged) parts.push(`${unchanged} unchanged`);
  if (removals.length) parts.push(`${removals.length} removed`);
  // The first count names what is counted: `2 functions created, 1 unchanged`.
  if (parts.length) parts[0] = parts[0].replace(/^(\d+)/, (n) => counted(Number(n), 'function'));
  else parts.push('no function');
  if (createdNamespaces.length) parts.push(`${counted(createdNamespaces.length, 'namespace')} created (${createdNamespaces.join(', ')})`);
  return parts.join(', ');
}

// Release strategies: how traffic moves from the version an alias serves to a new one, and when a new version has
// proved itself. Pure: the settings read from serverless.yml, the traffic steps they make, the gate's verdict on
// figures, the deployment marks versions and aliases carry, and which deployment a rollback goes back to.
import { has, isPlainObject, type Problems, show, wholeNumber } from './problems';

export type StrategyType = 'all-at-once' | 'canary' | 'linear';

export interface Gate {
  /** The most errors a new version may have, in percent of its invocations. */
  errorRate: number;
  /** The most throttled invocations it may have. */
  throttles: number;
  /** Fewer invocations than this in a step prove nothing: the step fails (default 0: none needed). */
  minInvocations: number;
}

export interface Strategy {
  type: StrategyType;
  /** canary: the percentage the new version gets while it bakes. */
  weight: number;
  /** canary: seconds it bakes; linear: seconds each step holds. */
  bake: number;
  /** linear: percentage points added each step. */
  step: number;
  gate: Gate;
  /** Seconds Cloud Monitor may report late: after a step, its figures are waited for this long at most. */
  metricsLag: number;
}

export const DEFAULT_GATE: Gate = { errorRate: 1, throttles: 0, minInvocations: 0 };
/** Cloud Monitor's figures end a minute or two in the past (docs 248/30353, 248/54788). */
export const DEFAULT_METRICS_LAG = 120;
const DEFAULTS: Record<StrategyType, Omit<Strategy, 'type' | 'gate' | 'metricsLag'>> = {
  'all-at-once': { weight: 100, bake: 0, step: 100 },
  canary: { weight: 10, bake: 120, step: 100 },
  linear: { weight: 100, bake: 60, step: 25 },
};
const KEYS: Record<StrategyType, string[]> = {
  'all-at-once': ['type', 'gate', 'metricsLag'],
  canary: ['type', 'weight', 'bake', 'gate', 'metricsLag'],
  linear: ['type', 'step', 'interval', 'gate', 'metricsLag'],
};

function number(value: unknown, where: string, min: number, max: number, what: string, problems: Problems): number | undefined {
  const n = typeof value === 'number' ? value : wholeNumber(value);
  if (n === undefined || !Number.isFinite(n) || n < min || n > max) {
    problems.add(where, `must be ${what} from ${min} to ${max}, not ${show(value)}`);
    return undefined;
  }
  return n;
}

function gateOf(value: unknown, where: string, problems: Problems): Gate {
  const gate = { ...DEFAULT_GATE };
  if (value === undefined || value === null) return gate;
  if (!isPlainObject(value)) {
    problems.add(where, `must be a map of errorRate, throttles and minInvocations, not ${show(value)}`);
    return gate;
  }
  for (const key of Object.keys(value)) if (!['errorRate', 'throttles', 'minInvocations'].includes(key)) problems.add(`${where}.${key}`, 'is not a gate setting: use errorRate (percent), throttles and minInvocations');
  if (has(value, 'errorRate')) gate.errorRate = number(value.errorRate, `${where}.errorRate`, 0, 100, 'a percentage', problems) ?? gate.errorRate;
  if (has(value, 'throttles')) gate.throttles = number(value.throttles, `${where}.throttles`, 0, 1e9, 'a whole number', problems) ?? gate.throttles;
  if (has(value, 'minInvocations')) gate.minInvocations = number(value.minInvocations, `${where}.minInvocations`, 0, 1e9, 'a whole number', problems) ?? gate.minInvocations;
  return gate;
}

/** custom.scf.deploy.strategy (or a function's `strategy`) → the strategy, each mistake a line of `problems`. */
export function strategyOf(value: unknown, where: string, problems: Problems): Strategy | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') value = { type: value };
  if (!isPlainObject(value)) {
    problems.add(where, `must be all-at-once, canary or linear, or a map with type, not ${show(value)}`);
    return undefined;
  }
  const type = value.type;
  if (type !== 'all-at-once' && type !== 'canary' && type !== 'linear') {
    problems.add(`${where}.type`, `must be all-at-once, canary or linear, not ${show(type)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) if (!KEYS[type].includes(key)) problems.add(`${where}.${key}`, `is not a setting of a ${type} strategy: use ${KEYS[type].join(', ')}`);
  const strategy: Strategy = { type, ...DEFAULTS[type], gate: gateOf(value.gate, `${where}.gate`, problems), metricsLag: DEFAULT_METRICS_LAG };
  if (type === 'canary') {
    if (has(value, 'weight')) strategy.weight = number(value.weight, `${where}.weight`, 1, 99, 'a percentage', problems) ?? strategy.weight;
    if (has(value, 'bake')) strategy.bake = number(value.bake, `${where}.bake`, 0, 86400, 'seconds', problems) ?? strategy.bake;
  }
  if (type === 'linear') {
    if (has(value, 'step')) strategy.step = number(value.step, `${where}.step`, 1, 99, 'percentage points', problems) ?? strategy.step;
    if (has(value, 'interval')) strategy.bake = number(value.interval, `${where}.interval`, 0, 86400, 'seconds', problems) ?? strategy.bake;
  }
  if (has(value, 'metricsLag')) strategy.metricsLag = number(value.metricsLag, `${where}.metricsLag`, 0, 900, 'seconds', problems) ?? strategy.metricsLag;
  return strategy;
}

/** keepVersions: how many published versions a function keeps (at least 2: the one served and the one before). */
export function keepVersionsOf(value: unknown, where: string, problems: Problems): number | undefined {
  if (value === undefined || value === null) return undefined;
  return number(value, where, 2, 1000, 'a whole number of versions', problems);
}

export interface TrafficStep {
  /** The share of the alias's invocations the new version gets, percent. */
  percent: number;
  /** Seconds it holds there, watched against the gate, before the next step. */
  holdSeconds: number;
}

/** The steps a strategy moves traffic in; the last one is always 100% (promotion). */
export function trafficSteps(strategy: Strategy): TrafficStep[] {
  if (strategy.type === 'canary') return [{ percent: strategy.weight, holdSeconds: strategy.bake }, { percent: 100, holdSeconds: 0 }];
  if (strategy.type === 'linear') {
    const steps: TrafficStep[] = [];
    for (let p = strategy.step; p < 100; p += strategy.step) steps.push({ percent: p, holdSeconds: strategy.bake });
    return [...steps, { percent: 100, holdSeconds: 0 }];
  }
  return [{ percent: 100, holdSeconds: 0 }];
}

export interface Figures {
  invocations: number;
  errors: number;
  throttles: number;
}

/** The gate's verdict on a step's figures: undefined when it passes, else why not (with the figures). */
export function gateFailure(figures: Figures, gate: Gate): string | undefined {
  const rate = figures.invocations ? (100 * figures.errors) / figures.invocations : 0;
  const shown = `${figures.errors} error${figures.errors === 1 ? '' : 's'} in ${figures.invocations} invocation${figures.invocations === 1 ? '' : 's'} (${rate.toFixed(1)}%), ${figures.throttles} throttled`;
  if (figures.invocations && rate > gate.errorRate) return `error rate ${rate.toFixed(1)}% is over the gate's ${gate.errorRate}%: ${shown}`;
  if (figures.throttles > gate.throttles) return `${figures.throttles} throttled invocations are over the gate's ${gate.throttles}: ${shown}`;
  if (figures.invocations < gate.minInvocations) return `${figures.invocations} invocations are fewer than the gate's minInvocations ${gate.minInvocations}: nothing proves the version`;
  return undefined;
}

// ---- the marks deployments leave --------------------------------------------------------------------------

/** A deployment's id: when it started (UTC, to the second) and four hex digits. Sorts by time. */
export function deploymentId(atMs: number, random: () => number = Math.random): string {
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `D${stamp}${Math.floor(random() * 0x10000).toString(16).toUpperCase().padStart(4, '0')}`;
}

const ID = /D\d{8}T\d{6}Z[0-9A-F]{4}/;

/** When a deployment started, epoch ms, from its id. */
export function deploymentTime(id: string): number | undefined {
  const m = /^D(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/.exec(id);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : undefined;
}

/**
 * A version's description: the deployment that published it and the service's commit. Only letters, digits,
 * spaces, commas and full stops: what the SDK says a description may hold.
 */
export function versionDescription(id: string, commit: string | undefined): string {
  return `Published by sls deploy, deployment ${id}${commit ? `, commit ${commit}` : ''}.`;
}

export interface VersionMark {
  deployment: string;
  commit?: string;
}

/** What a version's description says of its deployment, or undefined for a version sls deploy did not publish. */
export function parseVersionDescription(description: string): VersionMark | undefined {
  const m = new RegExp(`deployment (${ID.source})(?:, commit ([0-9a-f]{7,40}))?`).exec(description);
  return m ? { deployment: m[1], ...(m[2] ? { commit: m[2] } : {}) } : undefined;
}

/** How many deployments an alias's description remembers. */
const REMEMBERED = 20;

/** An alias's description: the deployments promoted on it, newest (the one it serves) first. */
export function aliasDescription(promoted: string[]): string {
  return `Served by sls deploy, deployments ${promoted.slice(0, REMEMBERED).join(', ')}.`;
}

export function parseAliasDescription(description: string): string[] {
  const m = /deployments ((?:D\d{8}T\d{6}Z[0-9A-F]{4}(?:, )?)+)/.exec(description);
  return m ? m[1].split(', ').filter((id) => ID.test(id)) : [];
}

/** The list after `id` was promoted: it first, and nowhere else. */
export function promote(promoted: string[], id: string): string[] {
  return [id, ...promoted.filter((p) => p !== id)];
}

/**
 * The version of a function that deployment `id` left it at: the newest version published by a deployment no
 * newer than `id` (a deployment that did not change the function published none for it). Undefined: none.
 */
export function versionAtDeployment(versions: Array<{ version: string; mark?: VersionMark }>, id: string): string | undefined {
  let best: { version: string; deployment: string } | undefined;
  for (const v of versions) {
    if (!v.mark || v.mark.deployment > id) continue;
    if (!best || v.mark.deployment > best.deployment || (v.mark.deployment === best.deployment && Number(v.version) > Number(best.version))) best = { version: v.version, deployment: v.mark.deployment };
  }
  return best?.version;
}

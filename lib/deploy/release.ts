// Releases a function's new version through its alias, step by step as its strategy says, watching the version's
// figures in Cloud Monitor against the gate while each step holds: promoted (the alias serves it alone) when every
// step passed, rolled back (the alias serves the old version alone, weights cleared) when one did not, or when the
// release is interrupted. Functions are released side by side; their figures are read together, one request per
// metric for up to 10 of them.
import { ScfError } from '../cloud/errors';
import { abortableSleep, type Clock } from '../cloud/limiter';
import type { MonitorClient } from '../cloud/monitor';
import type { ScfClient } from '../cloud/scf';
import { aliasDescription, type Figures, gateFailure, promote, type Strategy, trafficSteps } from './strategy';

export interface ReleaseTarget {
  key: string;
  functionName: string;
  namespace: string;
  alias: string;
  /** The version to release. */
  version: string;
  /** The version the alias serves now; undefined when the alias does not exist yet. */
  serving?: string;
  strategy: Strategy;
  /** Deployments the alias served, newest first (its description), and this one's id. */
  promoted: string[];
  deployment: string;
}

export type ReleaseResult = 'promoted' | 'rolled back' | 'failed';

export interface ReleaseOutcome {
  key: string;
  functionName: string;
  version: string;
  alias: string;
  result: ReleaseResult;
  /** The version the alias serves at the end. */
  serving?: string;
  reason?: string;
  /** The figures of the step that decided, when the gate decided. */
  figures?: Figures;
  /** The percentage the version had reached. */
  percent: number;
}

export interface ReleaseContext {
  scf: Pick<ScfClient, 'updateAlias' | 'createAlias'>;
  monitor: Pick<MonitorClient, 'getMetric'>;
  clock: Clock;
  /** Aborted: every release in a step goes back to the version it served, and ends. */
  signal?: AbortSignal;
  onProgress?(key: string, text: string): void;
}

const GATE_METRICS = ['Invocation', 'Error', 'Throttle'] as const;
/** Figures are asked for this often while a step holds (its whole hold when shorter). */
const POLL_MS = 15_000;
/** Requests for figures made within this long of each other are sent together. */
const BATCH_MS = 25;

/** Reads the figures of many versions at once: asks made close together share one request per metric. */
export class FiguresReader {
  private pending: Array<{ target: ReleaseTarget; sinceMs: number; resolve(figures: Figures & { newestMs: number }): void; reject(error: unknown): void }> = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly monitor: Pick<MonitorClient, 'getMetric'>, private readonly clock: Clock) {}

  /** The version's invocations, errors and throttles since `sinceMs` (whole minutes), and its newest point. */
  read(target: ReleaseTarget, sinceMs: number): Promise<Figures & { newestMs: number }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ target, sinceMs, resolve, reject });
      this.timer ??= setTimeout(() => void this.flush(), BATCH_MS);
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.timer = undefined;
    const startMs = Math.min(...batch.map((b) => b.sinceMs));
    const instances = batch.map((b) => ({ functionName: b.target.functionName, namespace: b.target.namespace, version: b.target.version }));
    try {
      const series = await Promise.all(GATE_METRICS.map((metricName) => this.monitor.getMetric({ metricName, period: 60, startMs: Math.floor(startMs / 60_000) * 60_000, endMs: this.clock.now(), instances })));
      batch.forEach((b, i) => {
        const since = Math.floor(b.sinceMs / 60_000) * 60;
        const sum = (m: number) => series[m][i].values.reduce((total, v, j) => (series[m][i].timestamps[j] >= since ? total + v : total), 0);
        const newest = Math.max(0, ...series[0][i].timestamps) * 1000;
        b.resolve({ invocations: sum(0), errors: sum(1), throttles: sum(2), newestMs: newest });
      });
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}

class Interrupted extends Error {}

/** Releases every target side by side; never throws for one function's failure (its outcome says it). */
export async function releaseAll(targets: ReleaseTarget[], ctx: ReleaseContext): Promise<ReleaseOutcome[]> {
  const figures = new FiguresReader(ctx.monitor, ctx.clock);
  return Promise.all(targets.map((target) => release(target, ctx, figures)));
}

async function setAlias(ctx: ReleaseContext, target: ReleaseTarget, version: string, weights: Array<{ version: string; weight: number }>, promoted: string[]): Promise<void> {
  const fn = { functionName: target.functionName, namespace: target.namespace };
  await ctx.scf.updateAlias(fn, target.alias, version, aliasDescription(promoted), weights);
}

async function release(target: ReleaseTarget, ctx: ReleaseContext, figures: FiguresReader): Promise<ReleaseOutcome> {
  const base = { key: target.key, functionName: target.functionName, version: target.version, alias: target.alias };
  const promoted = promote(target.promoted, target.deployment);
  const progress = (text: string) => ctx.onProgress?.(target.key, `${target.key}: ${text}`);
  try {
    // No version serving through the alias yet (it is new, or serves $LATEST, which this deploy changed): the new
    // version passed its smoke check, and there is nothing to shift traffic from.
    if (target.serving === undefined) {
      progress(`alias ${target.alias} → version ${target.version}`);
      await ctx.scf.createAlias({ functionName: target.functionName, namespace: target.namespace }, target.alias, target.version, aliasDescription(promoted));
      return { ...base, result: 'promoted', serving: target.version, percent: 100 };
    }
    if (target.serving === '$LATEST' || target.serving === target.version) {
      progress(`alias ${target.alias} → version ${target.version}`);
      await setAlias(ctx, target, target.version, [], promoted);
      return { ...base, result: 'promoted', serving: target.version, percent: 100 };
    }
    let percent = 0;
    for (const step of trafficSteps(target.strategy)) {
      if (ctx.signal?.aborted) throw new Interrupted();
      if (step.percent === 100) {
        progress(`promoting version ${target.version} (alias ${target.alias} 100%)`);
        await setAlias(ctx, target, target.version, [], promoted);
        return { ...base, result: 'promoted', serving: target.version, percent: 100 };
      }
      progress(`version ${target.version} gets ${step.percent}% of alias ${target.alias}, watched for ${step.holdSeconds} s`);
      await setAlias(ctx, target, target.serving, [{ version: target.version, weight: step.percent / 100 }], target.promoted);
      percent = step.percent;
      const verdict = await hold(target, step.holdSeconds, ctx, figures, (left, seen) => progress(`version ${target.version} at ${step.percent}%: ${seen.invocations} invocations, ${seen.errors} errors, ${Math.ceil(left / 1000)} s left`));
      if (verdict.failure) {
        progress(`rolling back to version ${target.serving}`);
        await setAlias(ctx, target, target.serving, [], target.promoted);
        return { ...base, result: 'rolled back', serving: target.serving, reason: verdict.failure, figures: verdict.figures, percent };
      }
    }
    return { ...base, result: 'promoted', serving: target.version, percent: 100 };
  } catch (error) {
    if (error instanceof Interrupted) {
      // Back on the version that served before, alone: the next deploy starts from there.
      await setAlias(ctx, target, target.serving!, [], target.promoted).catch(() => undefined);
      return { ...base, result: 'rolled back', serving: target.serving, reason: 'interrupted', percent: 0 };
    }
    if (!(error instanceof ScfError)) throw error;
    // The alias stays where the failed request left it: on a version that passed its smoke check.
    return { ...base, result: 'failed', reason: error.message, percent: 0 };
  }
}

/**
 * Holds a step for `holdSeconds`, reading the figures every POLL_MS (the gate can fail it early), then, when Cloud
 * Monitor may report late, waits up to the strategy's metricsLag for the step's last minute to be in.
 */
async function hold(target: ReleaseTarget, holdSeconds: number, ctx: ReleaseContext, figures: FiguresReader, onFigures: (leftMs: number, seen: Figures) => void): Promise<{ failure?: string; figures: Figures }> {
  const { clock } = ctx;
  const since = clock.now();
  const end = since + holdSeconds * 1000;
  let seen: Figures & { newestMs: number } = { invocations: 0, errors: 0, throttles: 0, newestMs: 0 };
  for (;;) {
    const left = end - clock.now();
    if (left > 0) await sleep(clock, Math.min(left, POLL_MS), ctx.signal);
    seen = await figures.read(target, since);
    const failure = gateFailure(seen, { ...target.strategy.gate, minInvocations: 0 });
    if (failure) return { failure, figures: seen };
    if (clock.now() >= end) break;
    onFigures(end - clock.now(), seen);
  }
  // The last minute of the step, if the monitor has not reported it yet.
  const lastMinute = Math.floor((end - 1) / 60_000) * 60_000;
  const deadline = end + target.strategy.metricsLag * 1000;
  while (seen.newestMs < lastMinute && clock.now() < deadline) {
    onFigures(0, seen);
    await sleep(clock, Math.min(POLL_MS, deadline - clock.now()), ctx.signal);
    seen = await figures.read(target, since);
  }
  const failure = gateFailure(seen, target.strategy.gate);
  return { failure, figures: seen };
}

async function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) throw new Interrupted();
  await abortableSleep(clock, ms, signal);
  if (signal?.aborted) throw new Interrupted();
}

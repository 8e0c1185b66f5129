// What a deploy did, as data: the deploy, the release and the smoke checks tell the recorder as they go, and the
// report is built from it at the end (after the smoke checks, or at the failure): per function its deployed name,
// namespace, version and alias, code hash and whether the code was sent, what changed, its triggers and URLs, its
// release and smoke outcome, and timings. Rendering (JSON, Markdown, GitHub outputs, JUnit): lib/render/report.ts.
import type { DeployedTrigger } from '../cloud/types';
import type { ReleaseOutcome } from './release';
import type { FunctionPlan, RemovalStep } from './plan';
import { describeSteps } from './summary';
import type { SmokeResult } from '../smoke/run';

export const REPORT_SCHEMA = 'serverless-tencent-scf/deploy-report@1';

export type FunctionOutcome = 'created' | 'updated' | 'unchanged' | 'failed' | 'skipped';

export interface SmokeOutcome {
  outcome: 'passed' | 'failed' | 'interrupted';
  /** The version or alias checked. */
  qualifier?: string;
  reason?: string;
  requestId?: string;
  durationMs?: number;
  elapsedMs: number;
}

export interface FunctionReport {
  key: string;
  functionName: string;
  namespace: string;
  outcome: FunctionOutcome;
  /** What the deploy changed, in words (`code updated`, `1 trigger created`). */
  changes: string[];
  /** The version this deploy published (or released), $LATEST when it publishes none, null when it did not get that far. */
  version: string | null;
  /** The alias serving that version, null when none. */
  alias: string | null;
  codeSha256: string | null;
  codeSent: boolean;
  release: { result: string; serving: string | null; reason: string | null } | null;
  smoke: SmokeOutcome | null;
  triggers: Array<{ type: string; name: string; qualifier: string; enabled: boolean; summary: string }> | null;
  urls: string[];
  error: string | null;
  timings: { applyMs: number | null };
}

export interface DeployReport {
  schema: string;
  command: string;
  service: string;
  stage: string;
  region: string;
  outcome: 'deployed' | 'unchanged' | 'failed';
  error: string | null;
  deployment: string | null;
  commit: string | null;
  ci: { system: string; run: string } | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  timings: { lockWaitMs: number | null; readMs: number | null; applyMs: number | null; releaseMs: number | null; smokeMs: number | null };
  lock: { bucket: string; key: string; waitedMs: number; takenAt: string; tookOverFrom: { holder: string; reason: string } | null } | null;
  functions: FunctionReport[];
  removed: Array<{ functionName: string; namespace: string; outcome: 'removed' | 'failed' }>;
}

interface Recorded {
  outcome: FunctionOutcome;
  changes: string[];
  codeSha256: string | null;
  codeSent: boolean;
  version?: string;
  alias?: string;
  error?: string;
  applyMs?: number;
  release?: FunctionReport['release'];
  smoke?: SmokeOutcome;
}

/** What the deploy, its release and its smoke checks tell as they go. */
export class DeployRecorder {
  readonly startedAt: number;
  private readonly marks = new Map<string, number>();
  private readonly functions = new Map<string, Recorded>();
  private readonly removals: DeployReport['removed'] = [];
  deployment?: string;
  lock?: DeployReport['lock'];

  constructor(
    readonly command: string,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** A point in the run: lock (taken), planned, applied, released, smoked. */
  mark(name: 'lock' | 'planned' | 'applied' | 'released' | 'smoked'): void {
    this.marks.set(name, this.now());
  }

  /** The plan: what each function's deploy will do, and the code it will send. */
  planned(plans: readonly FunctionPlan[], removals: readonly RemovalStep[], sha256: (key: string) => string | undefined): void {
    this.mark('planned');
    for (const plan of plans) {
      const sent = plan.steps.some((s) => s.action === 'create' || s.action === 'recreate' || s.action === 'updateCode');
      const created = plan.steps.some((s) => s.action === 'create' || s.action === 'recreate');
      this.functions.set(plan.key, {
        outcome: created ? 'created' : plan.steps.length ? 'updated' : 'unchanged',
        changes: describeSteps(plan.steps),
        codeSha256: sha256(plan.key) ?? null,
        codeSent: sent,
      });
    }
    for (const removal of removals) this.removals.push({ functionName: removal.functionName, namespace: removal.namespace, outcome: 'failed' });
  }

  applied(key: string, ms: number, error?: Error): void {
    const fn = this.functions.get(key);
    if (!fn) return;
    fn.applyMs = ms;
    if (error) {
      fn.outcome = 'failed';
      fn.error = error.message;
    }
  }

  removed(functionName: string, namespace: string, ok: boolean): void {
    const entry = this.removals.find((r) => r.functionName === functionName && r.namespace === namespace);
    if (entry) entry.outcome = ok ? 'removed' : 'failed';
  }

  /** Versions published by the apply, and the alias each is served through. */
  published(versions: ReadonlyMap<string, string>, aliasOf: (key: string) => string | undefined): void {
    this.mark('applied');
    for (const [key, version] of versions) {
      const fn = this.functions.get(key);
      if (!fn) continue;
      fn.version = version;
      fn.alias = aliasOf(key);
    }
  }

  /** The release phase's outcomes (and the functions whose smoke check stopped their release). */
  released(outcomes: readonly ReleaseOutcome[], notReleased: ReadonlyArray<{ key: string; version: string; alias: string; reason: string }>): void {
    this.mark('released');
    for (const o of outcomes) {
      const fn = this.functions.get(o.key);
      if (!fn) continue;
      fn.version = o.version;
      fn.alias = o.alias;
      fn.release = { result: o.result, serving: o.serving ?? null, reason: o.reason ?? null };
      if (o.result !== 'promoted') fn.outcome = 'failed';
    }
    for (const n of notReleased) {
      const fn = this.functions.get(n.key);
      if (!fn) continue;
      fn.version = n.version;
      fn.alias = n.alias;
      fn.release = { result: 'not released', serving: null, reason: n.reason };
      fn.outcome = 'failed';
    }
  }

  /** Smoke results; `qualifiers` the version or alias each was checked on. */
  smoked(results: readonly SmokeResult[], qualifiers?: ReadonlyMap<string, string>): void {
    this.mark('smoked');
    for (const r of results) {
      const fn = this.functions.get(r.key) ?? this.placeholder(r.key);
      fn.smoke = {
        outcome: r.passed ? 'passed' : r.unfinished ? 'interrupted' : 'failed',
        qualifier: qualifiers?.get(r.key),
        reason: r.reason,
        requestId: r.requestId,
        durationMs: r.durationMs,
        elapsedMs: r.elapsedMs,
      };
    }
  }

  private placeholder(key: string): Recorded {
    const fn: Recorded = { outcome: 'unchanged', changes: [], codeSha256: null, codeSent: false };
    this.functions.set(key, fn);
    return fn;
  }

  /**
   * The report: `targets` are serverless.yml's functions (their deployed names), `triggers` what each has now
   * (null when it could not be read); `error` the failure that ended the run.
   */
  report(input: {
    service: string;
    stage: string;
    region: string;
    commit?: string;
    ci?: { system: string; run: string };
    targets: ReadonlyArray<{ key: string; functionName: string; namespace: string }>;
    triggers: ReadonlyMap<string, DeployedTrigger[] | null>;
    summarize(trigger: DeployedTrigger): { summary: string; url?: string };
    error?: Error;
  }): DeployReport {
    const finished = this.now();
    const functions = input.targets.map((target): FunctionReport => {
      const fn = this.functions.get(target.key);
      const triggers = input.triggers.get(target.key);
      const described = triggers?.map((t) => ({ trigger: t, ...input.summarize(t) }));
      return {
        key: target.key,
        functionName: target.functionName,
        namespace: target.namespace,
        outcome: fn?.outcome ?? 'skipped',
        changes: fn?.changes ?? [],
        // A deploy that publishes no version leaves the function's code in $LATEST.
        version: fn?.version ?? (fn && fn.outcome !== 'failed' ? '$LATEST' : null),
        alias: fn?.alias ?? null,
        codeSha256: fn?.codeSha256 ?? null,
        codeSent: fn?.codeSent ?? false,
        release: fn?.release ?? null,
        smoke: fn?.smoke ?? null,
        triggers: described ? described.map(({ trigger: t, summary }) => ({ type: t.type, name: t.name, qualifier: t.qualifier, enabled: t.enable, summary })) : null,
        urls: described ? described.map((d) => d.url).filter((u): u is string => Boolean(u)) : [],
        error: fn?.error ?? null,
        timings: { applyMs: fn?.applyMs ?? null },
      };
    });
    const span = (from: string, to: string) => {
      const a = this.marks.get(from);
      const b = this.marks.get(to);
      return a !== undefined && b !== undefined ? Math.max(0, b - a) : null;
    };
    const failed = Boolean(input.error) || functions.some((f) => f.outcome === 'failed') || this.removals.some((r) => r.outcome === 'failed');
    const changed = functions.some((f) => f.outcome === 'created' || f.outcome === 'updated') || this.removals.length > 0 || functions.some((f) => f.release);
    return {
      schema: REPORT_SCHEMA,
      command: this.command,
      service: input.service,
      stage: input.stage,
      region: input.region,
      outcome: failed ? 'failed' : changed ? 'deployed' : 'unchanged',
      error: input.error?.message ?? null,
      deployment: this.deployment ?? null,
      commit: input.commit ?? null,
      ci: input.ci ?? null,
      startedAt: new Date(this.startedAt).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - this.startedAt,
      timings: {
        lockWaitMs: this.lock?.waitedMs ?? null,
        readMs: span('lock', 'planned'),
        applyMs: span('planned', 'applied'),
        releaseMs: span('applied', 'released'),
        smokeMs: this.marks.has('smoked') ? span(this.marks.has('released') ? 'released' : 'applied', 'smoked') : null,
      },
      lock: this.lock ?? null,
      functions,
      removed: this.removals,
    };
  }
}

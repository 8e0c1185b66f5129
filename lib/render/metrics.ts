// `sls metrics` in words and pictures (pure): per function and for the service, the figures of a range, each with
// a sparkline of its invocations over time, and the JSON pipelines read.
import { formatTable } from './table';

export interface MetricFigures {
  invocations: number;
  errors: number;
  throttles: number;
  /** Milliseconds; undefined when nothing ran. */
  durationAvg?: number;
  durationMax?: number;
  concurrentMax: number;
  /** Invocations per period, oldest first, one for every period of the range (0 where none). */
  trend: number[];
}

export interface FunctionMetrics extends MetricFigures {
  key: string;
  functionName: string;
  namespace: string;
}

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A row of block characters, one per value (summed down to `width` columns), the highest a full block; a blank column where there is nothing. */
export function sparkline(values: number[], width = 40): string {
  if (!values.length) return '';
  const columns = Math.min(width, values.length);
  const sums = Array.from({ length: columns }, (_, c) => {
    const from = Math.floor((c * values.length) / columns);
    const to = Math.floor(((c + 1) * values.length) / columns);
    return values.slice(from, to).reduce((a, b) => a + b, 0);
  });
  const max = Math.max(...sums);
  return sums.map((v) => (v <= 0 || max <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.ceil((v / max) * BARS.length) - 1)])).join('');
}

export function errorRate(f: Pick<MetricFigures, 'invocations' | 'errors'>): number | undefined {
  return f.invocations ? (100 * f.errors) / f.invocations : undefined;
}

/** The service's figures: sums, the invocation-weighted average duration, the maxima, the trends added up. */
export function serviceFigures(functions: MetricFigures[]): MetricFigures {
  const invocations = functions.reduce((a, f) => a + f.invocations, 0);
  const weighted = functions.reduce((a, f) => a + (f.durationAvg ?? 0) * f.invocations, 0);
  const maxima = functions.map((f) => f.durationMax).filter((v): v is number => v !== undefined);
  const length = Math.max(0, ...functions.map((f) => f.trend.length));
  return {
    invocations,
    errors: functions.reduce((a, f) => a + f.errors, 0),
    throttles: functions.reduce((a, f) => a + f.throttles, 0),
    durationAvg: invocations ? weighted / invocations : undefined,
    durationMax: maxima.length ? Math.max(...maxima) : undefined,
    concurrentMax: Math.max(0, ...functions.map((f) => f.concurrentMax)),
    trend: Array.from({ length }, (_, i) => functions.reduce((a, f) => a + (f.trend[i] ?? 0), 0)),
  };
}

const ms = (v: number | undefined) => (v === undefined ? '-' : `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`);
const percent = (v: number | undefined) => (v === undefined ? '-' : `${v.toFixed(v < 10 ? 2 : 1)}%`);

/** The table: a row a function, then the service. */
export function metricsTable(functions: FunctionMetrics[], service: MetricFigures): string {
  const row = (name: string, f: MetricFigures) => [name, String(f.invocations), String(f.errors), percent(errorRate(f)), String(f.throttles), ms(f.durationAvg), ms(f.durationMax), String(f.concurrentMax), sparkline(f.trend)];
  return formatTable(
    ['FUNCTION', 'INVOCATIONS', 'ERRORS', 'ERROR RATE', 'THROTTLES', 'DURATION AVG', 'DURATION MAX', 'CONCURRENCY', 'INVOCATIONS OVER TIME'],
    [...functions.map((f) => row(f.key, f)), ...(functions.length > 1 ? [row('(service)', service)] : [])],
  );
}

export function figuresJson(f: MetricFigures) {
  return {
    invocations: f.invocations,
    errors: f.errors,
    errorRate: errorRate(f) ?? null,
    throttles: f.throttles,
    durationAvgMs: f.durationAvg ?? null,
    durationMaxMs: f.durationMax ?? null,
    concurrentExecutionsMax: f.concurrentMax,
    invocationsPerPeriod: f.trend,
  };
}

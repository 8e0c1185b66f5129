// `sls metrics [-f FN] [--startTime ...] [--endTime ...] [--period S] [--json]`: invocations, errors, error rate,
// throttles, duration (average and maximum) and concurrency of each function and of the service, from Cloud
// Monitor. GetMonitorData is billed past a free quota: one request per metric for all the functions at once (ten
// to a request), never one per function.
import { inputError } from '../cloud/errors';
import { METRIC_PERIODS, type MetricSeries } from '../cloud/monitor';
import type { TencentProvider } from '../provider';
import { figuresJson, type FunctionMetrics, metricsTable, serviceFigures } from '../render/metrics';
import { formatLocal, parseTimeExpression } from '../time/parse';

export interface MetricsOptions {
  function?: string | string[];
  startTime?: string;
  endTime?: string;
  period?: string | number;
  json?: boolean;
}

/** Cloud Monitor's figures end a minute or two in the past. */
const REPORTING_LAG_MS = 120_000;
const MAX_POINTS = 1440;

/** The range and period asked for: the last hour by default; the shortest period that fits the range. */
export function metricsRange(options: MetricsOptions, now: number): { startMs: number; endMs: number; period: number } {
  const startMs = options.startTime !== undefined ? parseTimeExpression(String(options.startTime), now, 'startTime') : now - 3600_000;
  const endMs = options.endTime !== undefined ? parseTimeExpression(String(options.endTime), now, 'endTime') : now;
  if (startMs > now) throw inputError(`--startTime "${options.startTime}" is in the future: there are no figures yet.`);
  if (endMs <= startMs) throw inputError('--endTime is not after --startTime.');
  let period: number;
  if (options.period !== undefined) {
    period = Number(options.period);
    if (!(METRIC_PERIODS as readonly number[]).includes(period)) throw inputError(`--period must be one of ${METRIC_PERIODS.join(', ')} seconds, not "${options.period}".`);
  } else period = METRIC_PERIODS.find((p) => (endMs - startMs) / (p * 1000) <= MAX_POINTS) ?? 86400;
  return { startMs, endMs, period };
}

/** A series' values summed into one slot per period of the range (0 where it has none). */
function slots(series: MetricSeries | undefined, startMs: number, endMs: number, period: number, values?: number[]): number[] {
  const first = Math.floor(startMs / 1000 / period) * period;
  const count = Math.floor(endMs / 1000 / period) * period - first + period;
  const out = new Array<number>(Math.max(1, count / period)).fill(0);
  if (!series) return out;
  series.timestamps.forEach((t, i) => {
    const slot = Math.floor((t - first) / period);
    if (slot >= 0 && slot < out.length) out[slot] += (values ?? series.values)[i];
  });
  return out;
}

export class MetricsCommand {
  constructor(
    private readonly provider: TencentProvider,
    private readonly options: MetricsOptions,
  ) {}

  async run(): Promise<void> {
    const { provider, options } = this;
    const now = Date.now();
    const asked = options.function === undefined ? undefined : (Array.isArray(options.function) ? options.function : String(options.function).split(',')).map((k) => String(k).trim()).filter(Boolean);
    const known = provider.functionKeys();
    for (const key of asked ?? []) if (!known.includes(key)) throw inputError(`Function "${key}" is not defined in serverless.yml. Known functions: ${known.join(', ') || 'none'}.`);
    const keys = asked ?? known;
    const { startMs, endMs, period } = metricsRange(options, now);
    const targets = keys.map((key) => ({ key, ...provider.functionTarget(key) }));
    const instances = targets.map((t) => ({ functionName: t.functionName, namespace: t.namespace }));
    const monitor = provider.clients().monitor;
    const query = (metricName: string, statistics?: Array<'avg' | 'max'>) => monitor.getMetric({ metricName, period, startMs, endMs, instances, statistics });
    const [invocations, errors, throttles, duration, concurrency] = await Promise.all([
      query('Invocation'),
      query('Error'),
      query('Throttle'),
      query('Duration', ['avg', 'max']),
      query('ConcurrentExecutions'),
    ]);
    const sum = (s: MetricSeries | undefined) => (s ? s.values.reduce((a, b) => a + b, 0) : 0);
    const functions: FunctionMetrics[] = targets.map((t, i) => {
      const calls = slots(invocations[i], startMs, endMs, period);
      const perPeriodDuration = slots(duration[i], startMs, endMs, period, duration[i]?.avg ?? duration[i]?.values);
      const total = calls.reduce((a, b) => a + b, 0);
      // The average over the range: each period's average weighted by its invocations.
      const weighted = calls.reduce((a, n, j) => a + n * perPeriodDuration[j], 0);
      const maxima = duration[i]?.max ?? duration[i]?.values ?? [];
      return {
        key: t.key,
        functionName: t.functionName,
        namespace: t.namespace,
        invocations: total,
        errors: sum(errors[i]),
        throttles: sum(throttles[i]),
        durationAvg: total ? weighted / total : undefined,
        durationMax: maxima.length ? Math.max(...maxima) : undefined,
        concurrentMax: Math.max(0, ...(concurrency[i]?.values ?? [])),
        trend: calls,
      };
    });
    const service = serviceFigures(functions);
    const late = endMs > now - REPORTING_LAG_MS;
    const lateNote = 'Cloud Monitor reports a minute or two late: the last two minutes may not be complete yet.';
    if (options.json) {
      provider.io.writeText(
        JSON.stringify(
          {
            range: { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString(), periodSeconds: period },
            functions: functions.map((f) => ({ key: f.key, functionName: f.functionName, namespace: f.namespace, ...figuresJson(f) })),
            service: figuresJson(service),
            incompleteEnd: late,
          },
          null,
          2,
        ),
      );
      return;
    }
    provider.io.writeText([`${formatLocal(startMs)} to ${formatLocal(endMs)}, ${period} s periods`, '', metricsTable(functions, service)].join('\n'));
    if (late) provider.io.log.notice(lateNote);
  }
}

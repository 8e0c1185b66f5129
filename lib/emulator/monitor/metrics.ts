// Cloud Monitor (monitor 2018-07-24) as far as SCF needs it: GetMonitorData of namespace QCE/SCF_V2, computed from
// the emulator's own invocation records. Metrics and their statistics as product doc 248/37207 gives them
// (Invocation, Error, Throttle sums; Duration average; ConcurrentExecutions and Mem maxima; ...), by the dimensions
// functionName, namespace, version and alias, in periods of 60, 300, 3600 and 86400 s. An invocation is counted in
// the period it started in, once it has finished and the monitor's lag has passed. Periods without invocations
// have no point, as the cloud drops them.
import { ApiFault } from '../api-fault';
import type { Invocation } from '../store/invocations';
import type { Params } from '../scf/params';

export const MONITOR_NAMESPACE = 'QCE/SCF_V2';
const PERIODS = new Set([60, 300, 3600, 86400]);
const DIMENSIONS = new Set(['functionName', 'namespace', 'version', 'alias']);
const MAX_INSTANCES = 10;
const MAX_POINTS = 1440;

type Aggregate = 'sum' | 'avg' | 'max';

interface Metric {
  /** What one invocation contributes (undefined: nothing). */
  value(i: Invocation): number | undefined;
  aggregate: Aggregate;
  /** Periods beyond the common ones. */
  periods?: number[];
}

const count = (test: (i: Invocation) => boolean) => (i: Invocation) => (test(i) ? 1 : 0);
const code = (i: Invocation) => i.statusCode ?? (i.retCode === 0 ? 200 : 500);

/** A percentage metric: the share of invocations `test` picks, in a period. */
const PERCENT = Symbol('percent');

const METRICS: ReadonlyMap<string, Metric | { [PERCENT]: (i: Invocation) => boolean }> = new Map<string, Metric | { [PERCENT]: (i: Invocation) => boolean }>([
  ['Invocation', { value: () => 1, aggregate: 'sum' }],
  ['Error', { value: count((i) => code(i) !== 200), aggregate: 'sum' }],
  ['Throttle', { value: count((i) => code(i) === 432), aggregate: 'sum' }],
  ['Duration', { value: (i) => i.durationMs, aggregate: 'avg' }],
  // The peak of invocations running at once in the period (computed apart: see peakConcurrency).
  ['ConcurrentExecutions', { value: () => 1, aggregate: 'max' }],
  ['BillDuration', { value: (i) => i.billDurationMs, aggregate: 'sum' }],
  ['Mem', { value: (i) => i.memUsage / 1048576, aggregate: 'max', periods: [10] }],
  ['MemDuration', { value: (i) => (i.memUsage / 1048576) * i.durationMs, aggregate: 'sum' }],
  ['Http2xx', { value: count((i) => code(i) === 200), aggregate: 'sum' }],
  ['Http432', { value: count((i) => code(i) === 432), aggregate: 'sum' }],
  ['Http433', { value: count((i) => code(i) === 433), aggregate: 'sum' }],
  ['Http434', { value: count((i) => code(i) === 434), aggregate: 'sum' }],
  ['Http4xx', { value: count((i) => code(i) >= 400 && code(i) < 500), aggregate: 'sum' }],
  ['Syserr', { value: count((i) => code(i) >= 500), aggregate: 'sum' }],
  ['OutFlow', { value: () => 0, aggregate: 'sum' }],
  ['FunctionErrorPercentage', { [PERCENT]: (i) => code(i) !== 200 && code(i) < 500 }],
  ['ServerErrorPercentage', { [PERCENT]: (i) => code(i) >= 500 }],
]);

function bad(message: string): ApiFault {
  return new ApiFault('InvalidParameterValue', message);
}

/** `2018-09-22T19:51:23+08:00` (or any ISO 8601 time with its offset) → epoch ms. */
function parseTime(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) throw bad(`${name} must be a time like 2018-09-22T19:51:23+08:00.`);
  return Date.parse(value);
}

/** The same time in UTC+8, as the API reports its range. */
function cstIso(ms: number): string {
  return `${new Date(ms + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
}

/** The invocations of one instance: the function (namespace `default` unless named), and version or alias if named. */
function matches(dimensions: Map<string, string>): (i: Invocation) => boolean {
  const fn = dimensions.get('functionName');
  const ns = dimensions.get('namespace') ?? 'default';
  const version = dimensions.get('version');
  const alias = dimensions.get('alias');
  return (i) => i.functionName === fn && i.namespace === ns && (version === undefined || i.version === version) && (alias === undefined || i.alias === alias);
}

/** The largest number of `runs` running at one moment of [from, to). */
function peakConcurrency(runs: Invocation[], from: number, to: number): number {
  const edges: Array<[number, number]> = [];
  for (const r of runs) {
    const start = Math.max(r.startMs, from);
    const end = Math.min(r.endMs ?? r.startMs, to);
    if (end < start) continue;
    edges.push([start, 1], [end + 1e-6, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, step] of edges) peak = Math.max(peak, (now += step));
  return peak;
}

/**
 * GetMonitorData. `invocationsOf(functionName, namespace)` gives a function's invocation records; `now` the time the
 * query runs at; `lagMs` how long after an invocation finished it shows.
 */
export function getMonitorData(params: Params, invocationsOf: (functionName: string, namespace: string) => Invocation[], now: number, lagMs = 0): Params {
  if (params.Namespace !== MONITOR_NAMESPACE) throw bad(`This account's monitor serves the namespace ${MONITOR_NAMESPACE} (SCF), not \`${String(params.Namespace).slice(0, 40)}\`.`);
  const metricName = params.MetricName;
  if (typeof metricName !== 'string' || !metricName) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `MetricName`.');
  const metric = METRICS.get(metricName);
  if (!metric) throw bad(`${MONITOR_NAMESPACE} has no metric \`${metricName.slice(0, 60)}\`.`);
  const period = params.Period === undefined || params.Period === null ? 300 : Number(params.Period);
  const periods = 'value' in metric ? [...PERIODS, ...(metric.periods ?? [])] : [...PERIODS];
  if (!periods.includes(period)) throw bad(`${metricName} takes a Period of ${periods.join(', ')} seconds, not ${String(params.Period).slice(0, 20)}.`);
  const instances: unknown = params.Instances;
  if (!Array.isArray(instances) || !instances.length) throw new ApiFault('MissingParameter', 'The request is missing a required parameter `Instances`.');
  if (instances.length > MAX_INSTANCES) throw bad(`At most ${MAX_INSTANCES} instances a request.`);
  const end = parseTime(params.EndTime, 'EndTime') ?? now;
  const start = parseTime(params.StartTime, 'StartTime') ?? end - 3600_000;
  if (end < start) throw bad('EndTime must not be before StartTime.');
  const periodMs = period * 1000;
  const first = Math.floor(start / periodMs) * periodMs;
  const last = Math.floor(end / periodMs) * periodMs;
  if ((last - first) / periodMs + 1 > MAX_POINTS) throw bad(`A request holds at most ${MAX_POINTS} points an instance: ask for a shorter range or a longer Period.`);
  const statistics = params.SpecifyStatistics === undefined || params.SpecifyStatistics === null ? 0 : Number(params.SpecifyStatistics);
  if (!Number.isInteger(statistics) || statistics < 0 || statistics > 7) throw bad('SpecifyStatistics is a sum of 1 (avg), 2 (max) and 4 (min).');

  const points = instances.map((instance: any) => {
    const given = Array.isArray(instance?.Dimensions) ? instance.Dimensions : undefined;
    if (!given?.length) throw bad('Every instance needs its Dimensions.');
    // Request data keys a Map, never an object with a prototype.
    const dimensions = new Map<string, string>();
    for (const d of given) {
      if (typeof d?.Name !== 'string' || typeof d?.Value !== 'string' || !DIMENSIONS.has(d.Name)) throw bad(`SCF's dimensions are ${[...DIMENSIONS].join(', ')}, each {Name, Value}.`);
      dimensions.set(d.Name, d.Value);
    }
    if (!dimensions.has('functionName')) throw bad('Every instance names its functionName.');
    const test = matches(dimensions);
    const runs = invocationsOf(dimensions.get('functionName')!, dimensions.get('namespace') ?? 'default').filter(
      (i) => test(i) && i.status !== 'RUNNING' && i.endMs !== undefined && i.endMs <= now - lagMs && i.startMs >= first && i.startMs < last + periodMs,
    );
    const buckets = new Map<number, Invocation[]>();
    for (const run of runs) {
      const at = Math.floor(run.startMs / periodMs) * periodMs;
      let list = buckets.get(at);
      if (!list) buckets.set(at, (list = []));
      list.push(run);
    }
    const times = [...buckets.keys()].sort((a, b) => a - b);
    const stats = { avg: [] as number[], max: [] as number[], min: [] as number[] };
    const values = times.map((at) => {
      const bucket = buckets.get(at)!;
      if (!('value' in metric)) {
        const value = (100 * bucket.filter(metric[PERCENT]).length) / bucket.length;
        for (const s of ['avg', 'max', 'min'] as const) stats[s].push(value);
        return value;
      }
      if (metricName === 'ConcurrentExecutions') {
        const peak = peakConcurrency(bucket, at, at + periodMs);
        for (const s of ['avg', 'max', 'min'] as const) stats[s].push(peak);
        return peak;
      }
      const each = bucket.map(metric.value).filter((v): v is number => v !== undefined);
      const sum = each.reduce((a, b) => a + b, 0);
      stats.avg.push(each.length ? sum / each.length : 0);
      stats.max.push(Math.max(...each));
      stats.min.push(Math.min(...each));
      return metric.aggregate === 'sum' ? sum : metric.aggregate === 'avg' ? sum / each.length : Math.max(...each);
    });
    const point: Params = { Dimensions: given.map((d: any) => ({ Name: d.Name, Value: d.Value })), Timestamps: times.map((t) => t / 1000), Values: values };
    if (statistics & 1) point.AvgValues = stats.avg.length === values.length ? stats.avg : values;
    if (statistics & 2) point.MaxValues = stats.max.length === values.length ? stats.max : values;
    if (statistics & 4) point.MinValues = stats.min.length === values.length ? stats.min : values;
    return point;
  });
  return { StartTime: cstIso(first), EndTime: cstIso(last), Period: period, MetricName: metricName, DataPoints: points, Msg: '' };
}

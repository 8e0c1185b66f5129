// The Cloud Monitor facade (monitor 2018-07-24): GetMonitorData for SCF's metrics (namespace QCE/SCF_V2,
// dimensions functionName, namespace, version, alias; product doc 248/37207). One call asks for one metric of many
// instances: a query for any number of functions is cut into calls of at most 10 instances and 1,440 points each,
// and the answers put back together. Every reply is checked for its shape.
import type { Endpoint } from '../config/settings';
import { MONITOR_INSTANCES_PER_REQUEST, MONITOR_POINTS_PER_REQUEST } from './limits';
import { isObject, type Json, malformedReply, num, type ServiceApi, str, type Transport } from './transport';
import { MONITOR_API_VERSION } from './types';

export const SCF_METRICS_NAMESPACE = 'QCE/SCF_V2';
/** The statistics periods SCF's metrics have, seconds. */
export const METRIC_PERIODS = [60, 300, 3600, 86400] as const;

export type Statistic = 'avg' | 'max' | 'min';
const STATISTIC_BITS: Record<Statistic, number> = { avg: 1, max: 2, min: 4 };

export interface MetricQuery {
  metricName: string;
  /** Seconds: 60, 300, 3600 or 86400. */
  period: number;
  startMs: number;
  endMs: number;
  /** One dimension set per instance: { functionName, namespace, version?, alias? }. */
  instances: Array<Record<string, string>>;
  /** Besides the metric's own statistic: avg, max, min (SpecifyStatistics). */
  statistics?: Statistic[];
}

export interface MetricSeries {
  dimensions: Record<string, string>;
  /** Epoch seconds of each point, ascending. */
  timestamps: number[];
  values: number[];
  max?: number[];
  avg?: number[];
  min?: number[];
}

/** `2026-12-03T16:04:05+08:00`: the form the API's examples give times in. */
export function monitorTime(ms: number): string {
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 19)}+08:00`;
}

export class MonitorClient {
  readonly api: ServiceApi;

  constructor(
    private readonly transport: Transport,
    endpoint: Endpoint,
  ) {
    this.api = { service: 'monitor', version: MONITOR_API_VERSION, endpoint };
  }

  /** Every series of the query, one per instance that has data (all of them, in the instances' order). */
  async getMetric(query: MetricQuery): Promise<MetricSeries[]> {
    const windowMs = query.period * 1000 * MONITOR_POINTS_PER_REQUEST;
    const byInstance = new Map<string, MetricSeries>();
    const keyOf = (dimensions: Record<string, string>) => JSON.stringify(Object.keys(dimensions).sort().map((k) => [k, dimensions[k]]));
    for (const instance of query.instances) byInstance.set(keyOf(instance), { dimensions: { ...instance }, timestamps: [], values: [] });
    const batches: Array<Array<Record<string, string>>> = [];
    for (let i = 0; i < query.instances.length; i += MONITOR_INSTANCES_PER_REQUEST) batches.push(query.instances.slice(i, i + MONITOR_INSTANCES_PER_REQUEST));
    for (let from = query.startMs; from < query.endMs; from += windowMs) {
      const to = Math.min(query.endMs, from + windowMs);
      const replies = await Promise.all(batches.map((batch) => this.call(query, batch, from, to)));
      for (const reply of replies) {
        for (const point of reply) {
          const series = byInstance.get(keyOf(point.dimensions));
          if (!series) continue;
          for (const [i, t] of point.timestamps.entries()) {
            if (series.timestamps.length && t <= series.timestamps[series.timestamps.length - 1]) continue;
            series.timestamps.push(t);
            series.values.push(point.values[i]);
            for (const stat of ['max', 'avg', 'min'] as const) if (point[stat]) (series[stat] ??= []).push(point[stat]![i]);
          }
        }
      }
    }
    return [...byInstance.values()];
  }

  private async call(query: MetricQuery, instances: Array<Record<string, string>>, fromMs: number, toMs: number): Promise<MetricSeries[]> {
    const statistics = query.statistics?.reduce((bits, s) => bits | STATISTIC_BITS[s], 0);
    const reply = await this.transport.call({
      api: this.api,
      action: 'GetMonitorData',
      params: {
        Namespace: SCF_METRICS_NAMESPACE,
        MetricName: query.metricName,
        Period: query.period,
        StartTime: monitorTime(fromMs),
        EndTime: monitorTime(toMs),
        Instances: instances.map((dimensions) => ({ Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })) })),
        SpecifyStatistics: statistics || undefined,
      },
    });
    if (reply.DataPoints !== undefined && reply.DataPoints !== null && !Array.isArray(reply.DataPoints)) throw malformedReply({ action: 'GetMonitorData', api: this.api }, '"DataPoints" is not a list');
    return ((reply.DataPoints ?? []) as Json[]).filter(isObject).map((point) => {
      const numbers = (value: unknown) => (Array.isArray(value) ? value.map(num) : undefined);
      const timestamps = numbers(point.Timestamps) ?? [];
      const values = numbers(point.Values) ?? [];
      if (values.length !== timestamps.length) throw malformedReply({ action: 'GetMonitorData', api: this.api }, '"Values" and "Timestamps" differ in length');
      const dimensions: Record<string, string> = Object.create(null);
      for (const d of Array.isArray(point.Dimensions) ? point.Dimensions.filter(isObject) : []) dimensions[str(d.Name)] = str(d.Value);
      const series: MetricSeries = { dimensions, timestamps, values };
      const max = numbers(point.MaxValues);
      const avg = numbers(point.AvgValues);
      const min = numbers(point.MinValues);
      if (max?.length === timestamps.length) series.max = max;
      if (avg?.length === timestamps.length) series.avg = avg;
      if (min?.length === timestamps.length) series.min = min;
      return series;
    });
  }
}

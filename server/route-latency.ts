/**
 * A latency histogram by route, cheap enough for every lookup: a route's series is a row of plain
 * typed arrays, and recording a request is a search of the bucket bounds and two additions.
 * prom-client's `observe` builds a label object, validates it and hashes it into a string key on
 * every call, even through a pre-bound `labels()` child (~0.8 µs of a lookup's ~30 µs of server
 * CPU). The registry reads this metric at scrape time in prom-client's own histogram shape, so
 * `/metrics` shows the same lines as before: `_bucket{le,route}` (cumulative), `_sum`, `_count`,
 * a route's series once it has a request.
 *
 *   series(route) ─► record(seconds): counts[route][bucket] += 1, sums[route] += seconds
 *   /metrics ─► get(): cumulative buckets, +Inf, sum, count of each route that has one
 */
import type { Histogram, Registry } from 'prom-client';

/** Records one request's latency in seconds. */
export type LatencyRecorder = (seconds: number) => void;

type Labels = Record<string, string | number>;

/** One value as prom-client's Histogram gives it to the registry: its own labels, and the series' shared. */
interface HistogramValue {
  labels: Labels;
  sharedLabels: Labels;
  value: number;
  metricName: string;
  exemplar?: null;
}

/** A metric as prom-client's registry reads it. */
interface MetricValues<V> {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: V[];
}

/** A histogram of request latencies by route, registered with one registry. */
export class RouteLatency {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly routes: string[] = [];
  /** Counts per bucket (the last one past every bound), route after route. */
  private counts = new Float64Array(0);
  private sums = new Float64Array(0);

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    // The registry takes any object with prom-client's metric interface (name, type, get, reset).
    registry.registerMetric(this as unknown as Histogram);
  }

  /** A recorder bound to `route`'s series. */
  series(route: string): LatencyRecorder {
    let r = this.routes.indexOf(route);
    if (r < 0) r = this.add(route);
    const width = this.bounds.length + 1;
    const { bounds } = this;
    return (seconds) => {
      let b = 0;
      while (b < bounds.length && seconds > bounds[b]!) b++;
      this.counts[r * width + b]! += 1;
      this.sums[r]! += seconds;
    };
  }

  private add(route: string): number {
    const width = this.bounds.length + 1;
    const counts = new Float64Array((this.routes.length + 1) * width);
    counts.set(this.counts);
    const sums = new Float64Array(this.routes.length + 1);
    sums.set(this.sums);
    this.counts = counts;
    this.sums = sums;
    return this.routes.push(route) - 1;
  }

  /** The values as the registry's text format reads them (prom-client's `getForPromString`). */
  getForPromString(): Promise<MetricValues<HistogramValue>> {
    const width = this.bounds.length + 1;
    const values: HistogramValue[] = [];
    for (const [r, route] of this.routes.entries()) {
      const sharedLabels = { route };
      let count = 0;
      for (let b = 0; b < width; b++) count += this.counts[r * width + b]!;
      if (count === 0) continue;
      let below = 0;
      for (const [b, le] of this.bounds.entries()) {
        below += this.counts[r * width + b]!;
        values.push({ labels: { le }, sharedLabels, value: below, metricName: `${this.name}_bucket`, exemplar: null });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels, value: count, metricName: `${this.name}_bucket`, exemplar: null },
        { labels: {}, sharedLabels, value: this.sums[r]!, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels, value: count, metricName: `${this.name}_count` },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** The values with each series' route among their labels (the registry's JSON, as Histogram's `get`). */
  async get(): Promise<MetricValues<Omit<HistogramValue, 'sharedLabels'>>> {
    const metric = await this.getForPromString();
    return { ...metric, values: metric.values.map(({ labels, sharedLabels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })) };
  }

  /** Forgets every count (the registry's resetMetrics). */
  reset(): void {
    this.counts.fill(0);
    this.sums.fill(0);
  }
}

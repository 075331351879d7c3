import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RouteLatency } from '../../server/route-latency.js';
import { mulberry32 } from '../helpers/random.js';

const NAME = 'segstream_lookup_duration_seconds';
const HELP = 'Latency of read requests, by route';
const BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** The same latencies recorded by RouteLatency and by prom-client's Histogram, each on a registry of its own. */
function both(): { ours: Registry; theirs: Registry; record: (route: string, seconds: number) => void; latency: RouteLatency } {
  const ours = new Registry();
  const theirs = new Registry();
  const latency = new RouteLatency(NAME, HELP, BOUNDS, ours);
  const histogram = new Histogram({ name: NAME, help: HELP, labelNames: ['route'], buckets: BOUNDS, registers: [theirs] });
  const series = new Map<string, (seconds: number) => void>();
  return {
    ours,
    theirs,
    latency,
    record(route, seconds) {
      if (!series.has(route)) series.set(route, latency.series(route));
      series.get(route)!(seconds);
      histogram.observe({ route }, seconds);
    },
  };
}

describe('the route latency histogram', () => {
  it("reads as prom-client's Histogram of the same latencies: text, JSON, bounds exactly and the +Inf bucket", async () => {
    const { ours, theirs, record } = both();
    const random = mulberry32(11);
    const routes = ['/v1/customers/:id', '/v1/customers/batch-get', '/v1/segments/:name', 'a "quoted"\\route'];
    // Values on the bounds themselves (a bound holds its own value), past the last bound, and spread over the rest.
    for (const b of BOUNDS) record(routes[0]!, b);
    record(routes[0]!, 3.5);
    record(routes[0]!, 0);
    for (let i = 0; i < 5000; i++) record(routes[Math.floor(random() * routes.length)]!, random() ** 4 * 1.5);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('shows a route once it has a request, counts a series bound twice as one, and starts again from zero on reset', async () => {
    const { ours, theirs, record, latency } = both();
    latency.series('/v1/tiers');
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).not.toContain('/v1/tiers');
    const again = latency.series('/v1/customers/:id');
    record('/v1/customers/:id', 0.002);
    again(0.004);
    expect(await ours.metrics()).toContain(`${NAME}_count{route="/v1/customers/:id"} 2`);
    expect(await ours.metrics()).toContain(`${NAME}_sum{route="/v1/customers/:id"} 0.006`);
    ours.resetMetrics();
    expect(await ours.metrics()).not.toContain('_count');
    again(0.3);
    expect(await ours.metrics()).toContain(`${NAME}_bucket{le="1",route="/v1/customers/:id"} 1`);
    expect(await ours.metrics()).toContain(`${NAME}_bucket{le="0.25",route="/v1/customers/:id"} 0`);
  });
});

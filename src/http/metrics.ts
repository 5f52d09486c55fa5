/** Prometheus metrics at GET /metrics: requests by route pattern, records ingested and refused, jobs, store health. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../store/db.js';
import type { IngestService } from '../ingest/ingest.service.js';
import { countOpenJobs } from '../jobs/job.store.js';
import type { ChangeFeed } from '../changefeed/change-feed.js';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** Seconds: the lookups and streaming messages we serve take 0.1–10 ms; batch uploads take seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UNMATCHED = '(unmatched)';

type Labels = 'method' | 'route' | 'status_class';

/** A route's request series, one per status class, built on the first answer of that class. */
type RouteSeries = Array<RequestSeries | undefined>;

/** What the metrics read: the store (jobs, health), the write path (record counts), the change feed (freshness). */
export interface MetricsDeps {
  readonly db: Db;
  readonly ingest: IngestService;
  readonly feed: ChangeFeed;
}

/** Seconds from a change's commit to a consumer applying it: how fresh derived state (materialized profiles) is. */
const LAG_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Builds the app's own registry (never prom-client's global one: one process may hold many apps) and its series. */
export function createMetrics(deps: MetricsDeps): Registry {
  const registry = new Registry();
  const { db } = deps;
  const ingested = new Counter({ name: 'rtprofile_records_ingested_total', help: 'Records the write path accepted and committed', labelNames: ['source'], registers: [registry] });
  const refused = new Counter({ name: 'rtprofile_records_refused_total', help: 'Records the write path refused (schema, identity or read errors)', labelNames: ['source'], registers: [registry] });
  for (const source of ['streaming', 'batch']) {
    ingested.inc({ source }, 0);
    refused.inc({ source }, 0);
  }
  deps.ingest.addRecordCounter((source, accepted, refusedCount) => {
    if (accepted > 0) ingested.inc({ source }, accepted);
    if (refusedCount > 0) refused.inc({ source }, refusedCount);
  });
  const lag = new Histogram({
    name: 'rtprofile_change_feed_lag_seconds',
    help: 'Time from a change-feed entry being recorded to a consumer of this process applying it, by consumer and by whether it changed derived state (effective) or was already reflected (none)',
    labelNames: ['consumer', 'effect'],
    buckets: LAG_BUCKETS,
    registers: [registry],
  });
  deps.feed.addLagObserver((consumer, effect, lags) => {
    for (const ms of lags) lag.observe({ consumer, effect }, ms / 1000);
  });
  new Gauge({
    name: 'rtprofile_jobs',
    help: 'Durable jobs queued or running, by kind (read from the jobs table on each scrape)',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      // A store that does not answer leaves the gauge empty rather than failing the scrape: rtprofile_store_up says why.
      const rows = await countOpenJobs(db).catch(() => []);
      for (const row of rows) this.set({ kind: row.kind, status: row.status }, row.count);
    },
  });
  new Gauge({ name: 'rtprofile_store_info', help: 'The storage backend in use', labelNames: ['dialect'], registers: [registry] }).set({ dialect: db.dialect }, 1);
  new Gauge({
    name: 'rtprofile_store_up',
    help: 'Whether the store answers and its migrations are current (1), as /ready reports',
    registers: [registry],
    async collect() {
      this.set(await storeReady(db));
    },
  });
  return registry;
}

async function storeReady(db: Db): Promise<number> {
  try {
    await db.ping();
    return (await db.pendingMigrations()).length === 0 ? 1 : 0;
  } catch {
    return 0;
  }
}

/** One route's requests of one status class: counted in plain numbers, exported to Prometheus only on a scrape. */
interface RequestSeries {
  readonly labels: Record<Labels, string>;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  readonly buckets: Float64Array;
}

/**
 * A histogram fed by the request accumulators instead of `observe`: prom-client's bound children hash their labels
 * into a string on every call (about 1.3 µs a request), where adding to our own numbers costs a few nanoseconds.
 */
const DURATION = { name: 'rtprofile_http_request_duration_seconds', help: 'Time from receiving a request to sending its answer' };

class AccumulatedHistogram extends Histogram<Labels> {
  constructor(
    private readonly series: readonly RequestSeries[],
    registry: Registry,
  ) {
    super({ ...DURATION, labelNames: ['method', 'route', 'status_class'], buckets: BUCKETS, registers: [registry] });
  }

  /** The values in the shape prom-client's own histogram exports (the registry formats both the text and JSON). */
  async getForPromString() {
    const { name, help } = DURATION;
    const values: Array<{ labels: Record<string, string | number>; sharedLabels: Record<Labels, string>; value: number; metricName: string }> = [];
    for (const s of this.series) {
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!;
        values.push({ labels: { le }, sharedLabels: s.labels, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${name}_bucket` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${name}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${name}_count` });
    }
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }
}

/**
 * Adds the request series to `registry`, the onResponse hook that feeds them, and GET /metrics. Requests are labelled
 * by the route's registered URL pattern; each route's series are found through its config object and built on its
 * first answer, so a request costs a map lookup and a few additions, and builds no string.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  const all: RequestSeries[] = [];
  new Counter({
    name: 'rtprofile_http_requests_total',
    help: 'HTTP requests answered',
    labelNames: ['method', 'route', 'status_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of all) this.inc(s.labels, s.count);
    },
  });
  new AccumulatedHistogram(all, registry);
  // Keyed by the route's config object, which Fastify keeps once per route and method.
  const byRoute = new WeakMap<object, RouteSeries>();
  // Unmatched requests by method: Node's HTTP parser only accepts its fixed list of methods, so this stays small.
  const unmatched = new Map<string, RouteSeries>();

  const seriesFor = (request: FastifyRequest, classIndex: number): RequestSeries => {
    const config = request.routeOptions.config as { url?: string; method?: string } | undefined;
    const matched = !request.is404 && config?.url !== undefined;
    let route = matched ? byRoute.get(config!) : unmatched.get(request.method);
    if (!route) {
      route = [];
      if (matched) byRoute.set(config!, route);
      else unmatched.set(request.method, route);
    }
    let series = route[classIndex];
    if (!series) {
      const labels = { method: matched ? String(config!.method) : request.method, route: matched ? config!.url! : UNMATCHED, status_class: STATUS_CLASSES[classIndex]! };
      series = route[classIndex] = { labels, count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length + 1) };
      all.push(series);
    }
    return series;
  };

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const classIndex = Math.min(Math.max(Math.floor(reply.statusCode / 100) - 1, 0), 4);
    const series = seriesFor(request, classIndex);
    const seconds = reply.elapsedTime / 1000;
    let bucket = 0;
    while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
    series.count++;
    series.sum += seconds;
    series.buckets[bucket]!++;
    done();
  });

  app.get('/metrics', { config: { auth: 'none' }, schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['Operations'] } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

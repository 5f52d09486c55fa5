/** Prometheus metrics at GET /metrics: requests by route pattern, records ingested and refused, jobs, store health. */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../store/db.js';
import type { IngestService } from '../ingest/ingest.service.js';
import { countOpenJobs } from '../jobs/job.store.js';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
/** Seconds: the lookups and streaming messages we serve take 0.1–10 ms; batch uploads take seconds. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UNMATCHED = '(unmatched)';

type Labels = 'method' | 'route' | 'status_class';

/** One route's series, bound once per status class so a request never builds a label string. */
type RouteSeries = Array<{ requests: Counter.Internal; seconds: Histogram.Internal<Labels> } | undefined>;

/** What the metrics read: the store (jobs, health) and the write path (record counts). */
export interface MetricsDeps {
  readonly db: Db;
  readonly ingest: IngestService;
}

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
  new Gauge({
    name: 'rtprofile_jobs',
    help: 'Durable jobs queued or running, by kind (read from the jobs table on each scrape)',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await countOpenJobs(db)) this.set({ kind: row.kind, status: row.status }, row.count);
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

/**
 * Adds the request series to `registry`, the onResponse hook that feeds them, and GET /metrics. Requests are labelled
 * by the route's registered URL pattern, and each route's bound series are cached on first use, so the per-request
 * cost is one map lookup, one increment and one observation.
 */
export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  const requests = new Counter({ name: 'rtprofile_http_requests_total', help: 'HTTP requests answered', labelNames: ['method', 'route', 'status_class'], registers: [registry] });
  const seconds = new Histogram({
    name: 'rtprofile_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer',
    labelNames: ['method', 'route', 'status_class'],
    buckets: BUCKETS,
    registers: [registry],
  });
  // Keyed by the route's config object, which Fastify keeps once per route and method.
  const byRoute = new WeakMap<object, RouteSeries>();
  // Unmatched requests by method: Node's HTTP parser only accepts its fixed list of methods, so this stays small.
  const unmatched = new Map<string, RouteSeries>();

  const seriesFor = (request: FastifyRequest, classIndex: number) => {
    const config = request.routeOptions.config as { url?: string; method?: string } | undefined;
    const matched = !request.is404 && config?.url !== undefined;
    let series = matched ? byRoute.get(config!) : unmatched.get(request.method);
    if (!series) {
      series = [];
      if (matched) byRoute.set(config!, series);
      else unmatched.set(request.method, series);
    }
    let bound = series[classIndex];
    if (!bound) {
      const labels = { method: matched ? String(config!.method) : request.method, route: matched ? config!.url! : UNMATCHED, status_class: STATUS_CLASSES[classIndex]! };
      bound = series[classIndex] = { requests: requests.labels(labels), seconds: seconds.labels(labels) };
    }
    return bound;
  };

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const classIndex = Math.min(Math.max(Math.floor(reply.statusCode / 100) - 1, 0), 4);
    const bound = seriesFor(request, classIndex);
    bound.requests.inc();
    bound.seconds.observe(reply.elapsedTime / 1000);
    done();
  });

  app.get('/metrics', { config: { auth: 'none' }, schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['Operations'] } }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
}

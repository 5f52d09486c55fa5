/** The app factory: builds the Fastify app over a store, never listens (the CLI and tests decide how to serve it). */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db, SqlExecutor } from '../store/db.js';
import type { ChangeInput } from '../changefeed/change.js';
import { publishChange, watchCatalog } from '../store/catalog-changes.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { SandboxService, TenancyCache, createTokenVerifier, type TokenVerifier } from '../tenancy/index.js';
import { parseJsonBody } from './json-body.js';
import { serializeRequest } from './log-redaction.js';
import { handleError } from './problem.js';
import { registerRequestHooks, requestId } from './request-hooks.js';
import { registerCors } from './cors.js';
import { registerOpenapi } from './openapi.js';
import { registerSharedSchemas } from './schemas/problem.js';
import { createMetrics, registerMetrics } from './metrics.js';
import { registerHealthRoutes } from './routes/health.routes.js';
import { registerSandboxRoutes } from './routes/sandboxes.routes.js';
import { registerSchemaRegistryRoutes } from './routes/schema-registry.routes.js';
import { SchemaResolver } from '../catalog/schema-resolver.js';
import { DatasetService } from '../catalog/datasets/dataset.service.js';
import { ConnectionService } from '../ingest/connection.service.js';
import { IngestService } from '../ingest/ingest.service.js';
import { registerDatasetRoutes } from './routes/datasets.routes.js';
import { registerConnectionRoutes } from './routes/connections.routes.js';
import { registerCollectionRoutes } from './routes/collection.routes.js';
import { registerBatchRoutes } from './routes/batches.routes.js';
import { registerCatalogBatchRoutes } from './routes/catalog-batches.routes.js';
import { registerBatchFileRoutes } from './routes/batch-files.routes.js';
import { BatchService } from '../ingest/batches/batch.service.js';
import { batchJobHandler } from '../ingest/batches/batch.processor.js';
import { BATCH_JOB } from '../ingest/batches/batch.js';
import { batchJobFailed } from '../ingest/batches/batch.failure.js';
import { JobRunner } from '../jobs/job-runner.js';
import { ChangeFeed } from '../changefeed/change-feed.js';
import { join } from 'node:path';
import { NamespaceService } from '../identity/namespace.service.js';
import { IdentityGraph } from '../identity/identity-graph.js';
import { createBlocklist } from '../identity/blocklist.js';
import { registerIdentityRoutes } from './routes/identity.routes.js';
import { registerIdentityMappingRoutes } from './routes/identity-mappings.routes.js';
import { registerMergePolicyRoutes } from './routes/merge-policies.routes.js';
import { registerEntityRoutes } from './routes/entities.routes.js';
import { MergePolicyService } from '../profile/merge-policy.service.js';
import { EntityService } from '../profile/entities.service.js';
import { ProfileViews, VIEWS_CONSUMER } from '../profile/profile-views.js';

/** The domain services routes call; built once per app. */
export interface Services {
  readonly config: Config;
  readonly db: Db;
  readonly clock: Clock;
  readonly sandboxes: SandboxService;
  /** Compiled schemas for the write path; the registry invalidates a sandbox's entries on every change. */
  readonly schemas: SchemaResolver;
  readonly datasets: DatasetService;
  readonly connections: ConnectionService;
  readonly ingest: IngestService;
  readonly verify: TokenVerifier;
  readonly tenancy: TenancyCache;
  readonly batches: BatchService;
  readonly namespaces: NamespaceService;
  readonly graph: IdentityGraph;
  readonly mergePolicies: MergePolicyService;
  readonly entities: EntityService;
  /** Durable jobs; started by `serve` when the process has the worker role, and by tests that need it. */
  readonly jobs: JobRunner;
  /** The change feed's consumers (derived state); started by `serve` with the worker role, drained by tests. */
  readonly feed: ChangeFeed;
  /** Materialized unified profiles (kept by the write path and the feed's `profile-views` consumer). */
  readonly views: ProfileViews;
  /**
   * The catalog caches' subscription to change notices: resolves, with the way to stop it, once other processes' changes
   * are heard (buildApp waits for it; see docs/architecture.md, Caches).
   */
  readonly catalogWatch: Promise<() => void>;
}

/** Everything the app is built from; `secret` signs and checks HS256 tokens. */
export interface AppDeps {
  config: Config;
  db: Db;
  secret: string | undefined;
  clock?: Clock;
  logger?: Logger;
  verify?: TokenVerifier;
}

/** One registered route, for introspection (the malformed-request corpus walks them all). */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app serves. */
    routeTable: readonly RouteEntry[];
    /** The domain services behind the routes (the CLI starts the job runner through it). */
    services: Services;
    /** Tells every process that a sandbox's XDM resources changed outside the registry (this one drops at once). */
    schemasChanged(tenantId: number): void;
  }
}

/** The app as routes see it: TypeBox schemas type the handlers. */
export type App = FastifyInstance<any, any, any, any, TypeBoxTypeProvider>;

/** Builds the app with its hooks, error mapper and every route family registered. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const clock = deps.clock ?? systemClock;
  const app = Fastify({
    // Request lines go through our serializer, so identity values in lookup URLs never reach the log.
    loggerInstance: deps.logger?.child({}, { serializers: { req: serializeRequest } }),
    bodyLimit: deps.config.bodyLimit,
    genReqId: requestId,
    // A child logger per request costs about a microsecond; when nothing logs per request at info, errors name the
    // request id themselves (problem.ts) and every request shares the app's logger.
    childLoggerFactory: (logger, bindings, options) => ((logger as Partial<Logger>).isLevelEnabled?.('info') === false ? logger : logger.child(bindings, options)),
    return503OnClosing: true,
    // Schema Registry lookups take URL-encoded $ids, which pass Fastify's default of 100 characters.
    routerOptions: { maxParamLength: 2048 },
    // verbose: errors carry their schema, so a refused number is answered with its whole allowed range.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, verbose: true } },
  }).withTypeProvider<TypeBoxTypeProvider>() as App;

  const services = buildServices(deps, clock, app.log);
  const stopWatching = await services.catalogWatch;

  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request) => {
    throw new DomainError('ROUTE_NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
  });
  app.removeAllContentTypeParsers();
  const parseJson = (req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    // Clients often send Content-Type: application/json on body-less actions such as ?action=COMPLETE.
    const mayBeEmpty = req.routeOptions.config?.bodyless || !['POST', 'PUT', 'PATCH'].includes(req.method);
    if (mayBeEmpty && body.trim() === '') return done(null, undefined);
    try {
      done(null, parseJsonBody(body, !req.routeOptions.config?.records));
    } catch (err) {
      done(err as Error, undefined);
    }
  };
  app.addContentTypeParser(/^application\/([\w.+-]+\+)?json(\s*;.*)?$/i, { parseAs: 'string' }, (req, body, done) => parseJson(req, body as string, done));
  // Adobe's Postman collections send raw JSON bodies without a JSON type, so Postman labels them text/plain.
  // Browsers send text/plain cross-origin without a preflight, so it is taken only with credentials: a web page cannot
  // post records into an inlet that needs none.
  app.addContentTypeParser(/^text\/plain(\s*;.*)?$/i, { parseAs: 'string' }, (req, body, done) => {
    if (req.headers.authorization === undefined) {
      return done(new DomainError('CONTENT_TYPE_UNSUPPORTED', 'A text/plain body is accepted only with an Authorization header; send Content-Type: application/json'), undefined);
    }
    parseJson(req, body as string, done);
  });
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.decorate('services', services);
  app.decorate('schemasChanged', (tenantId: number) => {
    // Outside a transaction a notice reaches this process before the call returns; the others hear it moments later.
    publishChange(deps.db, { tenantId, kind: 'schema' }).catch((err: Error) => app.log.warn({ err }, 'schema change notice not sent'));
  });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  // CORS before the request hooks (a preflight is answered before auth); the OpenAPI generator before any route.
  await registerCors(app, deps.config.corsOrigins);
  await registerOpenapi(app);
  registerSharedSchemas(app);
  registerRequestHooks(app, services);
  registerMetrics(app, createMetrics(services));

  // Uploads cut short by a dead process leave partial files; a SQLite process owns its data folder, so it removes them all.
  await services.batches.removePartialUploads(!deps.db.capabilities.concurrentWriters);
  registerHealthRoutes(app, services);
  registerSandboxRoutes(app, services);
  registerSchemaRegistryRoutes(app, services);
  registerDatasetRoutes(app, services);
  registerConnectionRoutes(app, services);
  registerCollectionRoutes(app, services);
  registerBatchRoutes(app, services);
  registerCatalogBatchRoutes(app, services);
  registerBatchFileRoutes(app, services);
  registerIdentityRoutes(app, services);
  registerIdentityMappingRoutes(app, services);
  registerMergePolicyRoutes(app, services);
  registerEntityRoutes(app, services);
  app.addHook('onClose', async () => {
    stopWatching();
    await services.feed.stop();
    await services.jobs.stop();
  });
  return app;
}

/** Wires the domain services once; their catalog caches follow change notices from every process on the database. */
export function buildServices(deps: AppDeps, clock: Clock, logger: Pick<Logger, 'info' | 'warn' | 'error'>): Services {
  const sandboxes = new SandboxService(deps.db, clock);
  const schemas = new SchemaResolver(deps.db);
  const connections = new ConnectionService(deps.db, clock);
  const namespaces = new NamespaceService(deps.db, clock);
  const { config } = deps;
  const graph = new IdentityGraph(deps.db, namespaces, createBlocklist(config.identityBlocklist), { maxIdentities: config.maxGraphIdentities, uniqueNamespaces: config.uniqueNamespaces }, clock);
  // Merge policies read datasets and views read merge policies, so a dataset delete reaches the views through `settle`.
  const settle = (tx: SqlExecutor, tenantId: number, changes: readonly ChangeInput[]): Promise<void> => views.settle(tx, tenantId, changes);
  const datasets = new DatasetService(deps.db, schemas, clock, { removeLinks: (tx, tenantId, datasetId) => graph.removeLinks(tx, tenantId, { datasetId }), settle });
  const mergePolicies = new MergePolicyService(deps.db, datasets, clock, config.maxMergePolicies);
  const views = new ProfileViews(deps.db, mergePolicies, clock, config.maxProfileIdentities);
  const catalogWatch = watchCatalog(deps.db, [sandboxes, schemas, datasets, connections, namespaces, mergePolicies]);
  // Callers that do not wait for it (the CLI's short-lived commands) must not die of an unhandled rejection.
  catalogWatch.catch((err: Error) => logger.warn(`catalog change notices unavailable: ${err.message}`));
  const ingest = new IngestService(deps.db, datasets, schemas, clock, {
    link: (tx, tenantId, records, sets, batchId) => graph.link(tx, tenantId, records, sets, batchId),
    settle,
  });
  ingest.addRecordCheck((tenantId) => graph.recordCheck(tenantId));
  const verify = deps.verify ?? createTokenVerifier({ secret: deps.secret, jwks: deps.config.jwks, clock });
  const jobs = new JobRunner(deps.db, clock, logger);
  const feed = new ChangeFeed(deps.db, clock, logger);
  feed.consume(VIEWS_CONSUMER, views.consumer);
  jobs.register(BATCH_JOB, batchJobHandler(deps.db, ingest, clock), batchJobFailed(clock));
  return {
    config: deps.config,
    db: deps.db,
    clock,
    sandboxes,
    schemas,
    datasets,
    connections,
    ingest,
    verify,
    tenancy: new TenancyCache(verify, sandboxes, clock),
    batches: new BatchService(deps.db, datasets, join(deps.config.dataDir, 'uploads'), deps.config.uploadLimit, clock, () => jobs.kick()),
    jobs,
    feed,
    views,
    namespaces,
    graph,
    mergePolicies,
    entities: new EntityService(deps.db, namespaces, graph, mergePolicies, views, config.maxProfileIdentities, clock),
    catalogWatch,
  };
}

/** The app factory: builds the Fastify app over a store, never listens (the CLI and tests decide how to serve it). */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { type AppDeps, type Services, buildServices } from '../runtime/services.js';
import type { Logger } from 'pino';
import { publishChange } from '../store/catalog-changes.js';
import { systemClock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
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
import { registerDatasetRoutes } from './routes/datasets.routes.js';
import { registerConnectionRoutes } from './routes/connections.routes.js';
import { registerCollectionRoutes } from './routes/collection.routes.js';
import { registerBatchRoutes } from './routes/batches.routes.js';
import { registerCatalogBatchRoutes } from './routes/catalog-batches.routes.js';
import { registerBatchFileRoutes } from './routes/batch-files.routes.js';
import { registerIdentityRoutes } from './routes/identity.routes.js';
import { registerIdentityMappingRoutes } from './routes/identity-mappings.routes.js';
import { registerMergePolicyRoutes } from './routes/merge-policies.routes.js';
import { registerEntityRoutes } from './routes/entities.routes.js';
import { registerSystemJobRoutes } from './routes/system-jobs.routes.js';
import { registerExportJobRoutes } from './routes/export-jobs.routes.js';
import { registerDataAccessRoutes } from './routes/data-access.routes.js';
import { registerPreviewSampleRoutes } from './routes/preview-sample.routes.js';
import { registerAlphaComputedAttributeRoutes } from './routes/computed-attributes.routes.js';
import { registerCaAttributeRoutes } from './routes/ca-attributes.routes.js';
import { registerSegmentDefinitionRoutes } from './routes/segment-definitions.routes.js';
import { registerSegmentJobRoutes } from './routes/segment-jobs.routes.js';
import { registerAudienceRoutes } from './routes/audiences.routes.js';
import { registerPreviewRoutes } from './routes/previews.routes.js';
import { registerScheduleRoutes } from './routes/schedules.routes.js';
import { registerSearchRoutes } from './routes/search.routes.js';
import { registerEdgeConfigRoutes } from './routes/edge-config.routes.js';
import { registerEdgeHubRoutes } from './routes/edge-hub.routes.js';

export type { AppDeps, Services } from '../runtime/services.js';

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
    const route = `No route for ${request.method} ${request.url.split('?')[0]}`;
    throw new DomainError('ROUTE_NOT_FOUND', deps.config.roles.has('api') ? route : `${route}: this process runs ROLES=worker and serves only health and metrics`);
  });
  app.removeAllContentTypeParsers();
  const parseJson = (req: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void) => {
    // Bodies are read as UTF-8 (as JSON requires): a body declared in another charset would be misread, not parsed.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
      return done(new DomainError('CONTENT_TYPE_UNSUPPORTED', `charset '${charset.slice(0, 40)}' is not supported: send JSON as UTF-8`), undefined);
    }
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
  // A worker-only process (ROLES=worker) runs jobs and the change feed and answers only health and metrics, so an API
  // load balancer never sends it a request it should not serve.
  if (deps.config.roles.has('api')) registerApiRoutes(app, services);
  app.addHook('onClose', async () => {
    stopWatching();
    await services.feed.stop();
    await services.jobs.stop();
  });
  return app;
}

/** Every route of the Profile, Catalog, ingestion, identity and sandbox APIs. */
function registerApiRoutes(app: App, services: Services): void {
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
  registerSystemJobRoutes(app, services);
  registerExportJobRoutes(app, services);
  registerDataAccessRoutes(app, services);
  registerAlphaComputedAttributeRoutes(app, services);
  registerCaAttributeRoutes(app, services);
  registerSegmentDefinitionRoutes(app, services);
  registerSegmentJobRoutes(app, services);
  registerAudienceRoutes(app, services);
  registerPreviewRoutes(app, services);
  registerScheduleRoutes(app, services);
  registerSearchRoutes(app, services);
  registerEdgeConfigRoutes(app, services);
  registerEdgeHubRoutes(app, services);
  registerPreviewSampleRoutes(app, services);
}

/** Liveness and readiness, without auth: `/health` says the process answers, `/ready` that the store is usable. */
import type { App, Services } from '../app.js';

/** Registers GET /health and GET /ready. */
export function registerHealthRoutes(app: App, services: Services): void {
  app.get('/health', { config: { auth: 'none' } }, async () => ({ status: 'ok' }));

  app.get('/ready', { config: { auth: 'none' } }, async (_request, reply) => {
    try {
      await services.db.ping();
      const pending = await services.db.pendingMigrations();
      if (pending.length > 0) return reply.status(503).send({ status: 'migrating', pendingMigrations: pending });
      return { status: 'ready', store: services.db.dialect };
    } catch (err) {
      return reply.status(503).send({ status: 'unavailable', store: services.db.dialect, detail: (err as Error).message });
    }
  });
}

/** CORS for browser clients, off unless origins are configured; preflights are answered before auth and the body rules. */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** The headers a browser may send: AEP's four, the body type, and our request id. */
const ALLOWED_HEADERS = ['Authorization', 'x-api-key', 'x-gw-ims-org-id', 'x-sandbox-name', 'Content-Type', 'x-request-id'];

/**
 * Registers @fastify/cors when `origins` is not empty; must run before the request hooks, so its onRequest hook
 * answers a preflight first and the tenancy and Content-Type checks never see it.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  if (origins.length === 0) return;
  await app.register(cors, {
    origin: origins.length === 1 && origins[0] === '*' ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
    // A bare OPTIONS (no Origin) would otherwise get a text/plain 400; answering it 204 keeps every answer JSON or empty.
    strictPreflight: false,
  });
}

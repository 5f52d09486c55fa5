/**
 * What edge nodes call on their hub (/edge/v1): a long-lived NDJSON stream of their data center's configuration and
 * projected profiles after an offset, a fetch of one person on a miss, and the reads that keep REACTIVE people current.
 * Edges authenticate with a token signed by the secret they share with the hub.
 */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DATA_CENTERS, type DataCenter, edgeError } from '../../edge/edge.js';
import { verifyEdgeToken } from '../../edge/edge-token.js';
import { EDGE_CHANNEL, type StoredDoc } from '../../edge/edge-docs.store.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { DomainError } from '../../shared/errors.js';

/** Rows per stream message, and how often an idle stream says where the head is (the edge's proof of freshness). */
const PAGE = 2_000;
const HEARTBEAT_MS = 1_000;

const Dc = Type.Union(DATA_CENTERS.map((d) => Type.Literal(d)));

/** One row as a stream line's tuple: the stored document is spliced in as it is (no parse on the hub). */
function rowJson(r: StoredDoc): string {
  return `[${r.seq},${r.tenantId},${JSON.stringify(r.projectionId)},${JSON.stringify(r.personKey)},${r.doc ?? 'null'}]`;
}

/** Registers the edge-facing routes. */
export function registerEdgeHubRoutes(app: App, services: Services): void {
  const { edgeHub, db, clock } = services;
  const open = new Set<() => void>();
  // Before the server stops, which waits for every open response: a stream never ends on its own.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  async function edgeOf(request: FastifyRequest, dataCenter: DataCenter): Promise<void> {
    const granted = await verifyEdgeToken(services.edgeSecret, request.headers.authorization, clock());
    if (granted !== dataCenter) throw edgeError('EDGE_STREAM_REFUSED', `the credential is for data center ${granted.slice(0, 20)}, not ${dataCenter}`);
  }

  app.get(
    '/edge/v1/stream',
    { config: { auth: 'none' }, schema: { querystring: Type.Object({ dataCenter: Dc, after: Type.Optional(Type.Integer({ minimum: 0 })) }), response: { ...ERRORS } } },
    async (request, reply) => {
      const dataCenter = request.query.dataCenter as DataCenter;
      await edgeOf(request, dataCenter);
      let after = request.query.after ?? 0;
      let config = await edgeHub.config(dataCenter);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'close' });
      let closed = false;
      let wake: (() => void) | undefined;
      let configChanged = false;
      const end = () => {
        closed = true;
        wake?.();
        // Destroyed, not ended: an ended response's socket would stay open as a keep-alive until its timeout.
        out.destroy();
      };
      open.add(end);
      out.on('close', () => {
        closed = true;
        wake?.();
      });
      const stop = await db.subscribe(EDGE_CHANNEL, (payload) => {
        if (payload !== 'docs') configChanged = true;
        wake?.();
      });
      const send = (line: string) => (closed ? true : out.write(`${line}\n`));
      const drained = () => new Promise<void>((resolve) => (out.writableNeedDrain && !closed ? out.once('drain', () => resolve()) : resolve()));
      try {
        send(JSON.stringify(config));
        if (after > 0 && after < config.horizon) {
          // Removals this edge has not heard of were pruned: it starts again from an empty store.
          send('{"type":"reset"}');
          after = 0;
        }
        while (!closed) {
          if (configChanged) {
            configChanged = false;
            const next = await edgeHub.config(dataCenter);
            if (next.version !== config.version) {
              config = next;
              send(JSON.stringify(config));
            }
          }
          const page = await edgeHub.rows(after, PAGE, config);
          if (!page) {
            configChanged = true;
            continue;
          }
          if (page.offset > after) {
            after = page.offset;
            send(`{"type":"rows","offset":${after},"rows":[${page.rows.map(rowJson).join(',')}]}`);
            await drained();
            if (page.more) continue;
          }
          send(`{"type":"head","offset":${after},"at":${clock()}}`);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, HEARTBEAT_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = undefined;
        }
      } catch (err) {
        request.log.error({ err }, 'edge stream failed');
      } finally {
        stop();
        open.delete(end);
        if (!out.writableEnded) out.end();
      }
    },
  );

  app.post(
    '/edge/v1/fetch',
    {
      config: { auth: 'none' },
      schema: {
        body: Type.Object({
          dataCenter: Dc,
          tenantId: Type.Integer({ minimum: 1 }),
          ns: Type.String({ minLength: 1, maxLength: 256 }),
          id: Type.String({ minLength: 1, maxLength: 2048 }),
          projections: Type.Array(Type.String({ maxLength: 128 }), { minItems: 1, maxItems: 50 }),
        }),
        response: { 200: Type.String({ description: 'JSON text: {"rows": [...]}' }), ...ERRORS },
      },
    },
    async (request, reply) => {
      const b = request.body;
      await edgeOf(request, b.dataCenter as DataCenter);
      const rows = await edgeHub.fetch(b.dataCenter as DataCenter, b.tenantId, b.ns, b.id, b.projections);
      return reply.type('application/json').send(`{"rows":[${rows.map(rowJson).join(',')}]}`);
    },
  );

  // The TTL of each projection of a data center, read again only when the configuration moved.
  const ttls = new Map<DataCenter, { version: number; ttl: Map<string, number> }>();
  async function ttlsOf(dataCenter: DataCenter): Promise<Map<string, number>> {
    const version = await edgeHub.configVersion();
    const held = ttls.get(dataCenter);
    if (held && held.version === version) return held.ttl;
    const config = await edgeHub.config(dataCenter);
    const ttl = new Map(config.projections.map((p) => [`${p.tenantId}:${p.projectionId}`, p.ttl]));
    ttls.set(dataCenter, { version: config.version, ttl });
    return ttl;
  }

  app.post(
    '/edge/v1/touch',
    {
      config: { auth: 'none' },
      schema: {
        body: Type.Object({
          dataCenter: Dc,
          // [sandbox, projection, person, when]: a tuple, checked below (OpenAPI 3.1's schemas have no positional items).
          reads: Type.Array(Type.Array(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 4096 })]), { minItems: 4, maxItems: 4 }), { maxItems: 10_000 }),
        }),
        response: { 204: empty('The reads were recorded'), ...ERRORS },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const dataCenter = b.dataCenter as DataCenter;
      await edgeOf(request, dataCenter);
      const ttl = await ttlsOf(dataCenter);
      const reads = b.reads.map((r, i) => {
        const [tenantId, projectionId, key, at] = r;
        if (typeof tenantId !== 'number' || typeof projectionId !== 'string' || typeof key !== 'string' || typeof at !== 'number') {
          throw new DomainError('REQUEST_INVALID', `reads[${i}] must be [sandbox (integer), projection id, person key, epoch ms]`);
        }
        return [tenantId, projectionId, key, at] as const;
      });
      await edgeHub.touch(reads, (tenantId, projectionId) => ttl.get(`${tenantId}:${projectionId}`));
      return reply.status(204).send();
    },
  );
}

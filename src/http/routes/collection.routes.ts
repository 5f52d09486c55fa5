/** Streaming ingestion: POST /collection/{inletId} (one message) and /collection/batch/{inletId} (many, 207), also under /data/foundation/import. */
import { randomInt } from 'node:crypto';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { RecordFailure } from '../../ingest/prepare.js';
import type { IngestItem } from '../../ingest/ingest.service.js';
import { isEnvelopeProblem, readEnvelope } from '../../ingest/envelope.js';
import type { Connection } from '../../ingest/connection.js';
import { resolveTenancy } from '../request-hooks.js';

const Inlet = Type.Object({ inletId: Type.String({ minLength: 1, maxLength: 128 }) });

/** AEP's `_streamingValidation` cause for one refused message. */
function validationCause(failure: { code: string; message: string; errors: ReadonlyArray<{ path: string; code?: string; message: string }> }) {
  return {
    _streamingValidation: [
      {
        schemaLocation: '#',
        pointerToViolation: '#',
        keyword: failure.code,
        message: failure.errors.length > 1 ? `${failure.errors.length} schema violations found` : failure.message,
        causingExceptions: failure.errors.map((e) => ({
          schemaLocation: '#',
          pointerToViolation: `#${e.path}`,
          keyword: e.code ?? failure.code,
          message: e.message,
          causingExceptions: [],
        })),
      },
    ],
  };
}

function invalid(connection: Connection, orgId: string, failure: Parameters<typeof validationCause>[0]): DomainError {
  return new DomainError('STREAMING_MESSAGE_INVALID', failure.message, {
    report: { message: `inletId: [${connection.inletId}] imsOrgId: [${orgId}] Message is invalid`, cause: validationCause(failure) },
  });
}

/** Registers the collection routes; auth is decided per inlet, so the routes opt out of the default hook. */
export function registerCollectionRoutes(app: App, services: Services): void {
  const { connections, ingest, sandboxes } = services;

  async function tenancyOf(request: FastifyRequest, inletId: string): Promise<{ connection: Connection; orgId: string }> {
    const connection = await connections.byInletId(inletId);
    const sandbox = await sandboxes.byTenant(connection.tenantId);
    if (!sandbox) throw new DomainError('INLET_NOT_FOUND', `Inlet '${inletId}' does not exist`);
    if (connection.authRequired) {
      const ctx = await resolveTenancy(request, services, 'sandbox');
      if (ctx?.tenantId !== connection.tenantId) {
        throw new DomainError('INLET_NOT_FOUND', `Inlet '${inletId}' does not exist in sandbox '${ctx?.sandbox.name}' of org ${ctx?.orgId}`);
      }
    }
    return { connection, orgId: sandbox.orgId };
  }

  const xaction = (received: number, i: number) => `${received}:${randomInt(1000, 9999)}:${i}`;

  // Adobe's Data Ingestion collection posts to the same inlets under the platform gateway's import prefix.
  for (const prefix of ['', '/data/foundation/import']) registerInletRoutes(prefix);

  function registerInletRoutes(prefix: string): void {
    app.post(
      `${prefix}/collection/:inletId`,
      { config: { auth: 'none', records: true }, schema: { params: Inlet, querystring: Type.Object({ syncValidation: Type.Optional(Type.Boolean()) }) } },
      async (request) => {
        const received = services.clock();
        const { connection, orgId } = await tenancyOf(request, request.params.inletId);
        const item = readEnvelope(request.body, orgId);
        if (isEnvelopeProblem(item)) throw invalid(connection, orgId, { code: 'ENVELOPE_INVALID', message: item.message, errors: [{ path: item.path.slice(1), message: item.message }] });
        const outcome = await ingest.ingest(connection.tenantId, [item], null, connection.inletId);
        const failure = outcome.failures[0];
        if (failure) throw invalid(connection, orgId, failure);
        return { inletId: connection.inletId, xactionId: xaction(received, 0), receivedTimeMs: received, syncValidation: { status: 'pass' } };
      },
    );

    app.post(
      `${prefix}/collection/batch/:inletId`,
      { config: { auth: 'none', records: true }, schema: { params: Inlet, body: Type.Object({ messages: Type.Array(Type.Unknown(), { minItems: 1 }) }) } },
      async (request, reply) => {
        const received = services.clock();
        const { connection, orgId } = await tenancyOf(request, request.params.inletId);
        const items: IngestItem[] = [];
        const positions: number[] = [];
        const responses: Array<Record<string, unknown>> = request.body.messages.map((_m, i) => ({ xactionId: xaction(received, i) }));
        request.body.messages.forEach((message, i) => {
          const item = readEnvelope(message, orgId);
          if (isEnvelopeProblem(item)) {
            responses[i] = { ...responses[i], status: 400, message: item.message, report: { cause: validationCause({ code: 'ENVELOPE_INVALID', message: item.message, errors: [{ path: item.path.slice(1), message: item.message }] }) } };
          } else {
            items.push(item);
            positions.push(i);
          }
        });
        const outcome = await ingest.ingest(connection.tenantId, items, null, connection.inletId);
        for (const failure of outcome.failures as RecordFailure[]) {
          const i = positions[failure.index]!;
          responses[i] = { ...responses[i], status: 400, message: failure.message, report: { cause: validationCause(failure) } };
        }
        return reply.status(207).send({ inletId: connection.inletId, batchId: `${received}:${randomInt(1000, 9999)}:${items.length}`, receivedTimeMs: received, responses });
      },
    );
  }
}

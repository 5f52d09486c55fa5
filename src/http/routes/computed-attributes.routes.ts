/** The alpha computed attributes API (/data/core/ups/config/computedAttributes): JSON Patch updates, seconds epochs. */
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App, Services } from '../app.js';
import type { ComputedAttribute } from '../../computed/ca.js';
import { caError } from '../../computed/ca-check.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { AlphaCreateBody, AlphaObject, AlphaPage } from '../schemas/computed.js';

const BASE = '/data/core/ups/config/computedAttributes';
const PROFILE = '_xdm.context.profile';

/** Where every definition is defined: the sandbox's profile union. */
export const DEFINED_ON = [{ 'meta:resourceType': 'unions', 'meta:containerId': 'tenant', $ref: 'https://ns.adobe.com/xdm/context/profile__union' }];

/** The sandbox member of both APIs' objects (`key` names the default flag as each API spells it). */
export function sandboxOf(request: FastifyRequest, key: 'default' | 'isDefault') {
  const s = request.ctx.sandbox;
  return { sandboxId: s.id, sandboxName: s.name, type: s.type, [key]: s.isDefault };
}

function present(request: FastifyRequest, ca: ComputedAttribute, dependents: readonly string[]) {
  return {
    id: ca.id,
    imsOrgId: request.ctx.orgId,
    sandbox: sandboxOf(request, 'default'),
    name: ca.name,
    path: ca.path,
    positionPath: ca.path.split('.'),
    description: ca.description,
    expression: ca.expression,
    schema: { name: PROFILE },
    returnSchema: { 'meta:xdmType': ca.returnType },
    definedOn: DEFINED_ON,
    dependencies: [...ca.dependencies],
    dependents: [...dependents],
    active: ca.active,
    // Every definition is kept current from the change feed as data arrives.
    evaluationInfo: { batch: { enabled: false }, continuous: { enabled: true }, synchronous: { enabled: false } },
    type: 'ComputedAttribute',
    createEpoch: Math.floor(ca.createdAt / 1000),
    updateEpoch: Math.floor(ca.updatedAt / 1000),
  };
}

const Op = Type.Object({ op: Type.String({ maxLength: 16 }), path: Type.String({ maxLength: 256 }), value: Type.Optional(Type.Unknown()) }, { additionalProperties: true });
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Registers the alpha routes. */
export function registerAlphaComputedAttributeRoutes(app: App, { computedAttributes: cas }: Services): void {
  const dependentsOf = (all: readonly ComputedAttribute[], id: string) => all.filter((d) => d.dependencies.includes(id)).map((d) => d.id);

  app.get(BASE, { schema: { response: { 200: AlphaPage, ...ERRORS } } }, async (request) => {
    const all = await cas.list(request.ctx.tenantId, 'alpha');
    return { _page: { totalCount: all.length, pageSize: all.length }, children: all.map((c) => present(request, c, dependentsOf(all, c.id))), _links: { next: {} } };
  });

  app.post(BASE, { schema: { body: AlphaCreateBody, response: { 200: AlphaObject, ...ERRORS } } }, async (request) => {
    const b = request.body;
    if (b.schema.name !== PROFILE) throw caError('CA_INVALID', `schema.name '${b.schema.name}' is not supported: computed attributes are defined on ${PROFILE}`);
    const ca = await cas.create({ tenantId: request.ctx.tenantId, orgId: request.ctx.orgId, clientId: request.ctx.clientId }, 'alpha', {
      name: b.name,
      path: b.path,
      ...(b.description === undefined ? {} : { description: b.description }),
      expression: b.expression,
    });
    return present(request, ca, []);
  });

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: AlphaObject, ...ERRORS } } }, async (request) => {
    const ca = await cas.get(request.ctx.tenantId, 'alpha', request.params.id);
    return present(request, ca, await cas.dependents(request.ctx.tenantId, ca.id));
  });

  app.patch(
    `${BASE}/:id`,
    { schema: { params: Id, body: Type.Array(Op, { minItems: 1, maxItems: 20 }), response: { 204: empty('Updated'), ...ERRORS } } },
    async (request, reply) => {
      await cas.update(request.ctx.tenantId, 'alpha', request.params.id, async (ca) => {
        let patch: Partial<ComputedAttribute> = {};
        for (const [i, op] of request.body.entries()) {
          if (op.op !== 'add' && op.op !== 'replace') throw caError('CA_INVALID', `/${i}/op '${op.op}' is not supported: use add or replace`);
          const path = op.path.replace(/\./g, '/');
          if (path === '/expression' || path === '/expression/value') {
            const text = path === '/expression' ? (op.value as { value?: unknown } | null)?.value : op.value;
            if (typeof text !== 'string' || text === '') throw caError('CA_INVALID', `/${i}/value must be ${path === '/expression' ? 'an expression object with a string value' : 'a PQL string'}`);
            patch = { ...patch, ...(await cas.recheck(ca, text)) };
          } else if (path === '/description' && typeof op.value === 'string') patch = { ...patch, description: op.value };
          else if (path === '/active' && typeof op.value === 'boolean') patch = { ...patch, active: op.value };
          else throw caError('CA_INVALID', `/${i}: '${op.path}' cannot be changed this way: patch /expression, /description (a string) or /active (a boolean)`);
        }
        return patch;
      });
      return reply.status(204).send();
    },
  );

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 200: empty('Deleted'), ...ERRORS } } }, async (request, reply) => {
    await cas.delete(request.ctx.tenantId, 'alpha', request.params.id);
    return reply.status(200).send();
  });
}

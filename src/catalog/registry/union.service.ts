/** Union schemas (one per class with Profile-enabled schemas) and the registry `/stats` summary of a sandbox. */
import { DomainError } from '../../shared/errors.js';
import type { SqlExecutor } from '../../store/db.js';
import { findStandard, type UnionSchema, type XdmResource } from '../xdm/index.js';
import { composeUnions } from './composition.js';
import { type ListPage, type ListQuery, listPage, summaryOf } from './listing.js';
import { listResources } from './resource.store.js';
import { type RegistryContext, decodeKey, tenantIdOf } from './tenant.js';
import { fullView } from './views.js';

/** Unions are derived on read from the enabled schemas, so they never go stale and need no storage of their own. */
export class UnionService {
  constructor(private readonly db: SqlExecutor) {}

  /** A page of the sandbox's unions. */
  async list(ctx: RegistryContext, query: ListQuery): Promise<ListPage<XdmResource>> {
    return listPage([...(await this.unions(ctx)).values()].map((u) => this.resourceOf(ctx, u)), query);
  }

  /** One union (`xed`: its allOf of class and field groups), by `$id` or `meta:altId`. */
  async get(ctx: RegistryContext, key: string): Promise<XdmResource> {
    return this.resourceOf(ctx, await this.find(ctx, key));
  }

  /** One union with every field of every member resolved (`xed-full`). */
  async expanded(ctx: RegistryContext, key: string): Promise<XdmResource> {
    const union = await this.find(ctx, key);
    return fullView(this.resourceOf(ctx, union), union.jsonSchema);
  }

  /** The `/stats` answer: tenant id, counts, recent resources and which schemas use each class. */
  async stats(ctx: RegistryContext): Promise<Record<string, unknown>> {
    const rows = await listResources(this.db, ctx.tenantId);
    const count = (kind: string) => rows.filter((r) => r.kind === kind).length;
    const recent = (by: 'createdAt' | 'modifiedAt') =>
      [...rows].sort((a, b) => b[by] - a[by]).slice(0, 5).map((r) => ({ ...summaryOf(r.body), 'meta:resourceType': r.kind }));
    const byClass = new Map<string, XdmResource[]>();
    for (const r of rows) {
      if (r.kind !== 'schemas') continue;
      const classId = String(r.body['meta:class'] ?? '');
      byClass.set(classId, [...(byClass.get(classId) ?? []), r.body]);
    }
    const titleOf = (id: string) => findStandard(id)?.title ?? rows.find((r) => r.id === id)?.title ?? id;
    return {
      imsOrg: ctx.orgId,
      tenantId: tenantIdOf(ctx.orgId),
      counts: { schemas: count('schemas'), mixins: count('mixins'), datatypes: count('datatypes'), classes: count('classes'), unions: (await this.unions(ctx)).size },
      recentlyCreatedResources: recent('createdAt'),
      recentlyUpdatedResources: recent('modifiedAt'),
      classUsage: [...byClass].map(([classId, schemas]) => ({
        $id: classId,
        title: titleOf(classId),
        numberOfSchemas: schemas.length,
        schemas: schemas.map((s) => ({ $id: s.$id, title: s.title, description: s.description ?? '', 'meta:altId': s['meta:altId'] })),
      })),
    };
  }

  private async unions(ctx: RegistryContext): Promise<Map<string, UnionSchema>> {
    const bodies = (await listResources(this.db, ctx.tenantId)).map((r) => r.body);
    return composeUnions(bodies, tenantIdOf(ctx.orgId));
  }

  private async find(ctx: RegistryContext, key: string): Promise<UnionSchema> {
    const decoded = decodeKey(key);
    for (const union of (await this.unions(ctx)).values()) {
      const { $id, 'meta:altId': altId } = union.resource;
      if ([key, decoded].some((k) => k === $id || k === altId)) return union;
    }
    throw new DomainError('REGISTRY_RESOURCE_NOT_FOUND', `No union "${key.slice(0, 300)}" in this sandbox: a class has a union once one of its schemas is enabled for Profile`);
  }

  private resourceOf(ctx: RegistryContext, union: UnionSchema): XdmResource {
    return { ...union.resource, 'meta:sandboxId': ctx.sandbox.id, 'meta:sandboxType': ctx.sandbox.type };
  }
}

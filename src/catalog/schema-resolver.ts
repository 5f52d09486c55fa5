/** Turns a sandbox's schema id into a compiled validator, class behaviour and identity descriptors, cached per schema. */
import type { SqlExecutor } from '../store/db.js';
import type { CatalogCache, CatalogChange } from '../store/catalog-changes.js';
import { DomainError } from '../shared/errors.js';
import { LoadCache } from '../shared/load-cache.js';
import { listDescriptors } from './registry/descriptor.store.js';
import { listResources } from './registry/resource.store.js';
import { composeUnions } from './registry/composition.js';
import {
  type ClassBehavior,
  type IdentityDescriptor,
  type RecordValidator,
  type XdmResource,
  type UnionSchema,
  XdmError,
  composeSchema,
  compileValidator,
  findStandard,
} from './xdm/index.js';

/** What the write path needs to know about a dataset's schema. */
export interface ResolvedSchema {
  readonly schemaId: string;
  readonly classId: string;
  readonly behavior: ClassBehavior;
  readonly profileEnabled: boolean;
  readonly validate: RecordValidator;
  readonly descriptors: readonly IdentityDescriptor[];
}

/** Reads tenant XDM resources and descriptors from the store and composes them; registry change notices invalidate. */
export class SchemaResolver implements CatalogCache {
  private readonly cache = new LoadCache<string, ResolvedSchema>();

  constructor(private readonly db: SqlExecutor) {}

  /** The resolved schema, or SCHEMA_NOT_FOUND / SCHEMA_INVALID naming what is wrong. */
  resolve(tenantId: number, schemaId: string): Promise<ResolvedSchema> {
    return this.cache.get(`${tenantId}\u0000${schemaId}`, () => this.load(tenantId, schemaId));
  }

  /** Forgets every cached schema of a sandbox, in this process only (the registry's notices reach every process). */
  invalidate(tenantId: number): void {
    this.cache.deleteWhere((key) => key.startsWith(`${tenantId}\u0000`));
  }

  /** Drops what a catalog change made stale: a sandbox's schemas compose from all its resources, so all of them. */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined) this.cache.clear();
    else if (change.kind === 'schema' || change.kind === 'sandbox') this.invalidate(change.tenantId);
  }

  /**
   * The sandbox's union of a class (`…/profile__union`, or its `meta:altId`), merged from its Profile-enabled schemas;
   * undefined when no schema of the class is enabled. Unions are derived on read, as the registry derives them.
   */
  async union(tenantId: number, unionId: string): Promise<UnionSchema | undefined> {
    // As for single schemas here, the tenant namespace is the schemas' own: the registry checked it when they were written.
    const unions = composeUnions((await listResources(this.db, tenantId)).map((r) => r.body), '');
    return [...unions.values()].find((u) => u.resource.$id === unionId || u.resource['meta:altId'] === unionId);
  }

  private async load(tenantId: number, schemaId: string): Promise<ResolvedSchema> {
    const tenant = new Map<string, XdmResource>();
    for (const r of await listResources(this.db, tenantId)) {
      tenant.set(r.id, r.body);
      tenant.set(r.altId, r.body);
    }
    const schema = tenant.get(schemaId);
    // A dataset of a union (an export's destination) validates records against the union; it is never Profile-enabled
    // itself, since its rows are merged profiles already.
    if (!schema && schemaId.endsWith('__union')) {
      const union = await this.union(tenantId, schemaId);
      if (!union) throw new DomainError('SCHEMA_NOT_FOUND', `Union '${schemaId}' does not exist in this sandbox: a class has a union once one of its schemas is enabled for Profile`);
      return { schemaId: String(union.resource.$id), classId: union.classId, behavior: 'record', profileEnabled: false, validate: compileValidator(union.jsonSchema), descriptors: [] };
    }
    if (!schema) throw new DomainError('SCHEMA_NOT_FOUND', `Schema '${schemaId}' does not exist in this sandbox`);
    const lookup = (id: string) => tenant.get(id) ?? findStandard(id);
    let composed;
    try {
      composed = composeSchema(schema, lookup);
    } catch (err) {
      if (err instanceof XdmError) throw new DomainError('SCHEMA_INVALID', `Schema '${schemaId}' cannot be composed: ${err.message}`);
      throw err;
    }
    const id = String(schema.$id ?? schemaId);
    const descriptors = (await listDescriptors(this.db, tenantId, id)).filter((d) => d.type === 'xdm:descriptorIdentity');
    return {
      schemaId: id,
      classId: composed.classId,
      behavior: composed.behavior,
      profileEnabled: composed.profileEnabled,
      validate: compileValidator(composed.jsonSchema),
      descriptors: descriptors.map((d) => d.body as unknown as IdentityDescriptor),
    };
  }
}

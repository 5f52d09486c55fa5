/** Schema descriptors: identity descriptors checked against the composed schema (one primary per schema), and the others. */
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { Db, SqlExecutor } from '../../store/db.js';
import { publishChange } from '../../store/catalog-changes.js';
import { assertSinglePrimaryDescriptor, fieldAt, validateIdentityDescriptor, type IdentityDescriptor, type XdmResource } from '../xdm/index.js';
import { composeChecked, lookupOf, mapXdm } from './composition.js';
import { type ListPage, type ListQuery, listPage } from './listing.js';
import { type StoredDescriptor, deleteDescriptor, findDescriptor, listDescriptors, saveDescriptor } from './descriptor.store.js';
import { findResource, listResources } from './resource.store.js';
import { type RegistryContext, decodeKey, newDescriptorId, tenantIdOf } from './tenant.js';

const IDENTITY = 'xdm:descriptorIdentity';
/** The `@type`s schema-registry.yaml lists for createDescriptor; only identity descriptors change how data is read. */
export const DESCRIPTOR_TYPES = [
  'xdm:descriptorIdentity', 'xdm:alternateDisplayInfo', 'xdm:descriptorReferenceIdentity', 'xdm:descriptorOneToOne', 'xdm:descriptorRelationship',
] as const;
/** Set by the registry; a client's values for them are ignored. */
const SERVER_KEYS = ['@id', 'imsOrg', 'version', 'meta:containerId', 'meta:sandboxId', 'meta:sandboxType', 'meta:registryMetadata'];

function invalid(message: string): DomainError {
  return new DomainError('REGISTRY_DESCRIPTOR_INVALID', message);
}

/** Descriptor CRUD; every write publishes a `schema` catalog change (identity descriptors shape the write path). */
export class DescriptorService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** A filtered page of the sandbox's descriptors (`property=xdm:sourceSchema==…` selects one schema's), by `@id` unless ordered. */
  async list(ctx: RegistryContext, query: ListQuery): Promise<ListPage<Record<string, unknown>>> {
    const bodies = (await listDescriptors(this.db, ctx.tenantId)).map((d) => d.body as unknown as XdmResource);
    const page = listPage(bodies, { ...query, orderby: query.orderby ?? '@id' });
    return { ...page, items: page.items as unknown as Record<string, unknown>[] };
  }

  /** One descriptor by `@id`. */
  async get(ctx: RegistryContext, id: string): Promise<Record<string, unknown>> {
    return (await this.stored(this.db, ctx, id)).body;
  }

  /** Creates a descriptor after checking its schema, field and (for identities) the one-primary rule. */
  async create(ctx: RegistryContext, input: unknown): Promise<Record<string, unknown>> {
    const body = await this.db.transaction(async (tx) => {
      const row = await this.checked(tx, ctx, input, newDescriptorId(), undefined);
      await saveDescriptor(tx, ctx.tenantId, row);
      await publishChange(tx, { tenantId: ctx.tenantId, kind: 'schema' });
      return row.body;
    });
    return body;
  }

  /** Rewrites a descriptor (PUT) under the same `@id`. */
  async replace(ctx: RegistryContext, id: string, input: unknown): Promise<Record<string, unknown>> {
    const body = await this.db.transaction(async (tx) => {
      const old = await this.stored(tx, ctx, id);
      const row = await this.checked(tx, ctx, input, old.id, old);
      await saveDescriptor(tx, ctx.tenantId, row);
      await publishChange(tx, { tenantId: ctx.tenantId, kind: 'schema' });
      return row.body;
    });
    return body;
  }

  /** Deletes a descriptor. */
  async remove(ctx: RegistryContext, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const old = await this.stored(tx, ctx, id);
      await deleteDescriptor(tx, ctx.tenantId, old.id);
      await publishChange(tx, { tenantId: ctx.tenantId, kind: 'schema' });
    });
  }

  private async stored(db: SqlExecutor, ctx: RegistryContext, id: string): Promise<StoredDescriptor> {
    const found = (await findDescriptor(db, ctx.tenantId, id)) ?? (await findDescriptor(db, ctx.tenantId, decodeKey(id)));
    if (found === undefined) throw new DomainError('REGISTRY_DESCRIPTOR_NOT_FOUND', `No descriptor "${id.slice(0, 300)}" in this sandbox`);
    return found;
  }

  private async checked(tx: SqlExecutor, ctx: RegistryContext, input: unknown, id: string, old: StoredDescriptor | undefined): Promise<StoredDescriptor> {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('A descriptor must be a JSON object');
    const raw = Object.fromEntries(Object.entries(input).filter(([k]) => !SERVER_KEYS.includes(k)));
    const type = raw['@type'];
    if (typeof type !== 'string' || !(DESCRIPTOR_TYPES as readonly string[]).includes(type)) {
      throw invalid(`@type ${JSON.stringify(type)} is not supported; use one of ${DESCRIPTOR_TYPES.join(', ')}`);
    }
    const schema = await this.schemaOf(tx, ctx, raw['xdm:sourceSchema'], 'xdm:sourceSchema');
    const version = raw['xdm:sourceVersion'] ?? 1;
    if (!(version === 1 || version === '1')) throw invalid(`xdm:sourceVersion ${JSON.stringify(version)} is not the schema's major version 1`);
    const source = raw['xdm:sourceProperty'];
    if (typeof source !== 'string' || !source.startsWith('/') || source.length < 2) throw invalid('xdm:sourceProperty must be a field path such as "/personalEmail/address"');
    const tenant = tenantIdOf(ctx.orgId);
    const composed = composeChecked(schema.body, lookupOf((await listResources(tx, ctx.tenantId)).map((r) => r.body)), tenant);
    const siblings = (await listDescriptors(tx, ctx.tenantId, schema.id)).filter((d) => d.id !== id);
    let body: Record<string, unknown> = { ...raw, 'xdm:sourceSchema': schema.id, 'xdm:sourceVersion': 1 };
    if (type === IDENTITY) {
      body = { ...mapXdm(() => validateIdentityDescriptor(body, composed)) };
      const identities = siblings.filter((d) => d.type === IDENTITY).map((d) => d.body as unknown as IdentityDescriptor);
      mapXdm(() => assertSinglePrimaryDescriptor([...identities, body as unknown as IdentityDescriptor]));
    } else {
      const path = source.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
      if (fieldAt(composed.fields, path) === undefined) {
        throw new DomainError('REGISTRY_DESCRIPTOR_PATH_NOT_FOUND', `Field ${source} does not exist in schema ${schema.id}`);
      }
      if (raw['xdm:destinationSchema'] !== undefined) body['xdm:destinationSchema'] = (await this.schemaOf(tx, ctx, raw['xdm:destinationSchema'], 'xdm:destinationSchema')).id;
    }
    const duplicate = siblings.find((d) => d.type === type && d.body['xdm:sourceProperty'] === body['xdm:sourceProperty']);
    if (duplicate !== undefined) {
      throw new DomainError('REGISTRY_DESCRIPTOR_EXISTS', `Descriptor ${duplicate.id} already applies ${type} to ${source} of schema ${schema.id}`);
    }
    const now = this.clock();
    const meta = (old?.body['meta:registryMetadata'] ?? {}) as Record<string, unknown>;
    return {
      id,
      schemaId: schema.id,
      type,
      createdAt: old?.createdAt ?? now,
      modifiedAt: now,
      body: {
        '@id': id,
        ...body,
        imsOrg: ctx.orgId,
        version: '1',
        'meta:containerId': 'tenant',
        'meta:sandboxId': ctx.sandbox.id,
        'meta:sandboxType': ctx.sandbox.type,
        'meta:registryMetadata': {
          'repo:createdDate': old?.createdAt ?? now,
          'repo:lastModifiedDate': now,
          'xdm:createdClientId': meta['xdm:createdClientId'] ?? ctx.clientId,
          'xdm:lastModifiedClientId': ctx.clientId,
        },
      },
    };
  }

  private async schemaOf(tx: SqlExecutor, ctx: RegistryContext, ref: unknown, member: string) {
    if (typeof ref !== 'string' || ref === '') throw invalid(`${member} must be the $id of a schema of this sandbox`);
    const schema = await findResource(tx, ctx.tenantId, ref);
    if (schema === undefined || schema.kind !== 'schemas') {
      throw new DomainError('REGISTRY_DESCRIPTOR_SCHEMA_UNKNOWN', `${member} "${ref.slice(0, 300)}" is not a schema of this sandbox`);
    }
    return schema;
  }
}

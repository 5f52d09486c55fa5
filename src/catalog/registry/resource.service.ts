/** Tenant classes, field groups, data types and schemas: create, read (tenant and global), replace, JSON Patch, delete. */
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import type { Db, SqlExecutor } from '../../store/db.js';
import { publishChange } from '../../store/catalog-changes.js';
import {
  findStandard,
  isProfileEnabled,
  resourceKindOf,
  standardResources,
  type IdentityDescriptor,
  type XdmResource,
} from '../xdm/index.js';
import { checkSandbox, composeChecked, expandResource, lookupOf, referencesOf } from './composition.js';
import { deleteSchemaDescriptors, listDescriptors } from './descriptor.store.js';
import { applyPatch, parsePatch, type PatchOperation } from './json-patch.js';
import { type ListPage, type ListQuery, listPage } from './listing.js';
import { IDENTITY_KEYS, assertShape, stampResource } from './resource.rules.js';
import { type StoredResource, datasetsUsing, deleteResource, findResource, insertResource, listResources, updateResource } from './resource.store.js';
import { type RegistryContext, type RegistryKind, bumpVersion, decodeKey, newResourceIds, tenantIdOf } from './tenant.js';
import { fullView } from './views.js';

/** `global` holds the standard resources shipped with the project, `tenant` the sandbox's own. */
export type Container = 'global' | 'tenant';
/** Kinds that can be read; behaviours exist only in the global container. */
export type ReadKind = RegistryKind | 'behaviors';

const STANDARD_KIND: Record<ReadKind, string> = { schemas: 'schema', mixins: 'fieldgroup', datatypes: 'datatype', classes: 'class', behaviors: 'behavior' };
const LABEL: Record<ReadKind, string> = { schemas: 'schema', mixins: 'field group', datatypes: 'data type', classes: 'class', behaviors: 'behavior' };
const PROBE = 'urn:rtprofile:registry:check';

/** The one service behind the resource routes; every write publishes a `schema` catalog change in its transaction. */
export class ResourceService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** A filtered, sorted page of one kind in one container. */
  async list(ctx: RegistryContext, container: Container, kind: ReadKind, query: ListQuery): Promise<ListPage<XdmResource>> {
    return listPage(await this.all(ctx, container, kind), query);
  }

  /** One resource as stored (`xed`), by `meta:altId` or `$id`. */
  async get(ctx: RegistryContext, container: Container, kind: ReadKind, key: string): Promise<XdmResource> {
    const all = await this.all(ctx, container, kind);
    const found = all.find((r) => r.$id === key || r['meta:altId'] === key) ?? all.find((r) => r.$id === decodeKey(key));
    if (found === undefined) throw notFound(kind, container, key);
    return found;
  }

  /** One resource with every inherited field resolved (`xed-full`). */
  async expanded(ctx: RegistryContext, container: Container, kind: ReadKind, key: string): Promise<XdmResource> {
    const resource = await this.get(ctx, container, kind, key);
    const lookup = lookupOf(container === 'tenant' ? (await listResources(this.db, ctx.tenantId)).map((r) => r.body) : []);
    return fullView(resource, expandResource(resource, lookup, tenantIdOf(ctx.orgId)));
  }

  /** Creates a tenant resource with fresh ids at version 1.0, refusing one that does not compose. */
  async create(ctx: RegistryContext, kind: RegistryKind, input: unknown): Promise<XdmResource> {
    assertShape(kind, input);
    const tenant = tenantIdOf(ctx.orgId);
    const now = this.clock();
    const created = await this.db.transaction(async (tx) => {
      const { $id, altId } = newResourceIds(tenant, kind);
      const body = stampResource(kind, input, { $id, altId, version: '1.0', tenant, createdAt: now, createdBy: ctx.clientId, now }, ctx);
      const row = await this.checked(tx, ctx, kind, body, undefined);
      await insertResource(tx, ctx.tenantId, row);
      await publishChange(tx, { tenantId: ctx.tenantId, kind: 'schema' });
      return row.body;
    });
    return created;
  }

  /** Replaces a tenant resource (PUT); the Profile tag of an enabled schema is kept, since it cannot be removed. */
  async replace(ctx: RegistryContext, kind: RegistryKind, key: string, input: unknown): Promise<XdmResource> {
    assertShape(kind, input);
    return this.update(ctx, kind, key, (old) => {
      if (kind === 'schemas' && isProfileEnabled(old) && !isProfileEnabled(input as XdmResource)) {
        return { ...input, 'meta:immutableTags': [...new Set([...(input['meta:immutableTags'] as string[] | undefined ?? []), 'union'])] };
      }
      return input;
    });
  }

  /** Applies an RFC 6902 JSON Patch to a tenant resource; `meta:immutableTags: ["union"]` added this way enables Profile. */
  async patch(ctx: RegistryContext, kind: RegistryKind, key: string, patch: unknown): Promise<XdmResource> {
    const ops = parsePatch(patch);
    return this.update(ctx, kind, key, (old) => {
      const next = applyPatch(old, ops.map((op) => specTagPath(op, old))) as unknown;
      assertShape(kind, next);
      for (const k of IDENTITY_KEYS) {
        if (next[k] !== old[k]) throw new DomainError('REGISTRY_READONLY_PROPERTY', `${k} identifies the ${LABEL[kind]} and cannot be changed by a patch`);
      }
      if (isProfileEnabled(old) && !isProfileEnabled(next as XdmResource)) {
        throw new DomainError('REGISTRY_PROFILE_ENABLED_PERMANENT', `Schema ${old.$id} is enabled for Profile; meta:immutableTags "union" cannot be removed`);
      }
      return next;
    });
  }

  /** Deletes a tenant resource nothing else uses; a schema takes its descriptors with it and must have no dataset. */
  async remove(ctx: RegistryContext, kind: RegistryKind, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.stored(tx, ctx, kind, key);
      const users = (await listResources(tx, ctx.tenantId)).filter((r) => r.id !== row.id && referencesOf(r.body).has(row.id));
      if (users.length > 0) {
        throw new DomainError('REGISTRY_RESOURCE_IN_USE', `${cap(LABEL[kind])} ${row.id} is used by ${users.map((u) => `"${u.title}" (${u.id})`).join(', ')}`);
      }
      if (kind === 'schemas') {
        const datasets = await datasetsUsing(tx, ctx.tenantId, [row.id, row.altId]);
        if (datasets.length > 0) throw new DomainError('REGISTRY_RESOURCE_IN_USE', `Schema ${row.id} is used by dataset(s) ${datasets.join(', ')}`);
        await deleteSchemaDescriptors(tx, ctx.tenantId, row.id);
      }
      await deleteResource(tx, ctx.tenantId, row.id);
      await publishChange(tx, { tenantId: ctx.tenantId, kind: 'schema' });
    });
  }

  private async update(ctx: RegistryContext, kind: RegistryKind, key: string, next: (old: XdmResource) => Record<string, unknown>): Promise<XdmResource> {
    const tenant = tenantIdOf(ctx.orgId);
    const now = this.clock();
    const updated = await this.db.transaction(async (tx) => {
      const old = await this.stored(tx, ctx, kind, key);
      const meta = (old.body['meta:registryMetadata'] ?? {}) as Record<string, unknown>;
      const stamp = {
        $id: old.id, altId: old.altId, version: bumpVersion(old.version), tenant, now,
        createdAt: Number(meta['repo:createdDate'] ?? old.createdAt), createdBy: String(meta['xdm:createdClientId'] ?? ctx.clientId),
      };
      const row = await this.checked(tx, ctx, kind, stampResource(kind, next(old.body), stamp, ctx), old);
      await updateResource(tx, ctx.tenantId, row);
      await publishChange(tx, { tenantId: ctx.tenantId, kind: 'schema' });
      return row.body;
    });
    return updated;
  }

  /** Validates `body` on its own and then the whole sandbox with it in place; returns the row to store. */
  private async checked(tx: SqlExecutor, ctx: RegistryContext, kind: RegistryKind, body: XdmResource, old: StoredResource | undefined): Promise<StoredResource> {
    const tenant = tenantIdOf(ctx.orgId);
    const others = (await listResources(tx, ctx.tenantId)).filter((r) => r.id !== body.$id).map((r) => r.body);
    const lookup = lookupOf([...others, body]);
    if (kind === 'schemas') {
      const composed = composeChecked(body, lookup, tenant);
      body['meta:class'] = composed.classId;
      body['meta:extends'] = composed.extends;
    } else if (kind === 'classes') {
      const composed = composeChecked(probe([body.$id]), lookup, tenant);
      if (composed.behavior === 'adhoc') {
        throw new DomainError('REGISTRY_RESOURCE_INVALID', 'A class must extend the record (https://ns.adobe.com/xdm/data/record) or time-series behaviour');
      }
      body['meta:extends'] = composed.extends.filter((id) => id !== body.$id);
    } else if (kind === 'mixins') {
      for (const classId of body['meta:intendedToExtend'] ?? []) {
        const target = findStandard(classId) ?? lookup(classId);
        if (target === undefined || resourceKindOf(target) !== 'class') {
          throw new DomainError('REGISTRY_REF_UNKNOWN', `meta:intendedToExtend names "${classId}", which is not a known class`);
        }
        composeChecked(probe([target.$id, body.$id]), lookup, tenant);
      }
    } else {
      expandResource(body, lookup, tenant);
    }
    const identity = new Map<string, IdentityDescriptor[]>();
    for (const d of await listDescriptors(tx, ctx.tenantId)) {
      if (d.type === 'xdm:descriptorIdentity') identity.set(d.schemaId, [...(identity.get(d.schemaId) ?? []), d.body as unknown as IdentityDescriptor]);
    }
    checkSandbox([...others, body], tenant, identity);
    const now = this.clock();
    return { id: body.$id, altId: String(body['meta:altId']), kind, title: body.title, version: String(body.version), body, createdAt: old?.createdAt ?? now, modifiedAt: now };
  }

  private async stored(tx: SqlExecutor, ctx: RegistryContext, kind: RegistryKind, key: string): Promise<StoredResource> {
    const row = (await findResource(tx, ctx.tenantId, key)) ?? (await findResource(tx, ctx.tenantId, decodeKey(key)));
    if (row === undefined || row.kind !== kind) throw notFound(kind, 'tenant', key);
    return row;
  }

  private async all(ctx: RegistryContext, container: Container, kind: ReadKind): Promise<XdmResource[]> {
    if (container === 'global') return standardResources().filter((r) => resourceKindOf(r) === STANDARD_KIND[kind]);
    if (kind === 'behaviors') return [];
    return (await listResources(this.db, ctx.tenantId, kind)).map((r) => r.body);
  }
}

/** A schema over the given class and field groups, used to check resources that are not schemas themselves. */
function probe(refs: string[]): XdmResource {
  return { $id: PROBE, title: 'check', type: 'object', 'meta:resourceType': 'schemas', allOf: refs.map(($ref) => ({ $ref })) };
}

/** The schema-registry.yaml example patches `/meta:immutableTags-` (a typo of `/meta:immutableTags/-`); read it as meant. */
function specTagPath(op: PatchOperation, doc: XdmResource): PatchOperation {
  if (op.op !== 'add' || op.path !== '/meta:immutableTags-') return op;
  if (Array.isArray(doc['meta:immutableTags'])) return { ...op, path: '/meta:immutableTags/-' };
  return { ...op, path: '/meta:immutableTags', value: Array.isArray(op.value) ? op.value : [op.value] };
}

function notFound(kind: ReadKind, container: Container, key: string): DomainError {
  return new DomainError('REGISTRY_RESOURCE_NOT_FOUND', `No ${LABEL[kind]} "${key.slice(0, 300)}" in the ${container} container`);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

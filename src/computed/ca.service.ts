/** Computed attribute definitions through both APIs: create, read, change and delete, with AEP's rules for each. */
import { randomUUID } from 'node:crypto';
import type { Db, SqlExecutor } from '../store/db.js';
import { publishChange } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import type { SchemaResolver } from '../catalog/schema-resolver.js';
import { EXPERIENCE_EVENT_CLASS_ID, PROFILE_CLASS_ID } from '../catalog/xdm/index.js';
import { tenantIdOf } from '../catalog/registry/tenant.js';
import { type CaApi, type CaStatus, type ComputedAttribute, isLive } from './ca.js';
import type { Duration } from './ca-window.js';
import { type CheckSchemas, caError, checkExpression, dependenciesOf, fitsField, requireFunction, withComputedFields } from './ca-check.js';
import * as store from './ca.store.js';
import { queueRecompute } from './ca-jobs.js';

/** Who acts. */
export interface CaScope {
  readonly tenantId: number;
  readonly orgId: string;
  readonly clientId: string;
}

/** A create request of either API, after the route's shape check. */
export interface CaInput {
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly expression: { readonly type?: string; readonly format?: string; readonly value: string };
  /** Alpha: the parent path of the field. */
  readonly path?: string;
  readonly duration?: Duration;
  readonly keepCurrent?: boolean;
  readonly status?: 'DRAFT' | 'NEW';
}

const unionId = (classId: string) => `${classId}__union`;

/** The unions an expression is checked against (segments' too): the profile's with computed fields added, and the event's. */
export async function checkSchemasOf(schemas: SchemaResolver, tenantId: number, computed: readonly ComputedAttribute[]): Promise<CheckSchemas> {
  const [profile, event] = await Promise.all([schemas.union(tenantId, unionId(PROFILE_CLASS_ID)), schemas.union(tenantId, unionId(EXPERIENCE_EVENT_CLASS_ID))]);
  const fields = computed.map((o) => ({ path: o.fieldPath, xdmType: o.returnType, wrapped: o.api === 'ca' }));
  return { profile: withComputedFields(profile?.jsonSchema as Record<string, unknown> | undefined, fields), event: event?.jsonSchema as Record<string, unknown> | undefined };
}

/** Definitions of a sandbox, with the rules of each API. */
export class ComputedAttributeService {
  constructor(
    private readonly db: Db,
    private readonly schemas: SchemaResolver,
    private readonly clock: Clock,
    private readonly kick: () => void,
  ) {}

  /** Every definition of the sandbox made through `api`. */
  async list(tenantId: number, api: CaApi): Promise<ComputedAttribute[]> {
    return (await store.listDefinitions(this.db, tenantId)).filter((d) => d.api === api);
  }

  /** One definition made through `api`; 404 otherwise. */
  async get(tenantId: number, api: CaApi, id: string, db: SqlExecutor = this.db): Promise<ComputedAttribute> {
    const found = await store.findDefinition(db, tenantId, id);
    if (!found || found.api !== api) throw caError('CA_NOT_FOUND', `Computed attribute '${id}' does not exist in this sandbox`);
    return found;
  }

  /** The ids of the definitions that read this one (a delete is refused while there are any). */
  async dependents(tenantId: number, id: string): Promise<string[]> {
    return (await store.listDefinitions(this.db, tenantId)).filter((d) => d.dependencies.includes(id)).map((d) => d.id);
  }

  private checkSchemas(tenantId: number, others: readonly ComputedAttribute[]): Promise<CheckSchemas> {
    return checkSchemasOf(this.schemas, tenantId, others);
  }

  /** Creates a definition; it is evaluated for everyone at once (a job) unless it is a DRAFT. */
  async create(scope: CaScope, api: CaApi, input: CaInput): Promise<ComputedAttribute> {
    const expression = { type: 'PQL' as const, format: 'pql/text' as const, value: input.expression.value };
    if ((input.expression.type ?? 'PQL') !== 'PQL') throw caError('CA_INVALID', `expression.type '${input.expression.type}' is not supported: only PQL`);
    if ((input.expression.format ?? 'pql/text') !== 'pql/text') throw caError('CA_INVALID', `expression.format '${input.expression.format}' is not supported: only pql/text`);
    const others = await store.listDefinitions(this.db, scope.tenantId);
    const checked = checkExpression(expression.value, await this.checkSchemas(scope.tenantId, others));
    let fieldPath: string;
    if (api === 'ca') {
      requireFunction(checked.mergeFunction);
      fieldPath = `_${tenantIdOf(scope.orgId)}.SystemComputedAttributes.${input.name}`;
    } else {
      fieldPath = `${input.path}.${input.name}`;
      await this.checkAlphaField(scope.tenantId, fieldPath, checked.xdmType);
    }
    const now = this.clock();
    const status: CaStatus = api === 'ca' ? (input.status ?? 'DRAFT') : 'NEW';
    const ca: ComputedAttribute = {
      tenantId: scope.tenantId,
      id: randomUUID(),
      api,
      name: input.name,
      fieldPath,
      status,
      version: 1,
      displayName: input.displayName ?? input.name,
      description: input.description ?? '',
      expression,
      path: input.path ?? '',
      duration: input.duration ?? null,
      keepCurrent: input.keepCurrent ?? false,
      active: true,
      returnType: checked.xdmType,
      mergeFunction: checked.mergeFunction,
      dependencies: dependenciesOf(checked.check.paths.profile, others),
      eventPaths: checked.eventPaths,
      createdBy: scope.clientId,
      lastEvaluation: null,
      createdAt: now,
      updatedAt: now,
    };
    const exists = () => caError('CA_EXISTS', `Function with the same name already exists for the specified schema or definedOn: '${fieldPath}'`);
    await this.db.transaction(async (tx) => {
      if ((await tx.get('SELECT 1 AS x FROM computed_attributes WHERE tenant_id = ? AND field_path = ?', [scope.tenantId, fieldPath])) !== undefined) throw exists();
      // A create of the same field racing this one (PostgreSQL) loses on the unique index: skip, then look again.
      if (!(await store.insertDefinition(tx, ca))) throw exists();
      // From now on the sandbox's writes name their events for the consumer (every process hears this).
      await publishChange(tx, { tenantId: scope.tenantId, kind: 'computedAttribute', id: ca.id });
      if (isLive(ca)) await queueRecompute(tx, ca, now);
    });
    this.kick();
    return ca;
  }

  /** The alpha rule: the field must exist in the profile union (a tenant field) with the expression's type. */
  private async checkAlphaField(tenantId: number, fieldPath: string, xdmType: string): Promise<void> {
    const union = await this.schemas.union(tenantId, unionId(PROFILE_CLASS_ID));
    const field = union?.fields.find((f) => f.path === fieldPath);
    if (!field) throw caError('CA_PATH_NOT_FOUND', `Could not lookup schema of the computed attribute for the provided path: '${fieldPath}' is not a field of the profile union`);
    if (!fieldPath.split('.').some((s) => s.startsWith('_'))) throw caError('CA_PATH_NOT_FOUND', `Could not lookup schema of the computed attribute for the provided path: '${fieldPath}' is not in a tenant namespace (_{TENANT_ID})`);
    if (!fitsField(xdmType, field)) throw caError('CA_RETURN_TYPE_MISMATCH', `Return schema of the expression is not same as the schema of the computed attribute in the XDM schema: the expression gives ${xdmType}, '${fieldPath}' is ${field.xdmType}`);
  }

  /** Applies a change someone validated: stores it, and recomputes (a new version) when what the value means changed. */
  async update(tenantId: number, api: CaApi, id: string, change: (ca: ComputedAttribute) => Promise<Partial<ComputedAttribute>> | Partial<ComputedAttribute>): Promise<ComputedAttribute> {
    const current = await this.get(tenantId, api, id);
    const patch = await change(current);
    const now = this.clock();
    const meaning = patch.expression !== undefined && patch.expression.value !== current.expression.value || (patch.duration !== undefined && JSON.stringify(patch.duration) !== JSON.stringify(current.duration)) || (patch.keepCurrent !== undefined && patch.keepCurrent !== current.keepCurrent);
    const next: ComputedAttribute = { ...current, ...patch, updatedAt: Math.max(now, current.updatedAt + 1) };
    const starts = isLive(next) && (!isLive(current) || meaning);
    const updated: ComputedAttribute = { ...next, version: starts || meaning ? current.version + 1 : current.version, ...(starts && next.api === 'ca' ? { status: 'NEW' as const } : {}) };
    await this.db.transaction(async (tx) => {
      // Only over the row as read: a job's status write or another PATCH in between refuses this one.
      if (!(await store.replaceDefinition(tx, updated, current.updatedAt))) throw caError('CA_STATUS_TRANSITION', `Computed attribute '${id}' changed while this request was applied; read it again and retry`);
      // Values of a stopped definition are not served; a started one computes everyone again.
      if (!isLive(updated)) await tx.run('DELETE FROM computed_values WHERE tenant_id = ? AND ca_id = ?', [tenantId, id]);
      if (starts) await queueRecompute(tx, updated, now);
    });
    if (starts) this.kick();
    return updated;
  }

  /** Re-checks a changed expression the way create does (the definition's own field excluded from its inputs). */
  async recheck(ca: ComputedAttribute, text: string): Promise<Partial<ComputedAttribute>> {
    const others = (await store.listDefinitions(this.db, ca.tenantId)).filter((o) => o.id !== ca.id);
    const checked = checkExpression(text, await this.checkSchemas(ca.tenantId, others));
    if (ca.api === 'ca') requireFunction(checked.mergeFunction);
    else await this.checkAlphaField(ca.tenantId, ca.fieldPath, checked.xdmType);
    const dependencies = dependenciesOf(checked.check.paths.profile, others, ca.id);
    // Through any number of others: a cycle could never be evaluated, nor any of its members deleted.
    const reaches = new Set<string>();
    const walk = (ids: readonly string[]) => {
      for (const d of ids) if (!reaches.has(d)) reaches.add(d), walk(others.find((o) => o.id === d)?.dependencies ?? []);
    };
    walk(dependencies);
    if (reaches.has(ca.id)) throw caError('CA_EXPRESSION_INVALID', `expression.value would make '${ca.fieldPath}' depend on itself through another computed attribute`);
    return { expression: { type: 'PQL', format: 'pql/text', value: text }, returnType: checked.xdmType, mergeFunction: checked.mergeFunction, dependencies, eventPaths: checked.eventPaths };
  }

  /** Deletes a definition and its values; 422 while another reads it, and (current API) only in DRAFT. */
  async delete(tenantId: number, api: CaApi, id: string): Promise<ComputedAttribute> {
    const ca = await this.get(tenantId, api, id);
    if (api === 'ca' && ca.status !== 'DRAFT') throw caError('CA_STATUS_TRANSITION', `Computed attribute '${id}' is ${ca.status}: only a DRAFT can be deleted (disable it with PATCH {"status": "DISABLED"})`);
    const users = await this.dependents(tenantId, id);
    if (users.length > 0) throw caError('CA_HAS_DEPENDENTS', `Cannot perform delete as some other functions are dependent on this function: ${users.join(', ')}`, { dependents: users });
    await this.db.transaction(async (tx) => {
      await store.deleteDefinition(tx, tenantId, id);
      await publishChange(tx, { tenantId, kind: 'computedAttribute', id });
    });
    return ca;
  }
}

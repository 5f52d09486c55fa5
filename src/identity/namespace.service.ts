/** Namespaces of a sandbox: the standard ones plus custom ones (create, get, update; never delete). */
import type { Db } from '../store/db.js';
import { type CatalogCache, type CatalogChange, publishChange } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import { DomainError } from '../shared/errors.js';
import { LoadCache } from '../shared/load-cache.js';
import { FIRST_CUSTOM_ID, type IdType, type Namespace, STANDARD_NAMESPACES, assertNamespaceCode, parseIdType } from './namespace.js';

/** A sandbox's namespaces by lower-cased code and by id. */
export interface NamespaceIndex {
  readonly byCode: ReadonlyMap<string, Namespace>;
  readonly byId: ReadonlyMap<number, Namespace>;
}

interface Row {
  id: number;
  code: string;
  name: string;
  description: string;
  id_type: string;
  created_at: number;
  modified_at: number;
}

function toNamespace(r: Row): Namespace {
  return {
    id: Number(r.id),
    code: r.code,
    name: r.name,
    description: r.description,
    idType: r.id_type as IdType,
    custom: true,
    createTime: Number(r.created_at),
    updateTime: Number(r.modified_at),
  };
}

/** Custom namespaces per sandbox, with a cached index the write path reads for every record (kept by notices). */
export class NamespaceService implements CatalogCache {
  private readonly cache = new LoadCache<number, NamespaceIndex>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Every namespace of the sandbox, standard first. */
  async list(tenantId: number): Promise<Namespace[]> {
    return [...(await this.index(tenantId)).byId.values()];
  }

  /** One namespace by id, or NAMESPACE_NOT_FOUND. */
  async get(tenantId: number, id: number): Promise<Namespace> {
    const ns = (await this.index(tenantId)).byId.get(id);
    if (!ns) throw new DomainError('NAMESPACE_NOT_FOUND', `Namespace ${id} does not exist in this sandbox`);
    return ns;
  }

  /** Creates a custom namespace; its code must not match any other's, in any case. */
  async create(tenantId: number, input: { name: string; code: string; idType: string; description?: string }): Promise<Namespace> {
    assertNamespaceCode(input.code);
    const idType = parseIdType(input.idType);
    if (input.name.trim() === '') throw new DomainError('NAMESPACE_INVALID', 'name must not be empty');
    if ((await this.index(tenantId)).byCode.has(input.code.toLowerCase())) {
      throw new DomainError('NAMESPACE_CODE_CONFLICT', 'Namespace code already exists. Please use a different code', { report: { code: 'INTEGRATION_CODE_EXISTS' } });
    }
    const now = this.clock();
    const inserted = await this.db.transaction(async (tx) => {
      const max = await tx.get<{ m: number | null }>('SELECT MAX(id) AS m FROM identity_namespaces WHERE tenant_id = ?', [tenantId]);
      const id = Math.max(Number(max?.m ?? 0) + 1, FIRST_CUSTOM_ID);
      const result = await tx.run(
        `INSERT INTO identity_namespaces (tenant_id, id, code, code_lower, name, description, id_type, created_at, modified_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [tenantId, id, input.code, input.code.toLowerCase(), input.name, input.description ?? '', idType, now, now],
      );
      if (result.changes !== 1) return undefined;
      await publishChange(tx, { tenantId, kind: 'namespace', id: String(id) });
      return id;
    });
    if (inserted === undefined) {
      throw new DomainError('NAMESPACE_CODE_CONFLICT', 'Namespace code already exists. Please use a different code', { report: { code: 'INTEGRATION_CODE_EXISTS' } });
    }
    return this.get(tenantId, inserted);
  }

  /** Updates name and description; code and idType cannot change, and standard namespaces not at all. */
  async update(tenantId: number, id: number, input: { name?: string; description?: string; code?: string; idType?: string }): Promise<Namespace> {
    const current = await this.get(tenantId, id);
    if (!current.custom) throw new DomainError('NAMESPACE_READ_ONLY', `Namespace ${current.code} is a standard namespace and cannot be changed`);
    if (input.code !== undefined && input.code !== current.code) throw new DomainError('NAMESPACE_READ_ONLY', 'A namespace code cannot be changed');
    if (input.idType !== undefined && parseIdType(input.idType) !== current.idType) throw new DomainError('NAMESPACE_READ_ONLY', 'A namespace idType cannot be changed');
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE identity_namespaces SET name = ?, description = ?, modified_at = ? WHERE tenant_id = ? AND id = ?', [
        input.name ?? current.name,
        input.description ?? current.description,
        this.clock(),
        tenantId,
        id,
      ]);
      await publishChange(tx, { tenantId, kind: 'namespace', id: String(id) });
    });
    return this.get(tenantId, id);
  }

  /** The sandbox's namespace index, cached until a namespace changes. */
  index(tenantId: number): Promise<NamespaceIndex> {
    return this.cache.get(tenantId, () => this.load(tenantId));
  }

  /** Drops what a catalog change made stale: the index of a sandbox whose namespaces changed or that was purged. */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined) this.cache.clear();
    else if (change.kind === 'namespace' || change.kind === 'sandbox') this.cache.delete(change.tenantId);
  }

  private async load(tenantId: number): Promise<NamespaceIndex> {
    const rows = await this.db.all<Row>('SELECT id, code, name, description, id_type, created_at, modified_at FROM identity_namespaces WHERE tenant_id = ? ORDER BY id', [tenantId]);
    const all = [...STANDARD_NAMESPACES, ...rows.map(toNamespace)];
    return { byCode: new Map(all.map((n) => [n.code.toLowerCase(), n])), byId: new Map(all.map((n) => [n.id, n])) };
  }
}

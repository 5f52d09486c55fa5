/** Sandbox rows: reads and writes of the `sandboxes` table, and purging one sandbox's data. */
import type { SqlExecutor } from '../store/db.js';
import type { Sandbox, SandboxType } from './sandbox.js';

interface Row {
  tenant_id: number;
  org_id: string;
  name: string;
  id: string;
  title: string;
  type: string;
  state: string;
  is_default: number;
  etag: number;
  created_at: number;
  modified_at: number;
  created_by: string;
}

const COLUMNS = 'tenant_id, org_id, name, id, title, type, state, is_default, etag, created_at, modified_at, created_by';

function toSandbox(r: Row): Sandbox {
  return {
    tenantId: Number(r.tenant_id),
    orgId: r.org_id,
    name: r.name,
    id: r.id,
    title: r.title,
    type: r.type as SandboxType,
    state: 'active',
    isDefault: Number(r.is_default) === 1,
    etag: Number(r.etag),
    createdAt: Number(r.created_at),
    modifiedAt: Number(r.modified_at),
    createdBy: r.created_by,
  };
}

/** A new sandbox's fields; the store assigns `tenantId`. */
export type NewSandbox = Omit<Sandbox, 'tenantId' | 'state' | 'etag'>;

/** Finds a sandbox of an org by name. */
export async function findSandbox(db: SqlExecutor, orgId: string, name: string): Promise<Sandbox | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM sandboxes WHERE org_id = ? AND name = ?`, [orgId, name]);
  return row && toSandbox(row);
}

/** The org's default production sandbox, if it has one yet. */
export async function findDefaultSandbox(db: SqlExecutor, orgId: string): Promise<Sandbox | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM sandboxes WHERE org_id = ? AND is_default = 1`, [orgId]);
  return row && toSandbox(row);
}

/** A page of an org's sandboxes by name, and the total count. */
export async function listSandboxes(
  db: SqlExecutor,
  orgId: string,
  page: { limit: number; offset: number },
): Promise<{ items: Sandbox[]; total: number }> {
  const rows = await db.all<Row>(`SELECT ${COLUMNS} FROM sandboxes WHERE org_id = ? ORDER BY name LIMIT ? OFFSET ?`, [
    orgId,
    page.limit,
    page.offset,
  ]);
  const count = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM sandboxes WHERE org_id = ?', [orgId]);
  return { items: rows.map(toSandbox), total: Number(count?.n ?? 0) };
}

/** Inserts a sandbox unless the org already has one of that name; returns whether it inserted. */
export async function insertSandbox(db: SqlExecutor, s: NewSandbox): Promise<boolean> {
  const result = await db.run(
    `INSERT INTO sandboxes (org_id, name, id, title, type, state, is_default, etag, created_at, modified_at, created_by)
     VALUES (?, ?, ?, ?, ?, 'active', ?, 1, ?, ?, ?) ON CONFLICT (org_id, name) DO NOTHING`,
    [s.orgId, s.name, s.id, s.title, s.type, s.isDefault, s.createdAt, s.modifiedAt, s.createdBy],
  );
  return result.changes === 1;
}

/** Sets a sandbox's title, bumping its etag. */
export async function updateSandboxTitle(db: SqlExecutor, tenantId: number, title: string, now: number): Promise<void> {
  await db.run('UPDATE sandboxes SET title = ?, etag = etag + 1, modified_at = ? WHERE tenant_id = ?', [title, now, tenantId]);
}

/** Sets a sandbox's etag (a reset carries the count on under the sandbox's new tenant key). */
export async function setEtag(db: SqlExecutor, orgId: string, name: string, etag: number): Promise<void> {
  await db.run('UPDATE sandboxes SET etag = ? WHERE org_id = ? AND name = ?', [etag, orgId, name]);
}

/** Removes the sandbox row itself. */
export async function deleteSandboxRow(db: SqlExecutor, tenantId: number): Promise<void> {
  await db.run('DELETE FROM sandboxes WHERE tenant_id = ?', [tenantId]);
}

/** The sandbox with a given tenant key (for inlets, which name no sandbox themselves). */
export async function findSandboxByTenant(db: SqlExecutor, tenantId: number): Promise<Sandbox | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM sandboxes WHERE tenant_id = ?`, [tenantId]);
  return row && toSandbox(row);
}

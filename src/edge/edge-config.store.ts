/** Rows of projection destinations and projection configurations; one converter each, shared by every caller. */
import type { SqlExecutor } from '../store/db.js';
import type { DataCenter, Destination, Projection, ReplicationPolicy } from './edge.js';

interface DestinationRow {
  id: string;
  body: string;
  version: number;
}

interface ProjectionRow {
  id: string;
  name: string | null;
  schema_name: string;
  selector: string;
  destination_id: string;
  merge_policy_id: string | null;
  version: number;
}

interface DestinationBody {
  type: 'EDGE';
  dataCenters: readonly DataCenter[];
  ttl: number;
  replicationPolicy: ReplicationPolicy;
}

const PROJECTION_COLUMNS = 'id, name, schema_name, selector, destination_id, merge_policy_id, version';

function toDestination(r: DestinationRow): Destination {
  const body = JSON.parse(r.body) as DestinationBody;
  return { id: r.id, type: body.type, dataCenters: body.dataCenters, ttl: body.ttl, replicationPolicy: body.replicationPolicy, version: Number(r.version) };
}

function toProjection(r: ProjectionRow): Projection {
  return {
    id: r.id,
    name: r.name ?? undefined,
    schemaName: r.schema_name,
    selector: r.selector,
    destinationId: r.destination_id,
    mergePolicyId: r.merge_policy_id ?? undefined,
    version: Number(r.version),
  };
}

function bodyOf(d: Destination): string {
  return JSON.stringify({ type: d.type, dataCenters: d.dataCenters, ttl: d.ttl, replicationPolicy: d.replicationPolicy } satisfies DestinationBody);
}

/** Every destination of a sandbox, oldest first. */
export async function listDestinations(db: SqlExecutor, tenantId: number): Promise<Destination[]> {
  return (await db.all<DestinationRow>('SELECT id, body, version FROM edge_destinations WHERE tenant_id = ? ORDER BY created_at, id', [tenantId])).map(toDestination);
}

/** One destination. */
export async function findDestination(db: SqlExecutor, tenantId: number, id: string): Promise<Destination | undefined> {
  const row = await db.get<DestinationRow>('SELECT id, body, version FROM edge_destinations WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  return row && toDestination(row);
}

/** Inserts a destination; false when the id is taken. */
export async function insertDestination(tx: SqlExecutor, tenantId: number, d: Destination, now: number): Promise<boolean> {
  const r = await tx.run('INSERT INTO edge_destinations (tenant_id, id, body, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
    tenantId, d.id, bodyOf(d), d.version, now, now,
  ]);
  return r.changes === 1;
}

/** Replaces a destination only if it is still at `from` (optimistic concurrency); false otherwise. */
export async function replaceDestination(tx: SqlExecutor, tenantId: number, d: Destination, from: number, now: number): Promise<boolean> {
  const r = await tx.run('UPDATE edge_destinations SET body = ?, version = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND version = ?', [
    bodyOf(d), d.version, now, tenantId, d.id, from,
  ]);
  return r.changes === 1;
}

/** Deletes a destination; false when there was none. */
export async function deleteDestination(tx: SqlExecutor, tenantId: number, id: string): Promise<boolean> {
  return (await tx.run('DELETE FROM edge_destinations WHERE tenant_id = ? AND id = ?', [tenantId, id])).changes === 1;
}

/** A sandbox's projections, optionally of one schema class and name, oldest first. */
export async function listProjections(db: SqlExecutor, tenantId: number, filter: { schemaName?: string; name?: string; destinationId?: string } = {}): Promise<Projection[]> {
  const where = ['tenant_id = ?'];
  const params: Array<string | number> = [tenantId];
  if (filter.schemaName !== undefined) (where.push('schema_name = ?'), params.push(filter.schemaName));
  if (filter.name !== undefined) (where.push('name = ?'), params.push(filter.name));
  if (filter.destinationId !== undefined) (where.push('destination_id = ?'), params.push(filter.destinationId));
  const rows = await db.all<ProjectionRow>(`SELECT ${PROJECTION_COLUMNS} FROM edge_projections WHERE ${where.join(' AND ')} ORDER BY created_at, id`, params);
  return rows.map(toProjection);
}

/** One projection. */
export async function findProjection(db: SqlExecutor, tenantId: number, id: string): Promise<Projection | undefined> {
  const row = await db.get<ProjectionRow>(`SELECT ${PROJECTION_COLUMNS} FROM edge_projections WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row && toProjection(row);
}

/** Inserts a projection; false when its id, or its name within the schema class, is taken. */
export async function insertProjection(tx: SqlExecutor, tenantId: number, p: Projection, now: number): Promise<boolean> {
  const r = await tx.run(
    `INSERT INTO edge_projections (tenant_id, ${PROJECTION_COLUMNS}, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [tenantId, p.id, p.name ?? null, p.schemaName, p.selector, p.destinationId, p.mergePolicyId ?? null, p.version, now, now],
  );
  return r.changes === 1;
}

/** Replaces a projection only if it is still at `from`; false otherwise. */
export async function replaceProjection(tx: SqlExecutor, tenantId: number, p: Projection, from: number, now: number): Promise<boolean> {
  const r = await tx.run(
    'UPDATE edge_projections SET name = ?, schema_name = ?, selector = ?, destination_id = ?, merge_policy_id = ?, version = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND version = ?',
    [p.name ?? null, p.schemaName, p.selector, p.destinationId, p.mergePolicyId ?? null, p.version, now, tenantId, p.id, from],
  );
  return r.changes === 1;
}

/** Deletes a projection and the hub's copy of its profiles; false when there was none. */
export async function deleteProjection(tx: SqlExecutor, tenantId: number, id: string): Promise<boolean> {
  await tx.run('DELETE FROM edge_docs WHERE tenant_id = ? AND projection_id = ?', [tenantId, id]);
  return (await tx.run('DELETE FROM edge_projections WHERE tenant_id = ? AND id = ?', [tenantId, id])).changes === 1;
}

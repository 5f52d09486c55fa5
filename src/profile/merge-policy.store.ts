/** Merge policy rows. */
import type { SqlExecutor } from '../store/db.js';
import type { MergePolicy } from './merge-policy.js';

interface Row {
  tenant_id: number;
  id: string;
  name: string;
  class_name: string;
  identity_graph: string;
  attribute_merge: string;
  dataset_order: string;
  is_default: number;
  is_active_on_edge: number;
  version: number;
  update_epoch: number;
}

const COLUMNS = 'tenant_id, id, name, class_name, identity_graph, attribute_merge, dataset_order, is_default, is_active_on_edge, version, update_epoch';

function toPolicy(r: Row): MergePolicy {
  return {
    tenantId: Number(r.tenant_id),
    id: r.id,
    name: r.name,
    className: r.class_name,
    identityGraph: r.identity_graph as MergePolicy['identityGraph'],
    attributeMerge: r.attribute_merge as MergePolicy['attributeMerge'],
    order: JSON.parse(r.dataset_order) as string[],
    isDefault: Number(r.is_default) === 1,
    isActiveOnEdge: Number(r.is_active_on_edge) === 1,
    version: Number(r.version),
    updateEpoch: Number(r.update_epoch),
  };
}

/** One policy of a sandbox. */
export async function findPolicy(db: SqlExecutor, tenantId: number, id: string): Promise<MergePolicy | undefined> {
  const row = await db.get<Row>(`SELECT ${COLUMNS} FROM merge_policies WHERE tenant_id = ? AND id = ?`, [tenantId, id]);
  return row && toPolicy(row);
}

/** Every policy of a sandbox (at most a handful: the guardrail is 5 per org). */
export async function listPolicies(db: SqlExecutor, tenantId: number): Promise<MergePolicy[]> {
  return (await db.all<Row>(`SELECT ${COLUMNS} FROM merge_policies WHERE tenant_id = ? ORDER BY name, id`, [tenantId])).map(toPolicy);
}

/** Policies of every sandbox of an org (for the per-org guardrails). */
export async function listOrgPolicies(db: SqlExecutor, orgId: string): Promise<MergePolicy[]> {
  return (await db.all<Row>(`SELECT ${COLUMNS} FROM merge_policies WHERE tenant_id IN (SELECT tenant_id FROM sandboxes WHERE org_id = ?)`, [orgId])).map(toPolicy);
}

/** Inserts or rewrites a policy. */
export async function savePolicy(db: SqlExecutor, p: MergePolicy, createdAt: number): Promise<void> {
  await db.run(
    `INSERT INTO merge_policies (${COLUMNS}, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, class_name = excluded.class_name, identity_graph = excluded.identity_graph,
       attribute_merge = excluded.attribute_merge, dataset_order = excluded.dataset_order, is_default = excluded.is_default,
       is_active_on_edge = excluded.is_active_on_edge, version = excluded.version, update_epoch = excluded.update_epoch`,
    [p.tenantId, p.id, p.name, p.className, p.identityGraph, p.attributeMerge, JSON.stringify(p.order), p.isDefault, p.isActiveOnEdge, p.version, p.updateEpoch, createdAt],
  );
}

/** Clears the default flag of the other policies of a class (one default per class), bumping their versions. */
export async function clearDefault(db: SqlExecutor, tenantId: number, className: string, except: string, epoch: number): Promise<void> {
  await db.run('UPDATE merge_policies SET is_default = 0, version = version + 1, update_epoch = ? WHERE tenant_id = ? AND class_name = ? AND is_default = 1 AND id <> ?', [
    epoch, tenantId, className, except,
  ]);
}

/** Deletes a policy; returns whether it existed. */
export async function deletePolicy(db: SqlExecutor, tenantId: number, id: string): Promise<boolean> {
  return (await db.run('DELETE FROM merge_policies WHERE tenant_id = ? AND id = ?', [tenantId, id])).changes === 1;
}

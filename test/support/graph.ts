/** Identity graph fixtures written straight into the graph tables, for tests that need many clusters quickly. */
import type { TestApp } from './app.js';

/** Writes clusters straight into the graph tables: `members` identities each, star links from `batches` batches. */
export async function seedGraph(t: TestApp, tenantId: number, prefix: string, clusters: number, members: number, batches: number): Promise<void> {
  await t.store.db.transaction(async (tx) => {
    for (let c = 0; c < clusters; c++) {
      const ids = Array.from({ length: members }, (_, m) => [tenantId, m === 0 ? 'CRMID' : 'Email', `${prefix}${c}-${m}`, `${prefix}${c}`, 1, 2, c * members + m + 1]);
      await tx.run(`INSERT INTO identities (tenant_id, ns, id, cluster_id, first_seen, last_seen, seq) VALUES ${ids.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`, ids.flat());
      const links = [];
      for (let m = 1; m < members; m++) for (let b = 0; b < batches; b++) links.push([tenantId, 'CRMID', `${prefix}${c}-0`, 'Email', `${prefix}${c}-${m}`, 'ds', `batch-${b}`, 1, 2]);
      await tx.run(`INSERT INTO identity_links (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id, first_at, last_at) VALUES ${links.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, links.flat());
    }
  });
}

import { openSqlite } from './src/store/sqlite/sqlite-db.ts';
const db = openSqlite('/tmp/qp/x.db');
await db.migrate();
const raw = (db as any).writer.raw;
const qs = [
 "SELECT ns, id, seq, first_seen, last_seen FROM identities WHERE tenant_id = ? AND cluster_id = ? ORDER BY seq",
 `SELECT l.a_ns FROM identity_links l WHERE l.tenant_id = ? AND (l.a_ns, l.a_id) IN (SELECT ns, id FROM identities WHERE tenant_id = ? AND cluster_id = ?)`,
 `SELECT a_ns FROM identity_links WHERE tenant_id = ? AND ((a_ns = ? AND a_id = ?) OR (b_ns = ? AND b_id = ?)) ORDER BY first_at`,
 `DELETE FROM identity_links WHERE tenant_id = ? AND dataset_id = ?`,
 `SELECT DISTINCT i.cluster_id FROM identity_links l JOIN identities i ON i.tenant_id = l.tenant_id AND i.ns = l.a_ns AND i.id = l.a_id WHERE l.tenant_id = ? AND l.dataset_id = ?`,
 'DELETE FROM record_identities WHERE tenant_id = ? AND dataset_id = ? AND primary_ns = ? AND primary_id = ?',
];
for (const q of qs) { const n = (q.match(/\?/g) ?? []).length; console.log(q.slice(0, 90), '\n   ', raw.prepare('EXPLAIN QUERY PLAN ' + q).all(...Array(n).fill(1)).map((r: any) => r.detail).join(' | ')); }
const all = raw.prepare("SELECT sql FROM sqlite_master WHERE sql LIKE '%record_identities%' OR sql LIKE '%identity_links%'").all();

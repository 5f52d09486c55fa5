/**
 * The preview sample: one pass over every person of a sandbox (identity clusters, then fragments outside the graph)
 * that counts profiles by dataset, by namespace, by their combinations, and the unknown (unstitched, inactive) ones.
 */
import type { SqlExecutor } from '../../store/db.js';
import { chunks } from '../../shared/chunks.js';
import { type IdentityKey, clusterPage } from '../../identity/graph.store.js';
import { fragmentsOf, fragmentsOfClusters } from '../../profile/profile.store.js';

/** The inactivity windows of the unknown-profiles report, in days. */
export const UNKNOWN_WINDOWS = [7, 30, 60, 90, 120] as const;

/** One person as the sample sees them. */
interface Person {
  readonly members: readonly IdentityKey[];
  readonly datasets: Set<string>;
  lastActive: number;
  events: number;
}

/** What a sample counted: the raw figures the reports are presented from. */
export interface SampleCounts {
  totalRows: number;
  totalEvents: number;
  byDataset: Record<string, number>;
  byNamespace: Record<string, number>;
  datasetOverlap: Record<string, number>;
  namespaceOverlap: Record<string, number>;
  /** By window (days): unstitched people inactive that long, their events, and both by namespace. */
  unknown: Record<string, { countOfProfiles: number; eventsAssociated: number; nsDistribution: Record<string, { countOfProfiles: number; eventsAssociated: number }> }>;
}

const PAGE = 1_000;

/** Adds the events of a page of people: how many each member has, and when the last was ingested. */
async function addEvents(db: SqlExecutor, tenantId: number, people: readonly Person[]): Promise<void> {
  const owner = new Map<string, Person>();
  for (const p of people) for (const m of p.members) owner.set(`${m.ns}\u0000${m.id}`, p);
  for (const slice of chunks([...owner.keys()], 300)) {
    const values = slice.map(() => '(?, ?)').join(', ');
    const rows = await db.values<[string, string, number, number]>(
      `SELECT primary_ns, primary_id, COUNT(*), MAX(ingested_at) FROM events WHERE tenant_id = ? AND (primary_ns, primary_id) IN (VALUES ${values}) GROUP BY primary_ns, primary_id`,
      [tenantId, ...slice.flatMap((k) => k.split('\u0000'))],
    );
    for (const [ns, id, n, last] of rows) {
      const p = owner.get(`${ns}\u0000${id}`)!;
      p.events += Number(n);
      p.lastActive = Math.max(p.lastActive, Number(last));
    }
    // Which event datasets each person has: one more grouped read, by dataset.
    const sets = await db.values<[string, string, string]>(
      `SELECT DISTINCT primary_ns, primary_id, dataset_id FROM events WHERE tenant_id = ? AND (primary_ns, primary_id) IN (VALUES ${values})`,
      [tenantId, ...slice.flatMap((k) => k.split('\u0000'))],
    );
    for (const [ns, id, dataset] of sets) owner.get(`${ns}\u0000${id}`)!.datasets.add(dataset);
  }
}

/** Folds one person into the counts (people with neither fragments nor events are not profiles). */
function count(c: SampleCounts, p: Person, now: number): void {
  if (p.datasets.size === 0) return;
  c.totalRows++;
  const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  for (const d of p.datasets) bump(c.byDataset, d);
  const namespaces = [...new Set(p.members.map((m) => m.ns))].sort();
  for (const ns of namespaces) bump(c.byNamespace, ns);
  bump(c.datasetOverlap, [...p.datasets].sort().join(','));
  bump(c.namespaceOverlap, namespaces.join(','));
  if (p.members.length !== 1) return;
  const ns = p.members[0]!.ns;
  for (const days of UNKNOWN_WINDOWS) {
    if (now - p.lastActive < days * 86_400_000) continue;
    const w = c.unknown[`${days}days`]!;
    w.countOfProfiles++;
    w.eventsAssociated += p.events;
    const d = (w.nsDistribution[ns] ??= { countOfProfiles: 0, eventsAssociated: 0 });
    d.countOfProfiles++;
    d.eventsAssociated += p.events;
  }
}

/** Counts every person of the sandbox. */
export async function samplePeople(db: SqlExecutor, tenantId: number, now: number): Promise<SampleCounts> {
  const c: SampleCounts = { totalRows: 0, totalEvents: 0, byDataset: {}, byNamespace: {}, datasetOverlap: {}, namespaceOverlap: {}, unknown: {} };
  for (const days of UNKNOWN_WINDOWS) c.unknown[`${days}days`] = { countOfProfiles: 0, eventsAssociated: 0, nsDistribution: {} };
  for (let after = ''; ; ) {
    const clusters = await clusterPage(db, tenantId, after, PAGE);
    const found = await fragmentsOfClusters(db, tenantId, clusters, false);
    const people: Person[] = [...found.values()].map((f) => ({
      members: f.members,
      datasets: new Set(f.fragments.map((r) => r.dataset_id)),
      lastActive: Math.max(0, ...f.fragments.map((r) => Number(r.ingested_at))),
      events: 0,
    }));
    await addEvents(db, tenantId, people);
    for (const p of people) count(c, p, now);
    if (clusters.length < PAGE) break;
    after = clusters.at(-1)!;
  }
  // Fragments of identities the graph has not seen (a dataset not enabled for Identity): each is a person of its own.
  for (let after: [string, string] = ['', '']; ; ) {
    const keys = (
      await db.values<[string, string]>(
        `SELECT DISTINCT f.primary_ns, f.primary_id FROM fragments f
         WHERE f.tenant_id = ? AND (f.primary_ns, f.primary_id) > (?, ?)
           AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.tenant_id = f.tenant_id AND i.ns = f.primary_ns AND i.id = f.primary_id)
         ORDER BY f.primary_ns, f.primary_id LIMIT ?`,
        [tenantId, after[0], after[1], PAGE],
      )
    ).map(([ns, id]) => ({ ns, id }));
    const byKey = new Map<string, Person>(keys.map((k) => [`${k.ns}\u0000${k.id}`, { members: [k], datasets: new Set<string>(), lastActive: 0, events: 0 }]));
    for (const slice of chunks(keys, 200)) {
      for (const r of await fragmentsOf(db, tenantId, { keys: slice })) {
        const p = byKey.get(`${r.primary_ns}\u0000${r.primary_id}`)!;
        p.datasets.add(r.dataset_id);
        p.lastActive = Math.max(p.lastActive, Number(r.ingested_at));
      }
    }
    await addEvents(db, tenantId, [...byKey.values()]);
    for (const p of byKey.values()) count(c, p, now);
    if (keys.length < PAGE) break;
    const last = keys.at(-1)!;
    after = [last.ns, last.id];
  }
  c.totalEvents = Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM events WHERE tenant_id = ?', [tenantId]))?.n ?? 0);
  return c;
}

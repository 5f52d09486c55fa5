/**
 * Every unified profile of a sandbox under a merge policy, a page at a time in a resumable key order: a person's
 * materialized row where it is current, else a merge of their fragments, the same profile the entities API answers.
 */
import type { SqlExecutor } from '../../store/db.js';
import { chunks } from '../../shared/chunks.js';
import { type IdentityKey, clusterPage as graphClusterPage } from '../../identity/graph.store.js';
import type { EffectivePolicy } from '../../profile/merge-policy.service.js';
import { type FragmentRow, fragmentsOf, fragmentsOfClusters, hasEvents } from '../../profile/profile.store.js';
import { identityViewKey, viewKeyIdentity } from '../../profile/profile-view.store.js';
import { identitiesOf, mergeRows, viewEntityText } from '../../profile/unified.js';

/** Where a scan is: clusters by id (pdg), then fragments outside the graph; or identities with fragments (none). */
export interface ScanCursor {
  readonly phase: 'clusters' | 'loose' | 'identities' | 'done';
  readonly after: readonly string[];
}

/**
 * One exported person: the entity as the entities API answers it, who they are (their members, or the graph cluster
 * that holds them when the entity came from a materialized row, whose member list has lower-cased namespaces), and
 * when it last changed.
 */
export interface ScannedProfile {
  /** The person's view key under the policy: their cluster (pdg), or their identity's key (none, or outside the graph). */
  readonly key: string;
  readonly entity: Record<string, unknown>;
  readonly members: readonly IdentityKey[] | { readonly cluster: string };
  readonly lastModifiedAt: number;
  /** The datasets the profile was merged from, as the entities API lists them. */
  readonly sources: readonly string[];
}

/** What the scan keeps: with `emptyProfiles`, people with events but no profile fragment too. */
export interface ScanOptions {
  readonly emptyProfiles: boolean;
}

/** The first cursor of a scan under `policy`. */
export function scanStart(policy: EffectivePolicy): ScanCursor {
  return { phase: policy.identityGraph === 'pdg' ? 'clusters' : 'identities', after: [''] };
}

type ViewCells = [string, number, string, string, number, string];

/** The policy's current materialized rows among `keys`, by view key (none when the policy is not materialized). */
async function currentViews(db: SqlExecutor, tenantId: number, policy: EffectivePolicy, keys: readonly string[]): Promise<Map<string, ScannedProfile>> {
  const out = new Map<string, ScannedProfile>();
  if (!policy.materialized) return out;
  for (const slice of chunks(keys, 300)) {
    const rows = await db.values<ViewCells>(
      `SELECT view_key, version, entity, identities, modified_at, sources FROM profile_views WHERE tenant_id = ? AND policy_id = ? AND view_key IN (${slice.map(() => '?').join(', ')})`,
      [tenantId, policy.id, ...slice],
    );
    for (const [key, version, entity, identities, modifiedAt, sources] of rows) {
      if (Number(version) !== policy.version) continue;
      const parsed = JSON.parse(viewEntityText(entity, identities)) as Record<string, unknown>;
      out.set(key, { key, entity: parsed, members: policy.identityGraph === 'pdg' ? { cluster: key } : [viewKeyIdentity(key)], lastModifiedAt: Number(modifiedAt), sources: JSON.parse(sources) as string[] });
    }
  }
  return out;
}

/** A person merged at read time, as the entities API merges one. */
function merged(policy: EffectivePolicy, rows: readonly FragmentRow[], members: readonly IdentityKey[], key: string): ScannedProfile {
  const m = mergeRows(policy, rows);
  return { key, entity: { ...m.entity, identities: identitiesOf(members, m.primaries) }, members, lastModifiedAt: m.lastModifiedAt, sources: m.sources };
}

/** The next page of up to `limit` people after `cursor`, and the cursor after them. */
export async function scanPage(db: SqlExecutor, tenantId: number, policy: EffectivePolicy, cursor: ScanCursor, limit: number, options: ScanOptions): Promise<{ profiles: ScannedProfile[]; next: ScanCursor }> {
  if (cursor.phase === 'clusters') return clusterPage(db, tenantId, policy, cursor, limit, options);
  if (cursor.phase === 'done') return { profiles: [], next: cursor };
  return identityPage(db, tenantId, policy, cursor, limit);
}

/** People of the identity graph, a page of cluster ids at a time. */
async function clusterPage(db: SqlExecutor, tenantId: number, policy: EffectivePolicy, cursor: ScanCursor, limit: number, options: ScanOptions) {
  const clusters = await graphClusterPage(db, tenantId, cursor.after[0]!, limit);
  const views = await currentViews(db, tenantId, policy, clusters);
  const missing = clusters.filter((c) => !views.has(c));
  const people = missing.length === 0 ? new Map() : await fragmentsOfClusters(db, tenantId, missing, true);
  const profiles: ScannedProfile[] = [];
  for (const cluster of clusters) {
    const view = views.get(cluster);
    if (view) {
      profiles.push(view);
      continue;
    }
    const person = people.get(cluster);
    if (!person) continue;
    if (person.fragments.length > 0) profiles.push(merged(policy, person.fragments, person.members, cluster));
    else if (options.emptyProfiles && (await hasEvents(db, tenantId, { keys: person.members }))) profiles.push(merged(policy, [], person.members, cluster));
  }
  const next: ScanCursor = clusters.length < limit ? { phase: 'loose', after: ['', ''] } : { phase: 'clusters', after: [clusters.at(-1)!] };
  return { profiles, next };
}

/**
 * People by a fragment's primary identity: under `none` every identity with fragments is a person; under `pdg` only
 * those the graph has not seen (a dataset not enabled for Identity), which a lookup answers from their own fragments.
 */
async function identityPage(db: SqlExecutor, tenantId: number, policy: EffectivePolicy, cursor: ScanCursor, limit: number) {
  const outsideGraph = cursor.phase === 'loose' ? ' AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.tenant_id = f.tenant_id AND i.ns = f.primary_ns AND i.id = f.primary_id)' : '';
  const keys = (
    await db.values<[string, string]>(
      `SELECT DISTINCT f.primary_ns, f.primary_id FROM fragments f WHERE f.tenant_id = ? AND (f.primary_ns, f.primary_id) > (?, ?)${outsideGraph}
       ORDER BY f.primary_ns, f.primary_id LIMIT ?`,
      [tenantId, cursor.after[0] ?? '', cursor.after[1] ?? '', limit],
    )
  ).map(([ns, id]) => ({ ns, id }));
  const views = policy.identityGraph === 'none' ? await currentViews(db, tenantId, policy, keys.map(identityViewKey)) : new Map<string, ScannedProfile>();
  const missing = keys.filter((k) => !views.has(identityViewKey(k)));
  const rows = new Map<string, FragmentRow[]>();
  for (const slice of chunks(missing, 200)) {
    for (const row of await fragmentsOf(db, tenantId, { keys: slice })) {
      const key = identityViewKey({ ns: row.primary_ns, id: row.primary_id });
      rows.set(key, [...(rows.get(key) ?? []), row]);
    }
  }
  const profiles = keys.map((k) => views.get(identityViewKey(k)) ?? merged(policy, rows.get(identityViewKey(k)) ?? [], [k], identityViewKey(k)));
  const last = keys.at(-1);
  const next: ScanCursor = keys.length < limit ? { phase: 'done', after: [] } : { phase: cursor.phase, after: [last!.ns, last!.id] };
  return { profiles, next };
}

/**
 * The profiles of people named by their view keys under `policy` (clusters, or identities' keys), as a scan reads
 * them; a key whose person has no fragment is answered with an empty profile, since their events may still count.
 */
export async function profilesByKey(db: SqlExecutor, tenantId: number, policy: EffectivePolicy, keys: readonly string[]): Promise<Map<string, ScannedProfile>> {
  const out = await currentViews(db, tenantId, policy, keys);
  const missing = keys.filter((k) => !out.has(k));
  const clusters = missing.filter((k) => !k.startsWith('i'));
  const people = clusters.length === 0 ? new Map() : await fragmentsOfClusters(db, tenantId, clusters, true);
  for (const cluster of clusters) {
    const person = people.get(cluster);
    if (person) out.set(cluster, merged(policy, person.fragments, person.members, cluster));
  }
  const identities = missing.filter((k) => k.startsWith('i')).map(viewKeyIdentity);
  for (const slice of chunks(identities, 200)) {
    const rows = new Map<string, FragmentRow[]>();
    for (const row of await fragmentsOf(db, tenantId, { keys: slice })) {
      const key = identityViewKey({ ns: row.primary_ns, id: row.primary_id });
      rows.set(key, [...(rows.get(key) ?? []), row]);
    }
    for (const k of slice) out.set(identityViewKey(k), merged(policy, rows.get(identityViewKey(k)) ?? [], [k], identityViewKey(k)));
  }
  return out;
}

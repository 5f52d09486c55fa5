/** The unified profile of one person, merged from fragment rows: shared by read-time lookups and materialized views. */
import { type Fragment, mergeFragments } from '../merge/index.js';
import type { IdentityKey } from '../identity/graph.store.js';
import type { EffectivePolicy } from './merge-policy.service.js';
import type { FragmentRow } from './profile.store.js';
import { type ViewRow, fragmentKey } from './profile-view.store.js';
import { createHash } from 'node:crypto';

/** The merge of a person's fragments, before the member list is added. */
export interface MergedPerson {
  readonly sources: string[];
  readonly entity: Record<string, unknown>;
  /** Epoch ms. */
  readonly lastModifiedAt: number;
  /** `ns\0id` keys the merged identityMap marks primary. */
  readonly primaries: ReadonlySet<string>;
}

/** Merges fragment rows under a policy. */
export function mergeRows(policy: EffectivePolicy, rows: readonly FragmentRow[]): MergedPerson {
  const fragments: Fragment[] = rows.map((r) => ({
    datasetId: r.dataset_id,
    fragmentId: `${r.dataset_id}:${r.primary_ns}:${r.primary_id}`,
    primaryIdentity: { namespace: r.primary_ns, id: r.primary_id },
    data: JSON.parse(r.data) as Record<string, unknown>,
    ingestedAt: Number(r.ingested_at),
  }));
  const merged = mergeFragments(policy.plan, fragments);
  return { sources: merged.sources, entity: merged.entity, lastModifiedAt: merged.lastModifiedAt, primaries: primaryIdentities(merged.entity.identityMap) };
}

/** The `identities` list of a profile: every member, lower-case namespace codes, `primary` where the identityMap says. */
export function identitiesOf(members: readonly IdentityKey[], primaries: ReadonlySet<string>): Array<Record<string, unknown>> {
  return members.map((m) => ({ id: m.id, namespace: { code: m.ns.toLowerCase() }, ...(primaries.has(`${m.ns.toLowerCase()}\u0000${m.id}`) ? { primary: true } : {}) }));
}

/**
 * A person's merge as a view row, with its member list; undefined when it cannot be one: no fragments (an events-only
 * person is answered by the read-time path), or an entity with its own `identities` field, which the member list
 * would replace in place.
 */
export function viewRowOf(policy: EffectivePolicy, key: string, rows: readonly FragmentRow[], members: readonly IdentityKey[]): ViewRow | undefined {
  if (rows.length === 0) return undefined;
  const merged = mergeRows(policy, rows);
  if (Object.hasOwn(merged.entity, 'identities')) return undefined;
  return {
    policyId: policy.id,
    key,
    version: policy.version,
    entity: JSON.stringify(merged.entity),
    sources: JSON.stringify(merged.sources),
    primaries: JSON.stringify([...merged.primaries]),
    modifiedAt: merged.lastModifiedAt,
    identities: JSON.stringify(identitiesOf(members, merged.primaries)),
    memberCount: members.length,
    fragments: fingerprint(rows.map((r) => fragmentKey(r.dataset_id, r.primary_ns, r.primary_id))),
  };
}

/** A short digest of a set of fragment keys (order does not matter). */
export function fingerprint(keys: readonly string[]): string {
  return createHash('sha1').update([...keys].sort().join('\n')).digest('base64');
}

/** The entity of a view row with its member list, as JSON text equal to `JSON.stringify({ ...entity, identities })`. */
export function viewEntityText(entity: string, identities: string): string {
  return `${entity.slice(0, -1)}${entity === '{}' ? '' : ','}"identities":${identities}}`;
}

function primaryIdentities(identityMap: unknown): Set<string> {
  const out = new Set<string>();
  if (typeof identityMap !== 'object' || identityMap === null) return out;
  for (const [ns, items] of Object.entries(identityMap)) {
    if (!Array.isArray(items)) continue;
    for (const item of items) if (item && item.primary === true && typeof item.id === 'string') out.add(`${ns.toLowerCase()}\u0000${item.id}`);
  }
  return out;
}

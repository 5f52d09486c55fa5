/** What a change-feed entry says: which tenant, what kind of change, and the clusters or resources it touched. */

/** Every kind of change the write paths record; consumers switch on these. */
export const CHANGE_KINDS = [
  /** Profile fragments of these clusters were written. */
  'fragments',
  /** Events of these clusters were appended. */
  'events',
  /** Identities joined these clusters without merging two people. */
  'members',
  /** Two or more clusters became one: `clusters[0]` survives, the rest are gone. */
  'merge',
  /** A cluster fell apart into `clusters` (a dataset or batch delete removed the links that held it together). */
  'split',
  /** Identities were evicted from these clusters (graph guardrail). */
  'evict',
  /** A person's fragments and events were deleted through the entities API. */
  'entity-delete',
  /** A dataset and everything it held left the Profile store. */
  'dataset-delete',
  /** A batch and everything it held left the Profile store. */
  'batch-delete',
  /** Every row of the sandbox was removed. */
  'sandbox-reset',
  /** A merge policy was created, changed or deleted. */
  'policy',
  /** People entered or exited segments: `people` are their view keys under the definitions' merge policies. */
  'membership',
  /** People's computed attribute values were written: `people` are their graph clusters. */
  'computed',
] as const;

/** One of CHANGE_KINDS. */
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/**
 * Whether an entry says records (fragments, events, links) changed, rather than a policy, identities joining without a
 * merge, or state derived downstream (segment membership, computed values) that consumers of records do not redo.
 */
export function recordsChanged(c: Pick<ChangeInput, 'kind'>): boolean {
  return c.kind !== 'policy' && c.kind !== 'members' && c.kind !== 'membership' && c.kind !== 'computed';
}

/** An identity as entries name it: its namespace code and value. */
export interface IdentityRef {
  readonly ns: string;
  readonly id: string;
}

/**
 * What an entry names; which members are present depends on the kind. Fragment and event writes name the records'
 * primary identities (a consumer resolves their current cluster, which later merges may have changed); graph changes
 * name clusters.
 */
export interface ChangeBody {
  readonly identities?: readonly IdentityRef[];
  readonly clusters?: readonly string[];
  readonly datasetId?: string;
  readonly batchId?: string;
  /** An `events` entry: the events the write newly stored (replays left out), event ids by dataset. */
  readonly eventIds?: Readonly<Record<string, readonly string[]>>;
  readonly policyId?: string;
  /** A `policy` entry that continues rebuilding the policy's views after this key ('' from the start). */
  readonly after?: string;
  /** A `membership` entry: the view keys (graph clusters, or identities' keys) of people whose membership moved; a `computed` entry: the clusters whose values were written. */
  readonly people?: readonly string[];
  /** A delete entry whose people lost events only, no profile fragment (their merged profiles are unchanged). */
  readonly eventsOnly?: boolean;
  /** The change touched more people than an entry names (a very large dataset's delete): treat everyone as touched. */
  readonly everyone?: boolean;
}

/** A change to record, inside the transaction that made it. */
export interface ChangeInput extends ChangeBody {
  readonly tenantId: number;
  readonly kind: ChangeKind;
}

/** A recorded change as a consumer reads it; (xid, seq) is its place in the feed. */
export interface Change extends ChangeInput {
  readonly seq: number;
  readonly xid: number;
  readonly at: number;
}

/** A consumer's place in the feed: everything at or before it has been applied. */
export interface FeedPosition {
  readonly xid: number;
  readonly seq: number;
}

/** Entries grouped by sandbox, the sandboxes in ascending order (so two consumers never wait on each other's locks). */
export function byTenant(changes: readonly Change[]): Array<[number, Change[]]> {
  const groups = new Map<number, Change[]>();
  for (const c of changes) {
    const list = groups.get(c.tenantId);
    if (list) list.push(c);
    else groups.set(c.tenantId, [c]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b);
}

/** Who a page of a sandbox's entries touched, as consumers of people's derived state need it. */
export interface Touched {
  /** Clusters to evaluate whole: merge survivors, the parts of a split, clusters that lost evicted members. */
  readonly whole: Set<string>;
  /** Clusters merged into another: nobody now. */
  readonly gone: Set<string>;
  /** Identities named by the entries `names` picked, keyed `ns \0 id`. */
  readonly named: Map<string, IdentityRef>;
  /** Some entry touched more people than it names. */
  readonly everyone: boolean;
}

/** Sorts a page's entries into who they touched; `names` says which entries' identities count. */
export function touchedBy(changes: readonly Change[], names: (c: Change) => boolean): Touched {
  const whole = new Set<string>();
  const gone = new Set<string>();
  const named = new Map<string, IdentityRef>();
  let everyone = false;
  for (const c of changes) {
    if (c.everyone === true) everyone = true;
    if (c.kind === 'merge') {
      whole.add(c.clusters![0]!);
      for (const id of c.clusters!.slice(1)) gone.add(id);
    } else if (c.kind === 'split' || c.kind === 'evict') for (const id of c.clusters ?? []) whole.add(id);
    else if (names(c)) for (const k of c.identities ?? []) named.set(`${k.ns}\u0000${k.id}`, k);
  }
  // A cluster merged away has no one left to evaluate; the survivor is evaluated whole.
  for (const id of gone) whole.delete(id);
  return { whole, gone, named, everyone };
}

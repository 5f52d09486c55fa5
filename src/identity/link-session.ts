/**
 * The working state of one linking call: identities added in bulk, clusters and members remembered, links written
 * in bulk. It turns ~a dozen statements per record into a few per chunk, which matters most on PostgreSQL.
 */
import { type SqlExecutor, rowsStatement } from '../store/db.js';
import * as g from './graph.store.js';
import { type IdentityKey, type Member, keyOf } from './graph.store.js';
import type { ChangeInput } from '../changefeed/change.js';


/**
 * An identity's `last_seen` and a link's `last_at` are rewritten only when older than this: an hour is fine enough
 * for "last associated", and it spares a row write for nearly every returning visitor's every event.
 */
export const LAST_SEEN_GRANULARITY_MS = 3_600_000;

// A link seen again within the hour is left alone, as an identity's last_seen is.
const UPSERT_LINKS = rowsStatement(
  `INSERT INTO identity_links (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id, first_at, last_at) @rows
   ON CONFLICT (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id) DO UPDATE SET last_at = excluded.last_at
   WHERE identity_links.last_at < excluded.last_at - ${LAST_SEEN_GRANULARITY_MS}`,
  ['bigint', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint', 'bigint'],
);
const READ_IDENTITIES = rowsStatement('SELECT ns, id, cluster_id, seq, first_seen, last_seen FROM identities WHERE tenant_id = ? AND (ns, id) IN (@rows)', ['text', 'text']);

/**
 * One call's view of the graph. Identities are added at once; merges and links are kept in memory and written by
 * `flush`, so a stream that merges once per new person costs one statement per chunk rather than one per merge.
 */
export class LinkSession {
  private readonly cluster = new Map<string, string>();
  private readonly known = new Map<string, Member[]>();
  private readonly pending = new Map<string, [IdentityKey, IdentityKey, string, string]>();
  /** Identities whose cluster changed since the last flush. */
  private readonly moved = new Map<string, Member>();
  /** Identities new to the graph, not yet inserted (flush inserts them with their cluster of that moment). */
  private readonly unwritten = new Map<string, Member>();
  /** Stored identities whose `last_seen` is due a refresh, with their row as read. */
  private readonly seen = new Map<string, Member & { readonly cluster: string }>();
  /** The change-feed entries of the call (merges, evictions, splits), appended by the caller in its transaction. */
  readonly changes: ChangeInput[] = [];
  /**
   * Clusters this call created that hold only identities new in this call: nothing outside the transaction has seen
   * them, so merging two of them is no change anyone needs to hear about (a new person's identities arriving together).
   */
  readonly created = new Set<string>();

  constructor(
    private readonly tx: SqlExecutor,
    private readonly tenantId: number,
    private readonly now: number,
  ) {}

  /**
   * Reads every identity's row in one statement per ROWS. An identity the graph has not seen becomes a cluster of one
   * in memory only: `flush` inserts it once, already in the cluster its links put it in, so a new person's identities
   * cost one insert each and no move. Order gives the FIFO sequence.
   */
  async ensureAll(keys: readonly IdentityKey[]): Promise<void> {
    const unique = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
    const stale = this.now - LAST_SEEN_GRANULARITY_MS;
    const rows = await this.tx.valuesRows<[string, string, string, number, number, number]>(READ_IDENTITIES, [this.tenantId], unique.map((k) => [k.ns, k.id]));
    for (const [ns, id, cluster, seq, firstSeen, lastSeen] of rows) {
      const k = keyOf({ ns, id });
      this.cluster.set(k, cluster);
      // Seen within the hour: the row is left alone, which spares a write for nearly every returning visitor.
      if (Number(lastSeen) < stale) this.seen.set(k, { ns, id, seq: Number(seq), firstSeen: Number(firstSeen), lastSeen: this.now, cluster });
    }
    for (const k of unique) {
      const key = keyOf(k);
      if (this.cluster.has(key)) continue;
      const cluster = g.newClusterId(this.now);
      const member: Member = { ns: k.ns, id: k.id, seq: g.arrivalSeq(this.now), firstSeen: this.now, lastSeen: this.now };
      this.cluster.set(key, cluster);
      this.known.set(cluster, [member]);
      this.created.add(cluster);
      this.unwritten.set(key, member);
    }
  }

  /** The identity's cluster (adding the identity if an eviction earlier in the call removed it). */
  async clusterOf(key: IdentityKey): Promise<string> {
    const hit = this.cluster.get(keyOf(key));
    if (hit !== undefined) return hit;
    const c = await g.ensureIdentity(this.tx, this.tenantId, key, this.now);
    this.cluster.set(keyOf(key), c);
    return c;
  }

  /** A cluster's members, read once per call. */
  async members(cluster: string): Promise<Member[]> {
    let hit = this.known.get(cluster);
    if (!hit) {
      hit = await g.members(this.tx, this.tenantId, cluster);
      this.known.set(cluster, hit);
    }
    return hit;
  }

  /** Merges cluster `drop` into `keep` (written by `flush`); both member lists were read through `members`. */
  merge(keep: string, drop: string): Member[] {
    // The session holds every member of both, so the merge needs no read and every moved identity is known here.
    const moving = this.known.get(drop)!;
    const all = [...this.known.get(keep)!, ...moving];
    for (const m of moving) {
      const k = keyOf(m);
      this.cluster.set(k, keep);
      if (!this.unwritten.has(k)) this.moved.set(k, m);
    }
    this.known.delete(drop);
    this.known.set(keep, all);
    return all;
  }

  /** Forgets what the call knew of a cluster an eviction reshaped; later reads go to the database. */
  forget(cluster: string): void {
    this.known.delete(cluster);
    for (const [k, c] of this.cluster) if (c === cluster) this.cluster.delete(k);
  }

  /** Queues a link; links are written by `flush`. */
  link(a: IdentityKey, b: IdentityKey, datasetId: string, batchId: string): void {
    const [x, y] = g.ordered(a, b);
    this.pending.set(`${keyOf(x)}\u0000${keyOf(y)}\u0000${datasetId}\u0000${batchId}`, [x, y, datasetId, batchId]);
  }

  /** Writes the new identities, the merges, refreshed `last_seen`s and queued links: one statement each. */
  async flush(): Promise<void> {
    const fresh = [...this.unwritten].map(([k, m]) => [m, this.cluster.get(k)!] as const);
    this.unwritten.clear();
    await g.insertIdentities(this.tx, this.tenantId, fresh);
    const moves = [...this.moved].map(([k, key]) => [key, this.cluster.get(k)!] as const);
    this.moved.clear();
    await g.moveTo(this.tx, this.tenantId, moves);
    const touched = [...this.seen.values()];
    this.seen.clear();
    await g.touch(this.tx, this.tenantId, touched.map((m) => [m, m.cluster] as const));
    const links = [...this.pending.values()];
    this.pending.clear();
    await this.tx.runRows(UPSERT_LINKS, [], links.map(([a, b, d, bt]) => [this.tenantId, a.ns, a.id, b.ns, b.id, d, bt, this.now, this.now]));
  }
}

/**
 * The working state of one linking call: identities added in bulk, clusters and members remembered, links written
 * in bulk. It turns ~a dozen statements per record into a few per chunk, which matters most on PostgreSQL.
 */
import type { SqlExecutor } from '../store/db.js';
import * as g from './graph.store.js';
import { type IdentityKey, type Member, keyOf } from './graph.store.js';
import type { ChangeInput } from '../changefeed/change.js';

/** Rows per multi-row statement: well inside SQLite's and PostgreSQL's bound-parameter limits. */
const ROWS = 400;

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

  /** Adds or refreshes every identity in one statement per ROWS; order gives the FIFO sequence. */
  async ensureAll(keys: readonly IdentityKey[]): Promise<void> {
    const unique = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
    for (let i = 0; i < unique.length; i += ROWS) {
      const slice = unique.slice(i, i + ROWS);
      const proposed = slice.map(() => g.newClusterId(this.now));
      const params = slice.flatMap((k, j) => [this.tenantId, k.ns, k.id, proposed[j]!, this.now, this.now, g.arrivalSeq(this.now)]);
      const rows = await this.tx.all<{ ns: string; id: string; cluster_id: string; seq: number; first_seen: number; last_seen: number }>(
        `INSERT INTO identities (tenant_id, ns, id, cluster_id, first_seen, last_seen, seq) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (tenant_id, ns, id) DO UPDATE SET last_seen = excluded.last_seen RETURNING ns, id, cluster_id, seq, first_seen, last_seen`,
        params,
      );
      const fresh = new Set(proposed);
      for (const r of rows) {
        this.cluster.set(keyOf(r), r.cluster_id);
        // A new identity is a cluster of one: no need to read its members back.
        if (fresh.has(r.cluster_id)) {
          this.known.set(r.cluster_id, [{ ns: r.ns, id: r.id, seq: Number(r.seq), firstSeen: Number(r.first_seen), lastSeen: Number(r.last_seen) }]);
          this.created.add(r.cluster_id);
        }
      }
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
      this.moved.set(k, m);
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

  /** Writes the merges and queued links, one statement per ROWS of each. */
  async flush(): Promise<void> {
    const moves = [...this.moved].map(([k, key]) => [key, this.cluster.get(k)!] as const);
    this.moved.clear();
    for (let i = 0; i < moves.length; i += ROWS) await g.moveTo(this.tx, this.tenantId, moves.slice(i, i + ROWS));
    const all = [...this.pending.values()];
    this.pending.clear();
    for (let i = 0; i < all.length; i += ROWS) {
      const slice = all.slice(i, i + ROWS);
      await this.tx.run(
        `INSERT INTO identity_links (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id, first_at, last_at) VALUES ${slice.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
         ON CONFLICT (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id) DO UPDATE SET last_at = excluded.last_at`,
        slice.flatMap(([a, b, d, bt]) => [this.tenantId, a.ns, a.id, b.ns, b.id, d, bt, this.now, this.now]),
      );
    }
  }
}

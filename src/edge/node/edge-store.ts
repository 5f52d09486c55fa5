/** The edge node's storage contract: projected profiles by any identity, the stream offset, idle eviction. */
import type { EdgeDoc, EdgeRow } from '../edge.js';

/** A projected profile as an edge holds it. */
export interface HeldDoc extends EdgeDoc {
  readonly projectionId: string;
  readonly personKey: string;
  readonly seq: number;
}

/** A read of a held profile, reported so idle eviction spares it (`at`: epoch ms). */
export interface ReadMark {
  readonly tenantId: number;
  readonly projectionId: string;
  readonly personKey: string;
  readonly at: number;
}

/**
 * Where an edge keeps what it was shipped: embedded SQLite, or Redis (one node or a cluster). Every method is safe to
 * repeat: rows are applied only when newer (by `seq`) than the one held, so a stream replayed from an older offset
 * changes nothing.
 */
export interface EdgeStore {
  readonly kind: 'sqlite' | 'redis';
  /** The last stream offset applied (0 for an empty store). */
  offset(): Promise<number>;
  /**
   * Applies rows (a tombstone removes the person and every identity that named them; a row whose person's identities
   * changed re-points them) and then records `offset`. `now` (epoch ms) counts as a new person's first activity; an
   * update is not activity (only reads are), so the edge drops a profile nobody reads, as the hub stops keeping a
   * REACTIVE one current when no read renews it.
   */
  apply(rows: readonly EdgeRow[], offset: number, now: number): Promise<void>;
  /** Every held profile of the sandbox naming this identity (one per projection that holds the person). */
  lookup(tenantId: number, ns: string, id: string): Promise<HeldDoc[]>;
  /** Records reads (the node batches them), so eviction counts them as activity. */
  markRead(reads: readonly ReadMark[]): Promise<void>;
  /** Removes the projection's profiles idle (no write, no read) since before `before`; returns how many. */
  evictIdle(tenantId: number, projectionId: string, before: number, limit: number): Promise<number>;
  /** Removes everything of these projections (a projection or its destination was deleted, or left this data center). */
  wipe(projections: ReadonlyArray<{ readonly tenantId: number; readonly projectionId: string }>): Promise<void>;
  /** Removes everything and sets the offset to 0 (the hub no longer holds what follows this edge's offset). */
  reset(): Promise<void>;
  /** How many profiles the store holds for a projection (tests, /ready). */
  count(tenantId: number, projectionId: string): Promise<number>;
  close(): Promise<void>;
}

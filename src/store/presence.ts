/**
 * Whether a sandbox has any row of a definitions table, per process, kept by catalog notices: a sandbox without
 * computed attributes, segments or edge projections skips their work on the write and read paths.
 */
import type { Db } from './db.js';
import type { CatalogCache, CatalogChange, CatalogKind } from './catalog-changes.js';
import { LoadCache } from '../shared/load-cache.js';

/** The definition tables a presence can watch, each with the notice kind that announces its changes. */
const WATCHED = { computed_attributes: 'computedAttribute', segment_definitions: 'segment', edge_projections: 'projection' } as const satisfies Record<string, CatalogKind>;

/** Answers "does this sandbox have any definition?", cached until a definition is made or removed. */
export class SandboxPresence implements CatalogCache {
  private readonly cache = new LoadCache<number, boolean>();

  constructor(
    private readonly db: Db,
    private readonly table: keyof typeof WATCHED,
  ) {}

  /** Whether the sandbox has a definition (any status: a draft may go live before a notice of it arrives). */
  has(tenantId: number): Promise<boolean> {
    return this.cache.get(tenantId, async () => (await this.db.get(`SELECT 1 AS x FROM ${this.table} WHERE tenant_id = ? LIMIT 1`, [tenantId])) !== undefined);
  }

  /** Drops a sandbox's answer when its definitions or the sandbox itself changed. */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined) this.cache.clear();
    else if (change.kind === WATCHED[this.table] || change.kind === 'sandbox') this.cache.delete(change.tenantId);
  }
}

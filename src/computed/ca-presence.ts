/**
 * Which sandboxes have computed attributes, per process: their writes name the events they store in the change feed
 * (for the consumer to fold), others' do not (it costs a tenth of an ingest's time). Kept by catalog notices.
 */
import type { Db } from '../store/db.js';
import type { CatalogCache, CatalogChange } from '../store/catalog-changes.js';
import { LoadCache } from '../shared/load-cache.js';

/** Answers "does this sandbox have any computed attribute definition?", cached until a definition is made or removed. */
export class CaPresence implements CatalogCache {
  private readonly cache = new LoadCache<number, boolean>();

  constructor(private readonly db: Db) {}

  /** Whether the sandbox has a definition (any status: a draft may go live before a notice of it arrives). */
  has(tenantId: number): Promise<boolean> {
    return this.cache.get(tenantId, async () => (await this.db.get('SELECT 1 AS x FROM computed_attributes WHERE tenant_id = ? LIMIT 1', [tenantId])) !== undefined);
  }

  /** Drops a sandbox's answer when its definitions or the sandbox itself changed. */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined) this.cache.clear();
    else if (change.kind === 'computedAttribute' || change.kind === 'sandbox') this.cache.delete(change.tenantId);
  }
}

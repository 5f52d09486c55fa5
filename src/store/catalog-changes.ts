/** Catalog change notices: how per-process caches of catalog state learn, within moments, what any process changed. */
import type { Db, SqlExecutor } from './db.js';

/** The one channel catalog changes travel on (profile data will get its own change feed, not this). */
export const CATALOG_CHANNEL = 'rtprofile_catalog';

/** What changed: `sandbox` stands for everything of the tenant (a reset or delete), the others for one kind. */
export type CatalogKind = 'sandbox' | 'dataset' | 'inlet' | 'namespace' | 'schema' | 'mergePolicy' | 'computedAttribute' | 'segment' | 'projection';

/** "Tenant T changed kind K (id)". */
export interface CatalogChange {
  readonly tenantId: number;
  readonly kind: CatalogKind;
  readonly id?: string;
}

/** A per-process cache of catalog state: drops what a change makes stale; `undefined` means drop everything. */
export interface CatalogCache {
  catalogChanged(change: CatalogChange | undefined): void;
}

const KINDS: ReadonlySet<string> = new Set<CatalogKind>(['sandbox', 'dataset', 'inlet', 'namespace', 'schema', 'mergePolicy', 'computedAttribute', 'segment']);

/** Publishes a change inside the transaction that makes it, so it is heard only if that transaction commits. */
export function publishChange(tx: SqlExecutor, change: CatalogChange): Promise<void> {
  return tx.notify(CATALOG_CHANNEL, JSON.stringify(change.id === undefined ? { t: change.tenantId, k: change.kind } : { t: change.tenantId, k: change.kind, i: change.id }));
}

/** Reads a notice; anything unreadable (a newer release's shape, say) counts as "drop everything", never as nothing. */
export function parseChange(payload: string | undefined): CatalogChange | undefined {
  if (payload === undefined) return undefined;
  try {
    const v = JSON.parse(payload) as { t?: unknown; k?: unknown; i?: unknown };
    if (typeof v.t !== 'number' || typeof v.k !== 'string' || !KINDS.has(v.k)) return undefined;
    if (v.i !== undefined && typeof v.i !== 'string') return undefined;
    return v.i === undefined ? { tenantId: v.t, kind: v.k as CatalogKind } : { tenantId: v.t, kind: v.k as CatalogKind, id: v.i };
  } catch {
    return undefined;
  }
}

/** Routes every catalog notice, this process's own included, to the caches; resolves once other processes are heard. */
export function watchCatalog(db: Db, caches: readonly CatalogCache[]): Promise<() => void> {
  return db.subscribe(CATALOG_CHANNEL, (payload) => {
    const change = parseChange(payload);
    for (const cache of caches) cache.catalogChanged(change);
  });
}

/** Computed values in profile reads (`withCA=true`): each live definition's value placed where the profile shows it. */
import type { SqlExecutor } from '../store/db.js';
import { type IdentityKey, clusterOf } from '../identity/graph.store.js';
import { type CompiledCa, emptyValue } from './ca-engine.js';
import { type CaEvaluator, placeValue } from './ca-evaluator.js';
import { type ValueRow, valuesOf } from './ca.store.js';

/** Adds a person's computed values to an entity (a copy is changed in place by the caller). */
export type Enricher = (entity: Record<string, unknown>) => void;

/** Reads people's values for the entities API and PQL evaluation over profiles. */
export class CaReader {
  constructor(private readonly evaluator: CaEvaluator) {}

  /** The values of the person `key` belongs to; undefined when the sandbox has no live definition. */
  async enricher(db: SqlExecutor, tenantId: number, key: IdentityKey): Promise<Enricher | undefined> {
    const live = await this.evaluator.live(db, tenantId);
    if (live.length === 0) return undefined;
    const cluster = await clusterOf(db, tenantId, key);
    const rows = cluster === undefined ? [] : await valuesOf(db, tenantId, [cluster]);
    return enricherOf(live, rows);
  }

  /** The values of each of these people (clusters), for evaluating segments over many; undefined without live definitions. */
  async enrichers(db: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<((cluster: string) => Enricher) | undefined> {
    const live = await this.evaluator.live(db, tenantId);
    if (live.length === 0) return undefined;
    const byCluster = new Map<string, ValueRow[]>();
    for (const row of await valuesOf(db, tenantId, clusters)) byCluster.set(row.clusterId, [...(byCluster.get(row.clusterId) ?? []), row]);
    return (cluster) => enricherOf(live, byCluster.get(cluster) ?? []);
  }
}

function enricherOf(live: readonly CompiledCa[], rows: readonly ValueRow[]): Enricher {
  return (entity) => {
    for (const ca of live) {
      const row = rows.find((r) => r.caId === ca.def.id && r.version === ca.def.version);
      placeValue(entity, ca.def, ca.path, row ? row.value : emptyValue(ca), row?.valueTs ?? null);
    }
  };
}

/** Brings people's computed values up to date in the caller's transaction: whole, or by folding in new events. */
import type { SqlExecutor } from '../store/db.js';
import { type CompiledCa, type Evaluation, type PersonEvent, compileCa, emptyValue, evaluateNew, evaluateWhole } from './ca-engine.js';
import { checkPql } from '../pql/index.js';
import { boundsAt } from './ca-window.js';
import { uncovered } from './ca-check.js';
import { type ComputedAttribute, isLive } from './ca.js';
import * as store from './ca.store.js';
import { eventsOfClusters } from './ca-people.js';
import type { FeedPosition } from '../changefeed/change.js';
import { appendChanges, feedHorizon } from '../changefeed/change.store.js';
import { inDependencyOrder } from '../shared/dependency-order.js';

/** Merged profiles of people (clusters) under the sandbox's default policy, for definitions that read the profile. */
export type ProfileReader = (tx: SqlExecutor, tenantId: number, clusters: readonly string[]) => Promise<Map<string, Record<string, unknown>>>;

/** Sandboxes' computed-attribute work takes turns under this lock (consumer and jobs), so no evaluation overwrites a newer one. */
export const CA_LOCK = 7_261_205;

/** The consumer name the feed keeps the computed-attributes offset under. */
export const CA_CONSUMER = 'computed-attributes';

/** Places a value where the profile shows it: the alpha API's field itself, the current API's `{value}` object. */
export function placeValue(entity: Record<string, unknown>, ca: Pick<ComputedAttribute, 'api' | 'mergeFunction'>, path: readonly string[], value: unknown, valueTs: number | null): void {
  if (value === null || value === undefined) return;
  let node = entity;
  for (const name of path.slice(0, -1)) {
    const next = node[name];
    node = (node[name] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {}) as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = ca.api === 'alpha' ? value : { value, ...(valueTs === null ? {} : { timestamp: new Date(valueTs).toISOString() }) };
}

/** Compiles the live definitions of a sandbox, keeping each compiled version (any process may have changed them: rows are read each time). */
export class CaEvaluator {
  private readonly cache = new Map<string, CompiledCa>();

  constructor(
    private readonly profiles: ProfileReader,
    private readonly clock: () => number,
    private readonly concurrentWriters: boolean,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** The sandbox's live definitions, compiled, in dependency order. */
  async live(db: SqlExecutor, tenantId: number): Promise<CompiledCa[]> {
    const defs = (await store.listDefinitions(db, tenantId)).filter(isLive);
    return inDependencyOrder(defs.map((d) => this.compiled(d)), (d) => d.def.id, (d) => d.def.dependencies);
  }

  /** One definition compiled (cached by id, version and last change). */
  compiled(def: ComputedAttribute): CompiledCa {
    // Everything evaluation reads of the row: a recompute's completion (evaluatedVersion) changes how a missing row reads.
    const key = `${def.tenantId}\u0000${def.id}\u0000${def.version}\u0000${def.updatedAt}\u0000${def.evaluatedVersion ?? ''}`;
    let c = this.cache.get(key);
    if (!c) {
      if (this.cache.size > 10_000) this.cache.clear();
      c = compileCa(def, checkPql(def.expression.value).paths.profile);
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Evaluates `defs` whole for each person and writes the rows; definitions of `all` that these read come from the
   * store. `applied`: where the consumer will stand once this transaction commits (its page's last entry), when it is
   * the consumer that evaluates.
   */
  async whole(tx: SqlExecutor, tenantId: number, defs: readonly CompiledCa[], clusters: readonly string[], all: readonly CompiledCa[], applied?: FeedPosition): Promise<number> {
    if (clusters.length === 0 || defs.length === 0) return 0;
    const now = this.clock();
    // Read before the events: a write the consumer has yet to apply, stamped from then on, may be among them.
    const horizon = await feedHorizon(tx, CA_CONSUMER, tenantId, this.concurrentWriters, applied);
    const readers = defs.filter((d) => d.plan.readsEvents);
    let since: number | null = Number.POSITIVE_INFINITY;
    for (const d of readers) {
      const b = boundsAt(d.lookback, now);
      since = b === null || since === null ? null : Math.min(since, b.start);
    }
    // Only the fields the definitions read, when every one of them says which.
    const fields = readers.every((d) => d.eventPaths !== null) ? { dialect: this.dialect, paths: uncovered(readers.flatMap((d) => d.eventPaths!)) } : undefined;
    const events = readers.length > 0 ? await eventsOfClusters(tx, tenantId, clusters, since, fields) : new Map<string, PersonEvent[]>();
    const profiles = defs.some((d) => d.readsProfile) ? await this.profiles(tx, tenantId, clusters) : new Map<string, Record<string, unknown>>();
    const needsHeld = defs.some((d) => d.def.dependencies.length > 0);
    const held = needsHeld ? await this.heldValues(tx, tenantId, clusters) : new Map<string, Map<string, store.ValueRow>>();
    const writes: store.ValueWrite[] = [];
    const byId = new Map(all.map((d) => [d.def.id, d]));
    for (const cluster of clusters) {
      const mine = new Map<string, Evaluation>();
      for (const ca of defs) {
        let profile = profiles.get(cluster);
        if (ca.def.dependencies.length > 0) {
          profile = { ...(profile ?? {}) };
          for (const dep of ca.def.dependencies) {
            const other = byId.get(dep);
            if (!other) continue;
            const v = mine.get(dep) ?? held.get(cluster)?.get(dep);
            const value = v === undefined || ('version' in v && v.version !== other.def.version) ? emptyValue(other) : v.value;
            placeValue(profile, other.def, other.path, value, v?.valueTs ?? null);
          }
        }
        const result = evaluateWhole(ca, profile, events.get(cluster) ?? [], now, horizon);
        mine.set(ca.def.id, result);
        writes.push({ clusterId: cluster, caId: ca.def.id, version: ca.def.version, ...result });
      }
    }
    await store.writeValues(tx, tenantId, writes, now);
    await announce(tx, tenantId, clusters, now);
    return writes.length;
  }

  private async heldValues(tx: SqlExecutor, tenantId: number, clusters: readonly string[]): Promise<Map<string, Map<string, store.ValueRow>>> {
    const out = new Map<string, Map<string, store.ValueRow>>();
    for (const row of await store.valuesOf(tx, tenantId, clusters)) {
      let m = out.get(row.clusterId);
      if (!m) out.set(row.clusterId, (m = new Map()));
      m.set(row.caId, row);
    }
    return out;
  }

  /**
   * Folds each person's new events into the held state of every definition that reads events; a definition that
   * cannot be folded for a person is evaluated whole, as are the definitions that read one whose value changed.
   * Returns the people whose values changed.
   */
  async fresh(tx: SqlExecutor, tenantId: number, defs: readonly CompiledCa[], events: ReadonlyMap<string, readonly PersonEvent[]>, applied?: FeedPosition): Promise<Set<string>> {
    const now = this.clock();
    const clusters = [...events.keys()];
    const held = await this.heldValues(tx, tenantId, clusters);
    const writes: store.ValueWrite[] = [];
    // People some definition cannot fold for: every definition is evaluated whole for them, their events read once.
    const whole = new Set<string>();
    const changed = new Set<string>();
    for (const [cluster, fresh] of events) {
      const touched = new Set<string>();
      const mine: store.ValueWrite[] = [];
      for (const ca of defs) {
        if (ca.def.dependencies.some((d) => touched.has(d))) {
          whole.add(cluster);
          break;
        }
        if (!ca.plan.readsEvents) continue;
        const result = evaluateNew(ca, held.get(cluster)?.get(ca.def.id), fresh, now, applied);
        if (result === 'same') continue;
        touched.add(ca.def.id);
        changed.add(cluster);
        if (result === 'whole') {
          whole.add(cluster);
          break;
        }
        mine.push({ clusterId: cluster, caId: ca.def.id, version: ca.def.version, ...result });
      }
      if (!whole.has(cluster)) writes.push(...mine);
    }
    await store.writeValues(tx, tenantId, writes, now);
    await announce(tx, tenantId, [...new Set(writes.map((w) => w.clusterId))], now);
    await this.whole(tx, tenantId, defs, [...whole], defs, applied);
    return changed;
  }
}

/**
 * Tells the feed whose values were written, so what reads them downstream (edge projections) follows, whichever
 * consumer or job wrote them and in whatever order consumers run across processes.
 */
async function announce(tx: SqlExecutor, tenantId: number, clusters: readonly string[], now: number): Promise<void> {
  if (clusters.length > 0) await appendChanges(tx, [{ tenantId, kind: 'computed', people: [...clusters] }], now);
}

/** Brings people's membership up to date in the caller's transaction: reads their profiles and events, evaluates, writes. */
import type { SqlExecutor } from '../store/db.js';
import { rowsStatement } from '../store/db.js';
import type { EffectivePolicy } from '../profile/merge-policy.service.js';
import { type ScannedProfile, profilesByKey } from '../jobs/export/profile-scan.js';
import { identityViewKey, viewKeyIdentity } from '../profile/profile-view.store.js';
import { eventsOfClusters } from '../computed/ca-people.js';
import type { CaReader } from '../computed/ca-reader.js';
import { uncovered } from '../computed/ca-check.js';
import type { SegmentDefinition } from './segment.js';
import { type CompiledSegment, compileSegment, evaluatePerson, inSegmentOrder, membershipChanges } from './segment-engine.js';
import { type MembershipRow, membershipOf, writeMembership } from './segment.store.js';
import { appendChanges } from '../changefeed/change.store.js';
import { queueSegmentRefresh } from './segment-refresh.js';

const DAY = 86_400_000;

/** Held membership by person key, then definition id. */
type Held = ReadonlyMap<string, ReadonlyMap<string, MembershipRow>>;
const NONE: ReadonlyMap<string, MembershipRow> = new Map();

const EVENTS_OF_IDENTITIES = rowsStatement('SELECT primary_ns, primary_id, ts, data FROM events WHERE tenant_id = ? AND ts >= ? AND (primary_ns, primary_id) IN (@rows)', ['text', 'text']);

/** Evaluates definitions for people; compiled definitions are cached by id and version (rows are read each time). */
export class SegmentEvaluator {
  private readonly cache = new Map<string, CompiledSegment>();

  constructor(
    private readonly computed: CaReader,
    private readonly clock: () => number,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  /** Definitions compiled, in dependency order. */
  compile(defs: readonly SegmentDefinition[]): CompiledSegment[] {
    return inSegmentOrder(defs.filter((d) => d.pql !== '').map((d) => this.compiled(d)));
  }

  private compiled(def: SegmentDefinition): CompiledSegment {
    const key = `${def.tenantId}\u0000${def.id}\u0000${def.version}\u0000${def.updatedAt}`;
    let c = this.cache.get(key);
    if (!c) {
      if (this.cache.size > 10_000) this.cache.clear();
      c = compileSegment(def);
      this.cache.set(key, c);
    }
    return c;
  }

  /**
   * Reads the people named by view keys under `policy` and evaluates them; returns who entered or left. People in
   * `eventsOnly` gained events and nothing else: only definitions that read events (or computed values, or other
   * segments) can change for them, and not a monotone one they are already in, so a person with nothing left to
   * evaluate costs one membership read.
   */
  async evaluateKeys(tx: SqlExecutor, tenantId: number, policy: EffectivePolicy, defs: readonly CompiledSegment[], keys: readonly string[], eventsOnly?: ReadonlySet<string>): Promise<MembershipRow[]> {
    if (keys.length === 0 || defs.length === 0) return [];
    const held = await this.heldOf(tx, tenantId, keys);
    const plan = new Map<string, readonly CompiledSegment[]>();
    for (const k of keys) {
      // New events change computed values too (the computed-attributes consumer runs before this one in a feed step).
      const mine = eventsOnly?.has(k) ? defs.filter((d) => (d.def.readsEvents || d.def.readsComputed === true || d.def.segments.length > 0) && !(d.monotone && held.get(k)?.get(d.def.id)?.status === 'realized')) : defs;
      if (mine.length > 0) plan.set(k, mine);
    }
    const needProfile = [...plan].filter(([, ds]) => ds.some((d) => d.readsProfile)).map(([k]) => k);
    const profiles = needProfile.length > 0 ? await profilesByKey(tx, tenantId, policy, needProfile) : new Map<string, ScannedProfile>();
    // A key with no profile at all (a cluster merged away, an identity with nothing left) is evaluated empty: it exits.
    const people = [...plan.keys()].map((k) => profiles.get(k) ?? { key: k, entity: {}, members: [], lastModifiedAt: 0, sources: [] });
    return this.write(tx, tenantId, plan, people, held);
  }

  /** Evaluates `defs` (compiled, in order) for people already read; writes the rows, returns who entered or left. */
  async evaluate(tx: SqlExecutor, tenantId: number, defs: readonly CompiledSegment[], people: readonly ScannedProfile[]): Promise<MembershipRow[]> {
    if (people.length === 0 || defs.length === 0) return [];
    const held = await this.heldOf(tx, tenantId, people.map((p) => p.key));
    return this.write(tx, tenantId, new Map(people.map((p) => [p.key, defs])), people, held);
  }

  private async write(tx: SqlExecutor, tenantId: number, plan: ReadonlyMap<string, readonly CompiledSegment[]>, people: readonly ScannedProfile[], held: Held): Promise<MembershipRow[]> {
    if (people.length === 0) return [];
    const now = this.clock();
    const writes: MembershipRow[] = [];
    const moved: MembershipRow[] = [];
    for (const { key, results, events } of await this.answers(tx, tenantId, plan, people, held, now)) {
      const mine = held.get(key) ?? NONE;
      for (const row of membershipChanges(key, plan.get(key)!, results, mine, events, now)) {
        writes.push(row);
        if (row.status !== (mine.get(row.segmentId)?.status ?? 'none')) moved.push(row);
      }
    }
    await writeMembership(tx, tenantId, writes, now);
    // What reads membership downstream (edge projections) hears of it through the feed, like any other change.
    if (moved.length > 0) await appendChanges(tx, [{ tenantId, kind: 'membership', people: [...new Set(moved.map((r) => r.personKey))] }], now);
    // A loop, not Math.min(...): a job's page may write more rows than a call can take arguments.
    let soonest = Number.POSITIVE_INFINITY;
    for (const w of writes) if (w.expiresAt !== null && w.expiresAt < soonest) soonest = w.expiresAt;
    if (soonest !== Number.POSITIVE_INFINITY) await queueSegmentRefresh(tx, tenantId, soonest);
    return moved;
  }

  /** The people among `people` who qualify for `def` now, without writing anything (previews and estimates). */
  async matching(tx: SqlExecutor, tenantId: number, def: CompiledSegment, people: readonly ScannedProfile[]): Promise<ScannedProfile[]> {
    if (people.length === 0) return [];
    const byKey = new Map(people.map((p) => [p.key, p]));
    const held = def.def.segments.length > 0 ? await this.heldOf(tx, tenantId, people.map((p) => p.key)) : new Map();
    const answers = await this.answers(tx, tenantId, new Map(people.map((p) => [p.key, [def]])), people, held, this.clock());
    return answers.filter((a) => a.results.get(def.def.id) === true).map((a) => byKey.get(a.key)!);
  }

  /** The membership rows of these people, by person and definition. */
  private async heldOf(tx: SqlExecutor, tenantId: number, keys: readonly string[]): Promise<Held> {
    const held: Map<string, Map<string, MembershipRow>> = new Map();
    for (const row of await membershipOf(tx, tenantId, keys)) {
      let m = held.get(row.personKey);
      if (!m) held.set(row.personKey, (m = new Map()));
      m.set(row.segmentId, row);
    }
    return held;
  }

  /** Each person's answers to their planned definitions, and the events they were computed from. */
  private async answers(tx: SqlExecutor, tenantId: number, plan: ReadonlyMap<string, readonly CompiledSegment[]>, people: readonly ScannedProfile[], held: Held, now: number) {
    const readers = new Map<string, CompiledSegment>();
    for (const defs of plan.values()) for (const d of defs) if (d.def.readsEvents) readers.set(d.def.id, d);
    const eventKeys = people.filter((p) => plan.get(p.key)!.some((d) => d.def.readsEvents)).map((p) => p.key);
    const events = await this.eventsOf(tx, tenantId, [...readers.values()], eventKeys, now);
    const clusters = people.filter((p) => !p.key.startsWith('i') && plan.get(p.key)!.some((d) => d.readsProfile)).map((p) => p.key);
    const enrich = clusters.length > 0 ? await this.computed.enrichers(tx, tenantId, clusters) : undefined;
    return people.map((p) => {
      let profile = p.entity;
      if (enrich && !p.key.startsWith('i')) enrich(p.key)((profile = { ...profile }));
      const own = events.get(p.key) ?? [];
      return { key: p.key, events: own, results: evaluatePerson(plan.get(p.key)!, { key: p.key, profile, events: own }, held.get(p.key) ?? NONE, now) };
    });
  }

  /** The events of each person when some definition reads them: only the fields read, from as far back as any looks. */
  private async eventsOf(tx: SqlExecutor, tenantId: number, defs: readonly CompiledSegment[], keys: readonly string[], now: number): Promise<Map<string, unknown[]>> {
    const out = new Map<string, unknown[]>();
    const readers = defs.filter((d) => d.def.readsEvents);
    if (readers.length === 0) return out;
    // A streaming definition looks back a day at most (the classifier's rule); two allow for `today` in any zone.
    const since = readers.every((d) => d.def.mode !== 'batch') ? now - 2 * DAY : 0;
    const paths = uncovered(['_id', ...readers.flatMap((d) => d.eventPaths)]);
    const clusters = keys.filter((k) => !k.startsWith('i'));
    if (clusters.length > 0) {
      for (const [cluster, list] of await eventsOfClusters(tx, tenantId, clusters, since, { dialect: this.dialect, paths })) out.set(cluster, list.map((e) => e.data));
    }
    const identities = keys.filter((k) => k.startsWith('i'));
    if (identities.length > 0) {
      const rows = await tx.valuesRows<[string, string, number, string]>(EVENTS_OF_IDENTITIES, [tenantId, since], identities.map((k) => { const i = viewKeyIdentity(k); return [i.ns, i.id]; }));
      for (const [ns, id, , data] of rows) {
        const key = identityViewKey({ ns, id });
        const list = out.get(key);
        if (list) list.push(JSON.parse(data) as unknown);
        else out.set(key, [JSON.parse(data) as unknown]);
      }
    }
    return out;
  }
}

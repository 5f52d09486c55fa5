/** Evaluating definitions for one person and turning results into membership changes; pure, no I/O. */
import { type CompiledPql, type Node, type OccursTail, PqlError, checkPql, children, compilePql, fixedUnitMs } from '../pql/index.js';
import { eventPathsOf } from '../computed/ca-check.js';
import { inDependencyOrder } from '../shared/dependency-order.js';
import type { SegmentDefinition } from './segment.js';
import type { MembershipRow } from './segment.store.js';

/**
 * A definition compiled once, with the top-level event fields it reads (what evaluation extracts from events) and the
 * time windows it puts on events: relative lengths in ms, and whether a calendar day (`today`) is one.
 */
export interface CompiledSegment {
  readonly def: SegmentDefinition;
  readonly query: CompiledPql;
  readonly eventPaths: readonly string[];
  readonly windows: readonly number[];
  readonly calendarDay: boolean;
}

const DAY = 86_400_000;

/** The windows of a query: each `< n units before now` (its length) and whether any is a calendar day. */
function windowsOf(root: Node): { windows: number[]; calendarDay: boolean } {
  const windows = new Set<number>();
  let calendarDay = false;
  const tail = (t: OccursTail) => {
    if (t.form === 'relative') {
      const unit = fixedUnitMs(t.unit);
      if (unit !== undefined) windows.add(t.amount * unit);
    } else if (t.form === 'on') calendarDay = true;
  };
  const visit = (n: Node): void => {
    if (n.kind === 'occurs') tail(n.tail);
    if (n.kind === 'chain') for (const step of n.steps) if (step.when) tail(step.when);
    for (const c of children(n)) visit(c);
  };
  visit(root);
  return { windows: [...windows], calendarDay };
}

/** Compiles a stored (already checked) definition. */
export function compileSegment(def: SegmentDefinition): CompiledSegment {
  const query = compilePql(def.pql);
  const { windows, calendarDay } = def.readsEvents ? windowsOf(query.query.body) : { windows: [], calendarDay: false };
  return { def, query, eventPaths: def.readsEvents ? eventPathsOf(checkPql(query.query).paths.event, undefined) : [], windows, calendarDay };
}

/**
 * When time alone may next change a streaming definition's answer for a person with these events: an event leaves a
 * window, a future event arrives, or (for `today`) the day ends. Null when nothing will (or for batch definitions,
 * which only jobs evaluate).
 */
export function expiryOf(seg: CompiledSegment, events: readonly unknown[], now: number): number | null {
  if (!seg.def.readsEvents || seg.def.mode === 'batch') return null;
  let next = seg.calendarDay ? Math.floor(now / DAY) * DAY + DAY : Number.POSITIVE_INFINITY;
  for (const e of events) {
    const ts = Date.parse(String((e as { timestamp?: unknown }).timestamp));
    if (!Number.isFinite(ts)) continue;
    if (ts > now) next = Math.min(next, ts);
    // One past the edge, so `<` and `<=` windows have both let the event go.
    for (const w of seg.windows) if (ts + w >= now) next = Math.min(next, ts + w + 1);
  }
  return next === Number.POSITIVE_INFINITY ? null : next;
}

/** Orders definitions so each comes after those it reads through inSegment. */
export function inSegmentOrder(defs: readonly CompiledSegment[]): CompiledSegment[] {
  return inDependencyOrder(defs, (d) => d.def.id, (d) => d.def.segments);
}

/** A person to evaluate: their key under the policy, their unified profile and (when any definition reads them) events. */
export interface PersonInput {
  readonly key: string;
  readonly profile: Record<string, unknown>;
  readonly events: readonly unknown[];
}

/**
 * Whether the person qualifies for each definition (in dependency order, so inSegment reads this evaluation's answer
 * for a definition evaluated here and the stored membership for any other). A definition that exceeds PQL's step
 * budget for this person has no answer (their membership is left as it is).
 */
export function evaluatePerson(defs: readonly CompiledSegment[], person: PersonInput, held: ReadonlyMap<string, MembershipRow>, now: number): Map<string, boolean | undefined> {
  const results = new Map<string, boolean | undefined>();
  const member = (id: string): boolean => {
    if (results.has(id)) return results.get(id) === true;
    return held.get(id)?.status === 'realized';
  };
  for (const d of defs) {
    try {
      results.set(d.def.id, d.query.evaluate({ profile: person.profile, events: person.events, now, segments: member }) === true);
    } catch (err) {
      if (!(err instanceof PqlError)) throw err;
      results.set(d.def.id, undefined);
    }
  }
  return results;
}

/**
 * The rows to write for a person's results: entering is `realized`, leaving is `exited`, each stamped `now`; a row
 * whose expiry moved is written too (status `none` for someone who never qualified).
 */
export function membershipChanges(key: string, defs: readonly CompiledSegment[], results: ReadonlyMap<string, boolean | undefined>, held: ReadonlyMap<string, MembershipRow>, events: readonly unknown[], now: number): MembershipRow[] {
  const out: MembershipRow[] = [];
  for (const d of defs) {
    const qualifies = results.get(d.def.id);
    if (qualifies === undefined) continue;
    const before = held.get(d.def.id);
    const was = before?.status === 'realized';
    const expiresAt = expiryOf(d, events, now);
    const status = qualifies ? 'realized' : was ? 'exited' : (before?.status ?? 'none');
    if (status !== (before?.status ?? 'none')) out.push({ personKey: key, segmentId: d.def.id, status, version: d.def.version, qualifiedAt: now, expiresAt });
    else if (expiresAt !== (before?.expiresAt ?? null)) out.push({ personKey: key, segmentId: d.def.id, status, version: d.def.version, qualifiedAt: before?.qualifiedAt ?? now, expiresAt });
  }
  return out;
}

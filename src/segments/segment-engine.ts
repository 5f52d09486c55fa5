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
  /** Calendar periods (`today`, `this hour`) by their length: each ends on the next UTC boundary of that length. */
  readonly periods: readonly number[];
  /** Reads the profile (or other segments' membership): a change of events alone cannot change the others. */
  readonly readsProfile: boolean;
  /** More events can only help a person qualify (see `eventsMonotone`). */
  readonly monotone: boolean;
}

const DAY = 86_400_000;

/** The windows of a query: each `< n units before now` (its length), and the length of each calendar period (`today`). */
function windowsOf(root: Node): { windows: number[]; periods: number[] } {
  const windows = new Set<number>();
  const periods = new Set<number>();
  const tail = (t: OccursTail) => {
    if (t.form === 'relative') {
      const unit = fixedUnitMs(t.unit);
      if (unit !== undefined) windows.add(t.amount * unit);
    } else if (t.form === 'on') {
      const unit = t.ref.kind === 'period' ? fixedUnitMs(t.ref.unit) : DAY;
      periods.add(unit ?? DAY);
    }
  };
  const visit = (n: Node): void => {
    if (n.kind === 'occurs') tail(n.tail);
    if (n.kind === 'chain') for (const step of n.steps) if (step.when) tail(step.when);
    for (const c of children(n)) visit(c);
  };
  visit(root);
  return { windows: [...windows], periods: [...periods] };
}

const touchesEvents = (n: Node): boolean => n.kind === 'xEvent' || n.kind === 'chain' || children(n).some(touchesEvents);
/** `xEvent` itself, or filtered (`xEvent[...][...]`) by conditions on each event alone. */
const eventSet = (n: Node): boolean => n.kind === 'xEvent' || (n.kind === 'filter' && eventSet(n.array) && !touchesEvents(n.predicate));
const isEventCount = (n: Node): boolean =>
  (n.kind === 'method' && n.name === 'count' && n.args.length === 0 && eventSet(n.receiver)) || (n.kind === 'aggOver' && n.agg === 'count' && eventSet(n.decl.from) && (n.decl.where === null || !touchesEvents(n.decl.where)));

/**
 * Whether a definition is monotone in events: one more event (or one in the window longer) can only make a person
 * qualify, never exit. Recognised conservatively: event conditions joined by `and`/`or` that are event counts compared
 * from below (`count() > n`, `>=`), chains without an upper count on a step, `exists` and `select` over events, and any
 * condition that reads no events. Anything else (negation, `forall`, sums, upper bounds) is not.
 */
export function eventsMonotone(n: Node): boolean {
  if (!touchesEvents(n)) return true;
  switch (n.kind) {
    case 'logical':
      return n.operands.every(eventsMonotone);
    case 'chain':
      return n.steps.every((s) => s.count === null || s.count.op === '>' || s.count.op === '>=');
    case 'select':
      return n.vars.length === 1 && eventSet(n.vars[0]!.from) && (n.vars[0]!.where === null || !touchesEvents(n.vars[0]!.where));
    case 'quant':
      return n.quantifier === 'exists' && n.vars.every((v) => eventSet(v.from) && (v.where === null || !touchesEvents(v.where))) && children(n).filter((c) => !n.vars.some((v) => v.from === c || v.where === c)).every((c) => !touchesEvents(c));
    case 'binary':
      if (n.op === '>' || n.op === '>=') return isEventCount(n.left) && !touchesEvents(n.right);
      if (n.op === '<' || n.op === '<=') return isEventCount(n.right) && !touchesEvents(n.left);
      return false;
    default:
      return false;
  }
}

/** Compiles a stored (already checked) definition. */
export function compileSegment(def: SegmentDefinition): CompiledSegment {
  const query = compilePql(def.pql);
  const { windows, periods } = def.readsEvents ? windowsOf(query.query.body) : { windows: [], periods: [] };
  const paths = checkPql(query.query).paths;
  return {
    def,
    query,
    eventPaths: def.readsEvents ? eventPathsOf(paths.event, undefined) : [],
    windows,
    periods,
    readsProfile: paths.profile.length > 0 || def.segments.length > 0,
    // Other segments' membership and computed values can fall as well as rise.
    monotone: def.segments.length === 0 && def.readsComputed !== true && eventsMonotone(query.query.body),
  };
}

/**
 * When time alone may next change a streaming definition's answer for a person with these events: an event leaves a
 * window, a future event arrives, or (for `today`) the day ends. Null when nothing will (or for batch definitions,
 * which only jobs evaluate).
 */
export function expiryOf(seg: CompiledSegment, events: readonly unknown[], now: number, member: boolean): number | null {
  if (!seg.def.readsEvents || seg.def.mode === 'batch') return null;
  // Of a monotone definition, a member can only leave (events leave windows) and anyone else only enter (a future
  // event arrives); either can happen to any person of another definition.
  const leaving = member || !seg.monotone;
  const entering = !member || !seg.monotone;
  let next = Number.POSITIVE_INFINITY;
  if (leaving) for (const p of seg.periods) next = Math.min(next, Math.floor(now / p) * p + p);
  for (const e of events) {
    const ts = Date.parse(String((e as { timestamp?: unknown }).timestamp));
    if (!Number.isFinite(ts)) continue;
    if (entering && ts > now) next = Math.min(next, ts);
    // One past the edge, so `<` and `<=` windows have both let the event go.
    if (leaving) for (const w of seg.windows) if (ts + w >= now) next = Math.min(next, ts + w + 1);
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
    const expiresAt = expiryOf(d, events, now, qualifies);
    const status = qualifies ? 'realized' : was ? 'exited' : (before?.status ?? 'none');
    const old = before?.expiresAt ?? null;
    // A later expiry than the one held is not written while that one is still ahead: checking again early is only
    // wasted work, and it spares a write for every new event of a member.
    const moved = expiresAt !== old && (old === null || old <= now || (expiresAt !== null && expiresAt < old));
    if (status !== (before?.status ?? 'none')) out.push({ personKey: key, segmentId: d.def.id, status, version: d.def.version, qualifiedAt: now, expiresAt });
    else if (moved) out.push({ personKey: key, segmentId: d.def.id, status, version: d.def.version, qualifiedAt: before?.qualifiedAt ?? now, expiresAt });
  }
  return out;
}

/**
 * Evaluates compiled definitions for one person: whole (from the person's events in the window) or incrementally (new
 * events folded into the stored state). Pure: the consumer and the jobs bring the rows.
 */
import { type CompiledPql, PqlError, type PqlQuery, compilePql, parsePql } from '../pql/index.js';
import { type CaPlan, planOf } from './ca-plan.js';
import { type FoldState, emptyState, fold, timestampOf, valueOf } from './ca-fold.js';
import { type Lookback, expiryOf, refreshPeriodMs, windowTest } from './ca-window.js';
import type { ComputedAttribute } from './ca.js';
import type { FeedPosition } from '../changefeed/change.js';

/** A definition ready to evaluate. */
export interface CompiledCa {
  readonly def: ComputedAttribute;
  readonly plan: CaPlan;
  readonly lookback: Lookback;
  readonly whole: CompiledPql;
  readonly filter: CompiledPql | null;
  readonly projection: CompiledPql | null;
  /** Whether the value depends on the merged profile (so fragment changes re-evaluate it). */
  readonly readsProfile: boolean;
  /** The event fields a whole evaluation reads (null: whole events). */
  readonly eventPaths: readonly string[] | null;
  /** How often values are refreshed when nothing else touches them (the window moves, the clock moves). */
  readonly refreshMs: number;
  /** `fieldPath` split. */
  readonly path: readonly string[];
}

/** An event of the person: its time, `datasetId \0 eventId`, when it was stored, and its record. */
export interface PersonEvent {
  readonly ts: number;
  readonly key: string;
  readonly ingestedAt: number;
  readonly data: unknown;
}

/** Without a horizon from the feed (tests, tools): how far back a write may still arrive as new. */
export const SEEN_MARGIN_MS = 10 * 60_000;

/** Where the feed stood when a person was evaluated whole (`feedHorizon`). */
export interface Horizon {
  readonly pendingFrom: number | undefined;
  readonly last: FeedPosition;
}

/**
 * A fold state as stored. `sf`: the time from which a write's events may still arrive as new (the consumer has not
 * applied its entry); `seen`: events stamped from then on that the whole evaluation folded, so none counts twice;
 * `sp`: the feed's last entry then — once the consumer applies past it, nothing seen can arrive again.
 * `ra`: when the whole evaluation ran.
 */
interface Stored extends FoldState {
  ra: number;
  sf: number;
  sp?: [number, number];
  seen?: string[];
}

/** Whether feed position `a` comes after `b`. */
const after = (a: FeedPosition, b: readonly [number, number]): boolean => a.xid > b[0] || (a.xid === b[0] && a.seq > b[1]);

/** What evaluating a person gives: the row to write (value null, no state, no expiry: no row). */
export interface Evaluation {
  readonly value: unknown;
  readonly valueTs: number | null;
  readonly state: string | null;
  readonly expiresAt: number | null;
}

/** Compiles a stored definition (its paths read by the checker when it was accepted). */
export function compileCa(def: ComputedAttribute, profilePaths: readonly string[]): CompiledCa {
  const q: PqlQuery = parsePql(def.expression.value);
  const plan = planOf(q);
  const lookback: Lookback = { duration: def.duration, windows: plan.windows };
  return {
    def,
    plan,
    lookback,
    whole: compilePql(q),
    filter: plan.filter && compilePql(plan.filter),
    projection: plan.projection && compilePql(plan.projection),
    readsProfile: plan.fn === null && (profilePaths.length > 0 || def.dependencies.length > 0),
    // Only for the aggregate forms: their filter and projection read plain fields of the event, all of which the
    // checker lists; any other expression reads whole events.
    eventPaths: plan.fn !== null && plan.incremental ? (def.eventPaths ?? null) : null,
    refreshMs: refreshPeriodMs(lookback, def.keepCurrent),
    path: def.fieldPath.split('.'),
  };
}

/** Whether an event in the window (`inside`, the window at `now`) passes the definition's filter at `now`. */
function qualifies(ca: CompiledCa, e: PersonEvent, now: number, inside: (ts: number) => boolean): boolean {
  if (!inside(e.ts)) return false;
  if (!ca.filter) return true;
  const kept = ca.filter.evaluate({ events: [e.data], now });
  return Array.isArray(kept) && kept.length > 0;
}

function contribution(ca: CompiledCa, e: PersonEvent): { ts: number; key: string; value: unknown } {
  return { ts: e.ts, key: e.key, value: ca.projection ? ca.projection.evaluate({ profile: e.data, now: e.ts }) : null };
}

/** The earliest instant the state's value changes by itself: an event leaves the window, or a future one enters. */
function expiry(ca: CompiledCa, lo: number | null, pending: number | undefined, now: number): number | null {
  const leaves = lo === null ? undefined : expiryOf(ca.lookback, lo);
  const at = leaves === undefined ? pending : pending === undefined ? leaves : Math.min(leaves, pending);
  // An event a month window let back in (PQL clamps the day) left before now: look again at the next refresh.
  return at === undefined ? null : at <= now ? now + ca.refreshMs : at;
}

/**
 * Evaluates the person from everything: `events` are all of the person's events the window could hold, in any order.
 * `horizon`: where the feed stands (`feedHorizon`); events stamped since the oldest write the consumer has not applied
 * yet are remembered, so their entries, when they come, are not folded again.
 */
export function evaluateWhole(ca: CompiledCa, profile: unknown, events: readonly PersonEvent[], now: number, horizon?: Horizon): Evaluation {
  const fn = ca.plan.fn;
  if (fn === null) {
    const inside = windowTest(ca.lookback, now);
    const value = guarded(() => ca.whole.evaluate({ profile: profile ?? {}, events: events.filter((e) => inside(e.ts)).sort(byTime).map((e) => e.data), now }));
    const expiresAt = ca.plan.readsEvents || ca.plan.readsClock ? now + ca.refreshMs : null;
    return { value: value ?? null, valueTs: null, state: null, expiresAt };
  }
  const sf = Math.min(horizon ? (horizon.pendingFrom ?? now) : now - SEEN_MARGIN_MS, now);
  const state: Stored = { ...emptyState(), ra: now, sf, ...(horizon ? { sp: [horizon.last.xid, horizon.last.seq] as [number, number] } : {}) };
  const seen: string[] = [];
  const inside = windowTest(ca.lookback, now);
  let pending: number | undefined;
  for (const e of events) {
    if (e.ts > now) {
      pending = pending === undefined ? e.ts : Math.min(pending, e.ts);
      continue;
    }
    if (!qualifies(ca, e, now, inside)) continue;
    fold(fn, ca.plan.size, state, contribution(ca, e));
    if (e.ingestedAt >= sf) seen.push(e.key);
  }
  if (seen.length > 0) state.seen = seen;
  return finish(ca, state, pending, now);
}

function finish(ca: CompiledCa, state: Stored, pending: number | undefined, now: number): Evaluation {
  const fn = ca.plan.fn!;
  let expiresAt = expiry(ca, state.lo, pending, now);
  // A definition that is not foldable (its filter reads the clock: `today`, `this month`) keeps no state, and is
  // evaluated again at the refresh cadence however its window stands.
  if (!ca.plan.incremental) expiresAt = Math.min(expiresAt ?? Number.POSITIVE_INFINITY, now + ca.refreshMs);
  if (state.n === 0 && expiresAt === null) return { value: null, valueTs: null, state: null, expiresAt: null };
  return { value: valueOf(fn, state), valueTs: timestampOf(fn, state) ?? null, state: ca.plan.incremental ? JSON.stringify(state) : null, expiresAt };
}

/**
 * Runs an evaluation that may exceed PQL's step budget on an extreme person: such a person gets no value rather than
 * stopping the evaluation of everyone else (and the change feed behind it).
 */
function guarded<T>(run: () => T): T | null {
  try {
    return run();
  } catch (err) {
    if (err instanceof PqlError) return null;
    throw err;
  }
}

/** The state of a person nothing was folded for: no whole evaluation, so nothing remembered or skipped. */
const EMPTY = JSON.stringify({ ...emptyState(), ra: 0, sf: 0 } satisfies Stored);

/** What the stored row says, for an incremental update. */
export interface HeldValue {
  readonly version: number;
  readonly state: string | null;
  readonly expiresAt: number | null;
}

/**
 * Folds newly stored events into the person's held state. 'whole' when that cannot be done (no row, an older
 * version, an expired window, a definition that is not foldable) and some new event matters; 'same' when none does.
 */
export function evaluateNew(ca: CompiledCa, held: HeldValue | undefined, fresh: readonly PersonEvent[], now: number, applied?: FeedPosition): Evaluation | 'whole' | 'same' {
  const inside = windowTest(ca.lookback, now);
  const matters = fresh.filter((e) => e.ts > now || qualifies(ca, e, now, inside));
  if (matters.length === 0) return 'same';
  // Once everyone was evaluated at this version, a person without a row holds nothing: fold from empty.
  const start = !held && ca.def.evaluatedVersion === ca.def.version ? { version: ca.def.version, state: EMPTY, expiresAt: null } : held;
  if (!ca.plan.incremental || !start || start.version !== ca.def.version || start.state === null || (start.expiresAt !== null && start.expiresAt <= now)) return 'whole';
  const state = JSON.parse(start.state) as Stored;
  let pending = start.expiresAt ?? undefined;
  let changed = false;
  for (const e of matters) {
    if (e.ts > now) {
      if (pending === undefined || e.ts < pending) (pending = e.ts), (changed = true);
      continue;
    }
    // Stored before anything the consumer had still to apply, or remembered: already folded. A remembered event's
    // entry comes once, so it is forgotten as it is skipped.
    if (e.ingestedAt < (state.sf ?? state.ra - SEEN_MARGIN_MS)) continue;
    const at = state.seen?.indexOf(e.key) ?? -1;
    if (at >= 0) {
      state.seen!.splice(at, 1);
      if (state.seen!.length === 0) delete state.seen;
      changed = true;
      continue;
    }
    fold(ca.plan.fn!, ca.plan.size, state, contribution(ca, e));
    changed = true;
  }
  // Past the feed's last entry at the evaluation, every entry of a remembered event has been applied: the rest were
  // applied before it, and never come again.
  if (state.seen && applied && state.sp && after(applied, state.sp)) delete state.seen, (changed = true);
  if (!changed) return 'same';
  // `pending` (the held expiry) may be an event leaving rather than one arriving; recomputing from `lo` keeps the earlier.
  const expiresAt = expiry(ca, state.lo, pending, now);
  return { value: valueOf(ca.plan.fn!, state), valueTs: timestampOf(ca.plan.fn!, state) ?? null, state: JSON.stringify(state), expiresAt };
}

/** The value served for a person with no row: what the expression gives over no events (0 for COUNT and SUM, else null). */
export function emptyValue(ca: CompiledCa): unknown {
  return ca.plan.fn === null ? null : valueOf(ca.plan.fn, emptyState());
}

function byTime(a: PersonEvent, b: PersonEvent): number {
  return a.ts - b.ts || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

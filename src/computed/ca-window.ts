/** Lookback windows: which events a definition reads at a given time, when each leaves, and how often values refresh. */
import { addUnits } from '../pql/index.js';
import type { ExprWindow } from './ca-plan.js';

/** The current API's lookback units and their allowed counts (ref §2.2). */
export const DURATION_RANGES = { HOURS: [1, 24], DAYS: [1, 7], WEEKS: [1, 4], MONTHS: [1, 6] } as const;

/** A definition's `duration`. */
export interface Duration {
  readonly count: number;
  readonly unit: keyof typeof DURATION_RANGES;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** 00:00 UTC of the Sunday that starts the calendar week of `ms` (AEP's weeks run Sunday to Saturday). */
function startOfWeek(ms: number): number {
  const day = Math.floor(ms / DAY) * DAY;
  return day - new Date(day).getUTCDay() * DAY;
}

function startOfMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

/** The window at `now`: an event counts when `start <= ts <= now` (`start` exclusive where `startExclusive`). */
export interface WindowBounds {
  readonly start: number;
  readonly startExclusive: boolean;
}

/**
 * The first instant an event of `ts` is in the window at `now`: HOURS and DAYS roll (`now − n units < ts`); WEEKS
 * and MONTHS are calendar periods, the current one so far and the n − 1 before it.
 */
function durationBounds(d: Duration, now: number): WindowBounds {
  switch (d.unit) {
    case 'HOURS': return { start: now - d.count * HOUR, startExclusive: true };
    case 'DAYS': return { start: now - d.count * DAY, startExclusive: true };
    case 'WEEKS': return { start: startOfWeek(now) - (d.count - 1) * WEEK, startExclusive: false };
    case 'MONTHS': return { start: addUnits(startOfMonth(now), 'month', -(d.count - 1)), startExclusive: false };
  }
}

/** When an event of `ts` leaves a duration's window (the first `now` at which it no longer counts). */
function durationExpiry(d: Duration, ts: number): number {
  switch (d.unit) {
    case 'HOURS': return ts + d.count * HOUR;
    case 'DAYS': return ts + d.count * DAY;
    case 'WEEKS': return startOfWeek(ts) + d.count * WEEK;
    case 'MONTHS': return addUnits(startOfMonth(ts), 'month', d.count);
  }
}

/** A definition's whole lookback: its duration (if any) and the windows its filter writes, all of which must hold. */
export interface Lookback {
  readonly duration: Duration | null;
  readonly windows: readonly ExprWindow[];
}

/** The window at `now`: the latest start of all its parts (null start: unbounded). */
export function boundsAt(l: Lookback, now: number): WindowBounds | null {
  let best: WindowBounds | null = l.duration ? durationBounds(l.duration, now) : null;
  for (const w of l.windows) {
    const b = { start: addUnits(now, w.unit, -w.amount), startExclusive: !w.inclusive };
    if (!best || b.start > best.start || (b.start === best.start && b.startExclusive)) best = b;
  }
  return best;
}

/** The window at `now` as a test of event times (worked out once for many events). */
export function windowTest(l: Lookback, now: number): (ts: number) => boolean {
  const b = boundsAt(l, now);
  return (ts) => ts <= now && (!b || ts > b.start || (ts === b.start && !b.startExclusive));
}

/** Whether an event of `ts` is in the window at `now` (future events are not, until their time comes). */
export function inWindow(l: Lookback, ts: number, now: number): boolean {
  return windowTest(l, now)(ts);
}

/** The first instant at which an event of `ts` no longer counts; undefined when it never leaves. */
export function expiryOf(l: Lookback, ts: number): number | undefined {
  let first: number | undefined = l.duration ? durationExpiry(l.duration, ts) : undefined;
  for (const w of l.windows) {
    const at = windowExpiry(w, ts);
    if (first === undefined || at < first) first = at;
  }
  return first;
}

/**
 * The first `now` at which `now − n units` passes `ts` (reaches it, for `<`; goes beyond it, for `<=`). Adding n months
 * clamps the day (31 March + 1 month = 30 April), and 30 April − 1 month is 30 March, still before 31 March: then the
 * answer is the start of a later day, when subtracting no longer clamps.
 */
function windowExpiry(w: ExprWindow, ts: number): number {
  const gone = (now: number) => (w.inclusive ? addUnits(now, w.unit, -w.amount) > ts : addUnits(now, w.unit, -w.amount) >= ts);
  let at = addUnits(ts, w.unit, w.amount) + (w.inclusive ? 1 : 0);
  for (let i = 0; i < 4 && !gone(at); i++) at = (Math.floor(at / DAY) + 1) * DAY;
  return at;
}

/** The refresh period of ref §2.2's table: hourly up to 24 h of lookback, daily to 7 days, weekly to 4 weeks, else monthly. */
export function refreshPeriodMs(l: Lookback, keepCurrent: boolean): number {
  const span = l.duration ? approximateMs(l.duration) : Math.max(0, ...l.windows.map((w) => addUnits(0, w.unit, w.amount)));
  const period = span <= DAY ? HOUR : span <= 7 * DAY ? DAY : span <= 4 * WEEK ? WEEK : 30 * DAY;
  // "Fast refresh" refreshes long lookbacks daily.
  return keepCurrent ? Math.min(period, DAY) : period;
}

function approximateMs(d: Duration): number {
  return d.count * { HOURS: HOUR, DAYS: DAY, WEEKS: WEEK, MONTHS: 30 * DAY }[d.unit];
}

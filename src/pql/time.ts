/** Calendar arithmetic in UTC (ref §7.6): ISO-8601 parsing, unit buckets, calendar periods and unit offsets. */
import type { Unit } from './ast.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
export const DAY_MS = 86_400_000;

// Event timestamps repeat across evaluations as the very same strings; caching the parse keeps occurs cheap.
const cache = new Map<string, number>();
const CACHE_LIMIT = 100_000;

/** Epoch ms of an RFC 3339 / ISO-8601 date or date-time (no zone means UTC), or NaN when `s` is not one. */
export function parseTemporal(s: string): number {
  const hit = cache.get(s);
  if (hit !== undefined) return hit;
  const ms = s.length > 40 ? NaN : parseUncached(s);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(s, ms);
  return ms;
}

function parseUncached(s: string): number {
  const m = ISO.exec(s);
  if (!m) return NaN;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Math.min(Number(sec), 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month - 1) || hour > 23 || minute > 59 || Number(sec) > 60) {
    return NaN;
  }
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return NaN;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return utc(year, month - 1, day, hour, minute, second, millis) - offset;
}

/** Whether an ISO string is a bare date (`YYYY-MM-DD`), which occurs reads as the whole day. */
export function isDateOnly(s: string): boolean {
  return s.length === 10 && !Number.isNaN(parseTemporal(s));
}

function utc(y: number, m: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, m, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

/** The epoch ms of UTC midnight on a calendar date (month 1-based), or NaN when the date does not exist. */
export function dateMs(year: number, month: number, day: number): number {
  if (![year, month, day].every(Number.isInteger) || year < 1 || year > 9999 || month < 1 || month > 12) return NaN;
  if (day < 1 || day > daysInMonth(year, month - 1)) return NaN;
  return utc(year, month - 1, day);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month (0-based), Gregorian leap years included. */
export function daysInMonth(year: number, month0: number): number {
  return month0 === 1 && isLeap(year) ? 29 : MONTH_DAYS[month0]!;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const FIXED: Partial<Record<Unit, number>> = {
  millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: DAY_MS, week: 7 * DAY_MS,
};
const MONTHS: Partial<Record<Unit, number>> = { month: 1, year: 12, decade: 120, century: 1200, millennium: 12_000 };

/** The length of a unit in ms when it has a fixed one (up to weeks), else undefined. */
export function fixedUnitMs(unit: Unit): number | undefined {
  return FIXED[unit];
}

/** `ms` moved by `n` units; months and longer use calendar arithmetic, clamping the day (31 Mar − 1 month = 28/29 Feb). */
export function addUnits(ms: number, unit: Unit, n: number): number {
  const fixed = FIXED[unit];
  if (fixed !== undefined) return ms + n * fixed;
  const months = MONTHS[unit]! * n;
  const d = new Date(ms);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month0 = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month0));
  return utc(year, month0, day, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** The start of the calendar `unit` containing `ms`: weeks start on Monday (ISO 8601), decades at years ending in 0. */
export function startOf(ms: number, unit: Unit): number {
  const fixed = FIXED[unit];
  if (unit === 'week') {
    const day = Math.floor(ms / DAY_MS) * DAY_MS;
    const weekday = (new Date(day).getUTCDay() + 6) % 7;
    return day - weekday * DAY_MS;
  }
  if (fixed !== undefined) return Math.floor(ms / fixed) * fixed;
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  switch (unit) {
    case 'month': return utc(y, d.getUTCMonth(), 1);
    case 'year': return utc(y, 0, 1);
    case 'decade': return utc(Math.floor(y / 10) * 10, 0, 1);
    case 'century': return utc(Math.floor(y / 100) * 100, 0, 1);
    default: return utc(Math.floor(y / 1000) * 1000, 0, 1);
  }
}

/** `[start, end)` of the calendar period `which` (this/last/next) `unit` relative to `nowMs`. */
export function period(which: 'this' | 'last' | 'next', unit: Unit, nowMs: number): [number, number] {
  const offset = which === 'this' ? 0 : which === 'last' ? -1 : 1;
  const start = addUnits(startOf(nowMs, unit), unit, offset);
  return [start, addUnits(start, unit, 1)];
}

/** The UTC calendar fields of an instant: month and day 1-based. */
export function calendar(ms: number): { year: number; month: number; day: number } {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

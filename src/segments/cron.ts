/**
 * Quartz cron expressions as segment schedules use them (`0 30 13 * * ?`: seconds, minutes, hours, day of month,
 * month, day of week, optional year; UTC), limited as AEP limits them to one run a day. Pure.
 */
import { DomainError } from '../shared/errors.js';

/** A parsed schedule: the time of day it fires and the days it fires on. */
export interface DailyCron {
  readonly second: number;
  readonly minute: number;
  readonly hour: number;
  readonly daysOfMonth: ReadonlySet<number> | null;
  readonly months: ReadonlySet<number>;
  /** 1 = Sunday … 7 = Saturday, as Quartz numbers them. */
  readonly daysOfWeek: ReadonlySet<number> | null;
  readonly years: ReadonlySet<number> | null;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const DAY = 86_400_000;

function invalid(expression: string, why: string): DomainError {
  return new DomainError('SCHEDULE_INVALID', `schedule '${expression.slice(0, 80)}' is not a cron expression a schedule can use: ${why}`);
}

/** The values a field allows, or null for `*`/`?` (any). */
function field(expression: string, text: string, name: string, min: number, max: number, names: readonly string[] = [], nameBase = 1): Set<number> | null {
  if (text === '*' || text === '?') return null;
  const value = (s: string): number => {
    const named = names.indexOf(s.toUpperCase());
    if (named >= 0) return named + nameBase;
    if (!/^\d{1,4}$/.test(s)) throw invalid(expression, `${name} '${s.slice(0, 16)}' is not a number${names.length ? ` or a name (${names[0]}…)` : ''}; L, W and # are not supported`);
    const n = Number(s);
    if (n < min || n > max) throw invalid(expression, `${name} ${n} is outside ${min}–${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : value(stepText);
    if (step < 1) throw invalid(expression, `${name} step must be at least 1`);
    let lo: number;
    let hi: number;
    if (range === '*') [lo, hi] = [min, max];
    else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-');
      [lo, hi] = [value(a), value(b)];
      if (lo > hi) throw invalid(expression, `${name} range ${range} runs backwards`);
    } else [lo, hi] = stepText === undefined ? [value(range), value(range)] : [value(range), max];
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** The single value a time field must hold: a schedule runs at most once a day. */
function single(expression: string, values: Set<number> | null, name: string): number {
  if (values === null || values.size !== 1) throw invalid(expression, `${name} must be one value: a schedule runs at most once a day`);
  return [...values][0]!;
}

/** Parses and checks a schedule; SCHEDULE_INVALID names the field that is wrong. */
export function parseDailyCron(expression: string): DailyCron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6 && parts.length !== 7) throw invalid(expression, `it has ${parts.length} fields; Quartz cron has 6 or 7 (seconds minutes hours day-of-month month day-of-week [year])`);
  const [s, m, h, dom, mon, dow, year] = parts as [string, string, string, string, string, string, string | undefined];
  const daysOfMonth = field(expression, dom, 'day of month', 1, 31);
  const daysOfWeek = field(expression, dow, 'day of week', 1, 7, DAYS);
  if (daysOfMonth !== null && daysOfWeek !== null) throw invalid(expression, 'give a day of month or a day of week, not both (use ? in the other)');
  return {
    second: single(expression, field(expression, s, 'seconds', 0, 59), 'seconds'),
    minute: single(expression, field(expression, m, 'minutes', 0, 59), 'minutes'),
    hour: single(expression, field(expression, h, 'hours', 0, 23), 'hours'),
    daysOfMonth,
    months: field(expression, mon, 'month', 1, 12, MONTHS) ?? new Set(MONTHS.map((_, i) => i + 1)),
    daysOfWeek,
    years: year === undefined ? null : field(expression, year, 'year', 1970, 2199),
  };
}

/** The first time strictly after `after` (epoch ms, UTC) the schedule fires; undefined when it never will again. */
export function nextRun(cron: DailyCron, after: number): number | undefined {
  const start = Math.floor(after / DAY) * DAY;
  // Six years cover every day-of-month and leap day a schedule can name; a year field may end it sooner.
  for (let day = start; day < start + 6 * 366 * DAY; day += DAY) {
    const d = new Date(day);
    if (cron.years && !cron.years.has(d.getUTCFullYear())) continue;
    if (!cron.months.has(d.getUTCMonth() + 1)) continue;
    if (cron.daysOfMonth && !cron.daysOfMonth.has(d.getUTCDate())) continue;
    if (cron.daysOfWeek && !cron.daysOfWeek.has(d.getUTCDay() + 1)) continue;
    const at = day + ((cron.hour * 60 + cron.minute) * 60 + cron.second) * 1000;
    if (at > after) return at;
  }
  return undefined;
}

/** Fragment time: the custom `extSourceSystemAudit.lastUpdatedDate` when valid, else the ingestion time. */
import type { Fragment } from './types.js';

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Reads `len` decimal digits at `at`; -1 if any is not a digit. */
function digits(s: string, at: number, len: number): number {
  let n = 0;
  for (let i = at; i < at + len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // also catches NaN past the end of the string
    n = n * 10 + d;
  }
  return n;
}

/**
 * Parses an RFC 3339 date-time (`2024-05-01T10:20:30.123Z`, `…+02:00`) to epoch ms, or NaN.
 * Hand-written rather than `Date.parse` because that one accepts `2020-02-30` and reads offset-less
 * strings in the host's time zone, which would make the merge depend on the machine it runs on.
 * Also accepted, as ISO 8601 allows: `t`/space for `T`, `z` for `Z`, `+hhmm`, seconds omitted,
 * any number of fraction digits (truncated to ms). A leap second (`:60`) is rejected.
 */
export function parseDateTime(s: string): number {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return NaN;
  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') return NaN;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return NaN;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > DAYS_IN_MONTH[month - 1]! || (month === 2 && day === 29 && !leap)) return NaN;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    second = digits(s, i + 1, 2);
    if (second < 0 || second > 59) return NaN;
    i += 3;
    if (s.charCodeAt(i) === 46) {
      const start = ++i;
      for (let d = s.charCodeAt(i) - 48; d >= 0 && d <= 9; d = s.charCodeAt(++i) - 48) {
        if (i - start < 3) ms = ms * 10 + d; // finer digits are truncated: the ranking works in ms
      }
      if (i === start) return NaN;
      for (let k = i - start; k < 3; k++) ms *= 10;
    }
  }
  let offsetMin = 0;
  const z = s[i];
  if (z === 'Z' || z === 'z') {
    i += 1;
  } else if (z === '+' || z === '-') {
    const oh = digits(s, i + 1, 2);
    const colon = s.charCodeAt(i + 3) === 58 ? 1 : 0;
    const om = digits(s, i + 3 + colon, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return NaN;
    offsetMin = (z === '-' ? -1 : 1) * (oh * 60 + om);
    i += 5 + colon;
  } else {
    return NaN; // no offset: the instant is unknowable, so the caller falls back to ingestion time
  }
  if (i !== n) return NaN;
  // Date.UTC maps years 0–99 to 1900–1999; shifting by 400 Gregorian years (exactly 146097 days) avoids it.
  const shift = year < 100 ? 400 : 0;
  const utc = Date.UTC(year + shift, month - 1, day, hour, minute, second, ms) - (shift === 0 ? 0 : 146097 * 86_400_000);
  return utc - offsetMin * 60_000;
}

/** Ingestion time made safe to compare: a non-finite `ingestedAt` would break the sort, so it counts as 0. */
export function ingestionTime(f: Fragment): number {
  return Number.isFinite(f.ingestedAt) ? f.ingestedAt : 0;
}

/**
 * The time a fragment is ranked by under timestampOrdered (ref §4.2 "custom timestamp"): the record's
 * `extSourceSystemAudit.lastUpdatedDate` when it is a valid date-time string, else `ingestedAt`.
 */
export function fragmentTime(f: Fragment): number {
  const audit = f.data?.['extSourceSystemAudit'];
  if (audit !== null && typeof audit === 'object') {
    const date = (audit as Record<string, unknown>)['lastUpdatedDate'];
    if (typeof date === 'string') {
      const t = parseDateTime(date);
      if (t === t) return t; // not NaN
    }
  }
  return ingestionTime(f);
}

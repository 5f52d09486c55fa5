/** The schedule cron: Quartz fields, once-a-day limit, and the next run in UTC. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRun, parseDailyCron } from './cron.js';

const at = (iso: string) => Date.parse(iso);
const next = (cron: string, after: string) => {
  const n = nextRun(parseDailyCron(cron), at(after));
  return n === undefined ? undefined : new Date(n).toISOString();
};

describe('schedule cron', () => {
  it('fires daily at the time given, the same day when the time is still ahead', () => {
    assert.equal(next('0 30 13 * * ?', '2026-06-10T12:00:00Z'), '2026-06-10T13:30:00.000Z');
    assert.equal(next('0 30 13 * * ?', '2026-06-10T13:30:00Z'), '2026-06-11T13:30:00.000Z');
    assert.equal(next('0 0 1 * * ?', '2026-12-31T02:00:00Z'), '2027-01-01T01:00:00.000Z');
  });

  it('reads days of week (1 = Sunday, or names), days of month, months, ranges, lists and steps', () => {
    assert.equal(next('0 0 2 ? * MON', '2026-06-10T00:00:00Z'), '2026-06-15T02:00:00.000Z'); // 10 June 2026 is a Wednesday
    assert.equal(next('0 0 2 ? * 1', '2026-06-10T00:00:00Z'), '2026-06-14T02:00:00.000Z');
    assert.equal(next('0 0 2 ? * MON-FRI', '2026-06-13T00:00:00Z'), '2026-06-15T02:00:00.000Z');
    assert.equal(next('0 0 2 29 FEB ?', '2026-06-10T00:00:00Z'), '2028-02-29T02:00:00.000Z');
    assert.equal(next('0 0 2 1,15 * ?', '2026-06-10T00:00:00Z'), '2026-06-15T02:00:00.000Z');
    assert.equal(next('0 0 2 1/10 * ?', '2026-06-10T00:00:00Z'), '2026-06-11T02:00:00.000Z');
    assert.equal(next('0 0 2 * * ? 2027', '2026-06-10T00:00:00Z'), '2027-01-01T02:00:00.000Z');
    assert.equal(next('0 0 2 * * ? 2025', '2026-06-10T00:00:00Z'), undefined);
  });

  it('refuses what runs more than once a day, both day fields, and what Quartz spells otherwise', () => {
    for (const [cron, why] of [
      ['0 */5 * * * ?', /minutes must be one value/],
      ['0 0 1,13 * * ?', /hours must be one value/],
      ['0 0 1 * *', /5 fields/],
      ['0 0 1 15 * MON', /not both/],
      ['0 0 25 * * ?', /hours 25 is outside 0–23/],
      ['0 0 1 L * ?', /not a number/],
      ['0 0 1 ? * 2#1', /not a number/],
      ['0 0 1 10-5 * ?', /backwards/],
    ] as const) {
      assert.throws(() => parseDailyCron(cron), (err: Error & { code?: string }) => err.code === 'SCHEDULE_INVALID' && why.test(err.message), cron);
    }
  });
});

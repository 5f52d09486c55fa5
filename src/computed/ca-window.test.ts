/** Lookback windows at their edges: rolling hours and days, calendar weeks and months, and the instant an event leaves. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Duration, type Lookback, boundsAt, expiryOf, inWindow } from './ca-window.js';
import { BASE, DAY, HOUR, iso, rng } from './test/random.js';

describe('lookback windows', () => {
  const wednesday = Date.UTC(2024, 2, 13, 15);
  const sunday = Date.UTC(2024, 2, 10);
  const ides = Date.UTC(2024, 2, 15, 9);
  // [duration, now, the first instant in the window]: 1 ms earlier is out. Rolling windows exclude their start.
  const edges: [Duration, number, number, string][] = [
    [{ count: 1, unit: 'HOURS' }, BASE, BASE - HOUR + 1, 'an event exactly 1 hour old is out, 1 ms younger is in'],
    [{ count: 24, unit: 'HOURS' }, BASE, BASE - DAY + 1, '24 hours'],
    [{ count: 1, unit: 'DAYS' }, BASE, BASE - DAY + 1, 'an event exactly 1 day old is out, 1 ms younger is in'],
    [{ count: 7, unit: 'DAYS' }, BASE, BASE - 7 * DAY + 1, '7 days'],
    [{ count: 1, unit: 'WEEKS' }, wednesday, sunday, '1 week on a Wednesday covers from the previous Sunday 00:00 UTC'],
    [{ count: 2, unit: 'WEEKS' }, wednesday, sunday - 7 * DAY, '2 weeks add the whole week before'],
    [{ count: 1, unit: 'WEEKS' }, sunday, sunday, 'at Sunday 00:00 a new week starts'],
    [{ count: 1, unit: 'MONTHS' }, ides, Date.UTC(2024, 2, 1), '1 month on 15 March covers from 1 March'],
    [{ count: 2, unit: 'MONTHS' }, ides, Date.UTC(2024, 1, 1), '2 months on 15 March cover from 1 February'],
    [{ count: 2, unit: 'MONTHS' }, Date.UTC(2024, 0, 20), Date.UTC(2023, 11, 1), '2 months reach back across a year'],
  ];
  for (const [duration, now, first, why] of edges) {
    it(`${duration.count} ${duration.unit}: ${why}`, () => {
      const l: Lookback = { duration, windows: [] };
      const rolling = duration.unit === 'HOURS' || duration.unit === 'DAYS';
      assert.deepEqual(boundsAt(l, now), rolling ? { start: first - 1, startExclusive: true } : { start: first, startExclusive: false });
      assert.equal(inWindow(l, first, now), true);
      assert.equal(inWindow(l, first - 1, now), false);
      assert.equal(inWindow(l, now, now), true);
      assert.equal(inWindow(l, now + 1, now), false, 'a future event is not in yet');
    });
  }
  it('expiryOf is exactly the first instant inWindow turns false, and it stays false', () => {
    const r = rng(4000);
    const durations: (Duration | null)[] = [null, { count: 5, unit: 'HOURS' }, { count: 2, unit: 'DAYS' }, { count: 1, unit: 'WEEKS' }, { count: 3, unit: 'WEEKS' }, { count: 1, unit: 'MONTHS' }, { count: 6, unit: 'MONTHS' }];
    // Month and year windows clamp the day (31 March − 1 month = 29 February): month ends are drawn often below.
    const windows = [{ amount: 3, unit: 'hour', inclusive: false }, { amount: 2, unit: 'day', inclusive: true }, { amount: 1, unit: 'week', inclusive: false }, { amount: 1, unit: 'month', inclusive: false }, { amount: 2, unit: 'month', inclusive: true }, { amount: 1, unit: 'year', inclusive: false }] as const;
    for (let n = 0; n < 2000; n++) {
      const l: Lookback = { duration: r.pick(durations), windows: windows.filter(() => r.int(3) === 0) };
      const ts = r.int(4) === 0 ? Date.UTC(2024, r.int(12), 1 + r.int(28)) : r.int(4) === 0 ? Date.UTC(2024, r.int(12) + 1, 0) + r.int(DAY) : Date.UTC(2024, 0, 1) + r.int(365) * DAY + r.int(DAY);
      const x = expiryOf(l, ts);
      const ctx = `${JSON.stringify(l)} ts ${iso(ts)} expiry ${x === undefined ? 'never' : iso(x)}`;
      if (x === undefined) {
        assert.ok(!l.duration && l.windows.length === 0, ctx);
        continue;
      }
      assert.equal(inWindow(l, ts, x - 1), true, ctx);
      assert.equal(inWindow(l, ts, x), false, ctx);
      assert.equal(inWindow(l, ts, ts + r.int(x - ts)), true, ctx);
      // PQL's `now − n months` clamps the day, so its window start can step back (31 Aug − 2 months = 30 June 00:00,
      // before 30 Aug − 2 months = 30 June at the same time): an event may come back for part of a day. The value
      // follows the first exit, which is what `expiryOf` gives.
      if (!l.windows.some((w) => w.unit === 'month' || w.unit === 'year')) assert.equal(inWindow(l, ts, x + r.int(90 * DAY)), false, ctx);
    }
  });
});

/** PQL evaluations per second for three typical definitions over a profile with 500 events, against hand-written JS. */
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './lib/stats.js';
import { compilePql } from '../src/pql/index.js';

/** The shared row shape of every benchmark figure. */
export type BenchResult = BenchRow;

const NOW = Date.UTC(2024, 4, 15, 12);
const DAY = 86_400_000;
const TYPES = ['web.webpagedetails.pageViews', 'commerce.productViews', 'commerce.productListAdds', 'commerce.purchases', 'directMarketing.emailOpened'];

/** A deterministic profile with 500 events spread over 90 days (one checkout, near the end). */
function fixture(): { profile: Record<string, unknown>; events: Record<string, unknown>[] } {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const events = Array.from({ length: 500 }, (_, i) => {
    const eventType = i === 480 ? 'commerce.checkouts' : TYPES[Math.floor(rand() * TYPES.length)]!;
    const event: Record<string, unknown> = {
      _id: `e${i}`,
      eventType,
      timestamp: new Date(NOW - Math.floor(rand() * 90 * DAY)).toISOString(),
      web: { webPageDetails: { name: `page-${i % 17}` } },
    };
    if (eventType === 'commerce.purchases') event.commerce = { order: { priceTotal: Math.round(rand() * 20_000) / 100, currencyCode: 'USD' } };
    return event;
  });
  const profile = { person: { birthYear: 1984, name: { firstName: 'Ada' } }, homeAddress: { countryCode: 'US' } };
  return { profile, events };
}

type Ctx = ReturnType<typeof fixture>;
interface Scenario {
  readonly name: string;
  readonly pql: string;
  readonly byHand: (ctx: Ctx, now: number) => unknown;
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'count of purchases in the last 30 days > 3',
    pql: 'xEvent[eventType = "commerce.purchases" and timestamp occurs < 30 days before now].count() > 3',
    byHand: ({ events }, now) => {
      let n = 0;
      for (const e of events) {
        if (e.eventType !== 'commerce.purchases') continue;
        const t = Date.parse(e.timestamp as string);
        if (t > now - 30 * DAY && t <= now) n++;
      }
      return n > 3;
    },
  },
  {
    name: 'sum of commerce.order.priceTotal over events',
    pql: 'xEvent.sum(commerce.order.priceTotal)',
    byHand: ({ events }) => {
      let total = 0;
      for (const e of events) {
        const v = (e.commerce as { order?: { priceTotal?: unknown } } | undefined)?.order?.priceTotal;
        if (typeof v === 'number') total += v;
      }
      return total;
    },
  },
  {
    name: 'profile predicate and an event exists',
    pql: 'homeAddress.countryCode = "US" and person.birthYear >= 1980 and exists E from xEvent where E.eventType = "commerce.checkouts"',
    byHand: ({ profile, events }) => {
      const p = profile as { homeAddress?: { countryCode?: unknown }; person?: { birthYear?: unknown } };
      return p.homeAddress?.countryCode === 'US' && typeof p.person?.birthYear === 'number' && p.person.birthYear >= 1980
        && events.some((e) => e.eventType === 'commerce.checkouts');
    },
  },
];

/** Calls `fn` repeatedly for about `ms` milliseconds and returns calls per second. */
function rate(fn: () => unknown, ms: number): number {
  let calls = 0;
  let sink: unknown;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 100; i++) sink = fn();
    calls += 100;
    elapsed = performance.now() - start;
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return (calls * 1000) / elapsed;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Measures every scenario: `runs` timed runs of PQL and of the hand-written ceiling, interleaved. */
export async function runPqlBench({ quick = false }: { quick?: boolean } = {}): Promise<BenchResult[]> {
  const runs = quick ? 3 : 5;
  const ms = quick ? 150 : 500;
  const ctx = fixture();
  const results: BenchResult[] = [];
  for (const s of SCENARIOS) {
    const compiled = compilePql(s.pql);
    const evalCtx = { profile: ctx.profile, events: ctx.events, now: NOW };
    const expected = JSON.stringify(s.byHand(ctx, NOW));
    const got = JSON.stringify(compiled.evaluate(evalCtx));
    if (got !== expected) throw new Error(`${s.name}: PQL gives ${got}, the hand-written version ${expected}`);
    rate(() => compiled.evaluate(evalCtx), ms / 2);
    rate(() => s.byHand(ctx, NOW), ms / 2);
    const pql: number[] = [];
    const hand: number[] = [];
    for (let r = 0; r < runs; r++) {
      pql.push(rate(() => compiled.evaluate(evalCtx), ms));
      hand.push(rate(() => s.byHand(ctx, NOW), ms));
      await new Promise((resolve) => setImmediate(resolve));
    }
    const ceiling = median(hand);
    results.push({ name: s.name, unit: 'evaluations/s', median: median(pql), min: Math.min(...pql), max: Math.max(...pql), ceiling, ratio: median(pql) / ceiling });
  }
  return results;
}

function print(results: readonly BenchResult[]): void {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log('PQL over a profile with 500 events (evaluations/s; ceiling = the same computation by hand in plain JS)');
  for (const r of results) {
    console.log(`  ${r.name.padEnd(46)} median ${fmt(r.median).padStart(9)}  min ${fmt(r.min).padStart(9)}  max ${fmt(r.max).padStart(9)}  ceiling ${fmt(r.ceiling).padStart(10)}  ratio ${r.ratio.toFixed(2)}`);
  }
  const slowest = Math.min(...results.map((r) => r.median));
  console.log(`  target ≥ 20,000 evaluations/s: ${slowest >= 20_000 ? 'met' : 'NOT met'} (slowest median ${fmt(slowest)})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  print(await runPqlBench({ quick: process.argv.includes('--quick') }));
}

/** Micro-benchmark of the merge engine: merges/s of a realistic 4-fragment, 3-dataset profile, against a copy ceiling. */
import { pathToFileURL } from 'node:url';
import type { BenchRow } from './lib/stats.js';
import { compileMergePolicy, mergeFragments } from '../src/merge/index.js';
import type { Fragment, MergePlan } from '../src/merge/index.js';

/** The shared row shape of every benchmark figure. */
export type BenchResult = BenchRow;

const CRM = 'ds-crm-profiles';
const LOYALTY = 'ds-loyalty';
const WEB = 'ds-web-profiles';

function address(street: string, city: string): Record<string, unknown> {
  return { street1: street, city, postalCode: '94103', stateProvince: 'CA', countryCode: 'US', primary: true, status: 'active' };
}

/** One person as four ~1 KB fragments: a CRM record, a loyalty record and two web (ECID) records that overlap. */
export function benchProfile(): Fragment[] {
  const crm = {
    _id: 'crm-000123', personID: 'P-000123',
    identityMap: { CRMID: [{ id: 'C-000123', primary: true, authenticatedState: 'authenticated' }], Email: [{ id: 'jane.doe@example.com' }] },
    person: { name: { firstName: 'Jane', lastName: 'Doe', fullName: 'Jane Doe', courtesyTitle: 'Ms' }, birthDate: '1988-04-12', gender: 'female', maritalStatus: 'single' },
    personalEmail: { address: 'jane.doe@example.com', primary: true, type: 'personal', status: 'active' },
    mobilePhone: { number: '+14155550100', countryCode: '1', primary: true, status: 'active' },
    homeAddress: address('1 Market St', 'San Francisco'),
    billingAddress: address('1 Market St', 'San Francisco'),
    extSourceSystemAudit: { lastUpdatedDate: '2024-05-01T10:00:00Z', createdDate: '2019-01-01T00:00:00Z', externalKey: 'sf:0031' },
    _acme: { crm: { segment: 'gold', accountManager: 'a.smith', tags: ['vip', 'newsletter'], scores: { churn: 0.12, ltv: 5400 } } },
    consents: { marketing: { email: { val: 'y', time: '2024-01-01T00:00:00Z' }, sms: { val: 'n' } }, collect: { val: 'y' } },
  };
  const loyalty = {
    _id: 'loy-778899',
    identityMap: { CRMID: [{ id: 'C-000123', primary: false }], LoyaltyId: [{ id: 'L-778899', primary: true }] },
    person: { name: { firstName: 'Janet', lastName: 'Doe' }, maritalStatus: null },
    loyalty: { loyaltyID: ['L-778899'], tier: 'platinum', points: 48210, joinDate: '2020-03-04', status: 'active', program: 'acme-rewards' },
    mobilePhone: { number: '+14155550199', status: 'active' },
    _acme: { loyalty: { lastRedemption: '2024-04-20', favouriteStore: 'SF-01', coupons: [{ code: 'X1', value: 5 }, { code: 'X2', value: 10 }] } },
    extSourceSystemAudit: { lastUpdatedDate: '2024-05-02T08:30:00.250+02:00' },
  };
  const web = (ecid: string, day: string, browser: string) => ({
    _id: `web-${ecid}`,
    identityMap: { ECID: [{ id: ecid, primary: true, authenticatedState: 'ambiguous' }], Email: [{ id: 'jane.doe@example.com', authenticatedState: 'authenticated' }] },
    person: { name: { firstName: 'J.' } },
    homeAddress: { city: 'SF', countryCode: 'US' },
    preferences: { language: 'en-US', currency: 'USD', browser, newsletter: true, topics: ['running', 'outdoor'] },
    segmentMembership: { ups: { 'seg-1': { status: 'realized', lastQualificationTime: `${day}T10:00:00Z` }, 'seg-2': { status: 'exited' } } },
    _acme: { web: { lastVisit: `${day}T11:12:13Z`, visits: 42, device: { type: 'mobile', os: 'iOS 17' } } },
  });
  const at = Date.parse('2024-05-03T00:00:00Z');
  return [
    { datasetId: CRM, fragmentId: `${CRM}:CRMID:C-000123`, primaryIdentity: { namespace: 'CRMID', id: 'C-000123' }, data: crm, ingestedAt: at },
    { datasetId: LOYALTY, fragmentId: `${LOYALTY}:LoyaltyId:L-778899`, primaryIdentity: { namespace: 'LoyaltyId', id: 'L-778899' }, data: loyalty, ingestedAt: at + 1 },
    { datasetId: WEB, fragmentId: `${WEB}:ECID:111`, primaryIdentity: { namespace: 'ECID', id: '111' }, data: web('11111111111111111111111111111111111111', '2024-05-04', 'safari'), ingestedAt: at + 2 },
    { datasetId: WEB, fragmentId: `${WEB}:ECID:222`, primaryIdentity: { namespace: 'ECID', id: '222' }, data: web('22222222222222222222222222222222222222', '2024-05-05', 'chrome'), ingestedAt: at + 3 },
  ];
}

// The least work any merge that shares nothing with its inputs must do: visit and copy every input value once.
function copyAll(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyAll);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copyAll((value as Record<string, unknown>)[key]);
  return out;
}

let sink = 0; // consumed so that the optimiser cannot drop the measured work

/** Operations per second of `op`, run for about `ms` milliseconds. */
function rate(op: () => unknown, ms: number): number {
  const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  const start = process.hrtime.bigint();
  let count = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 200; i++) if (op() !== null) sink++;
    count += 200;
    now = process.hrtime.bigint();
  }
  return (count * 1e9) / Number(now - start);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs the merge benchmark; `quick` is a smoke test (3 short runs), otherwise 5 runs of 1 s per figure. */
export function runMergeBench({ quick = false }: { quick?: boolean } = {}): BenchResult[] {
  const runs = quick ? 3 : 5;
  const ms = quick ? 100 : 1000;
  const fragments = benchProfile();
  const plans: Array<[string, MergePlan]> = [
    ['merge timestampOrdered, 4 fragments / 3 datasets', compileMergePolicy({ attributeMerge: { type: 'timestampOrdered' }, identityGraph: { type: 'pdg' } })],
    ['merge dataSetPrecedence, 4 fragments / 3 datasets', compileMergePolicy({ attributeMerge: { type: 'dataSetPrecedence', order: [CRM, LOYALTY, WEB] }, identityGraph: { type: 'pdg' } })],
  ];
  const copyFragments = () => fragments.map((f) => copyAll(f.data));
  rate(copyFragments, ms); // warm-up
  const results: BenchResult[] = [];
  for (const [name, plan] of plans) {
    const op = () => mergeFragments(plan, fragments);
    rate(op, ms); // warm-up
    const merges: number[] = [];
    const ceilings: number[] = [];
    for (let r = 0; r < runs; r++) {
      merges.push(rate(op, ms));
      ceilings.push(rate(copyFragments, ms)); // interleaved, so both see the same machine load
    }
    const ceiling = median(ceilings);
    const m = median(merges);
    results.push({ name, unit: 'merges/s', median: m, min: Math.min(...merges), max: Math.max(...merges), ceiling, ratio: m / ceiling });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = runMergeBench({ quick: process.argv.includes('--quick') });
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log('ceiling: a deep copy of all four fragments (every input value visited and copied once), same run');
  for (const r of results) {
    console.log(
      `${r.name}: median ${fmt(r.median)} ${r.unit} (${(1e6 / r.median).toFixed(2)} µs/merge), ` +
        `min ${fmt(r.min)}, max ${fmt(r.max)}; ceiling ${fmt(r.ceiling)}/s; ratio ${r.ratio.toFixed(2)}`,
    );
  }
  if (sink < 0) console.log(sink);
}

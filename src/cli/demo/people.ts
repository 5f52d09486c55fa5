/** Generates realistic, overlapping people for the demo: CRM records, loyalty records, web and commerce events. */

const FIRST = ['Ada', 'Ben', 'Chloe', 'Dev', 'Elena', 'Farid', 'Grace', 'Hugo', 'Iris', 'Jonas', 'Keiko', 'Liam', 'Maya', 'Noor', 'Omar', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tara'];
const LAST = ['Garcia', 'Smith', 'Nguyen', 'Okafor', 'Kowalski', 'Haddad', 'Silva', 'Ito', 'Müller', 'Brown', 'Rossi', 'Singh'];
const CITIES = ['Lisbon', 'Austin', 'Osaka', 'Lagos', 'Berlin', 'Toronto', 'Pune', 'Lyon'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];
const PAGES = ['home', 'search', 'product', 'cart', 'account', 'help'];

/** A small deterministic PRNG (mulberry32), so `--profiles N` always makes the same people. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One person's identities. */
export interface DemoPerson {
  readonly n: number;
  readonly crmId: string;
  readonly email: string;
  readonly phone: string;
  readonly ecid: string;
}

/** The nth person (stable for a given n). */
export function person(n: number): DemoPerson {
  return {
    n,
    crmId: `CRM-${String(n).padStart(7, '0')}`,
    email: `user${n}@example.com`,
    phone: `+1555${String(n).padStart(7, '0')}`,
    ecid: String(n).padStart(19, '0') + String(n * 7919).padStart(19, '0').slice(-19),
  };
}

/** The CRM record: keyed by CRM id, carrying the email; the name as the CRM knows it. */
export function crmRecord(p: DemoPerson, tenant: string): Record<string, unknown> {
  const r = rng(p.n);
  const first = FIRST[Math.floor(r() * FIRST.length)]!;
  const last = LAST[Math.floor(r() * LAST.length)]!;
  return {
    identityMap: { CRMID: [{ id: p.crmId, primary: true, authenticatedState: 'authenticated' }], Email: [{ id: p.email }] },
    person: { name: { firstName: first, lastName: last }, birthDate: `19${60 + Math.floor(r() * 40)}-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}` },
    personalEmail: { address: p.email },
    homeAddress: { city: CITIES[Math.floor(r() * CITIES.length)], countryCode: 'US' },
    extSourceSystemAudit: { lastUpdatedDate: new Date(Date.UTC(2026, 0, 1 + (p.n % 300))).toISOString() },
    [`_${tenant}`]: { loyalty: { tier: 'bronze', points: 0 } },
  };
}

/** The loyalty record: keyed by email, adding the phone; its tier conflicts with the CRM's and is usually newer. */
export function loyaltyRecord(p: DemoPerson, tenant: string): Record<string, unknown> {
  const r = rng(p.n * 31 + 7);
  return {
    identityMap: { Email: [{ id: p.email, primary: true }], Phone: [{ id: p.phone }] },
    mobilePhone: { number: p.phone },
    [`_${tenant}`]: { loyalty: { tier: TIERS[Math.floor(r() * TIERS.length)], points: Math.floor(r() * 20_000) } },
  };
}

/** Web page views keyed by ECID; a login event carries the email too, which stitches the device to the person. */
export function webEvents(p: DemoPerson, count: number, now: number): Array<Record<string, unknown>> {
  const r = rng(p.n * 17 + 3);
  return Array.from({ length: count }, (_, i) => ({
    _id: `web-${p.n}-${i}`,
    timestamp: new Date(now - Math.floor(r() * 60 * 86_400_000)).toISOString(),
    eventType: 'web.webpagedetails.pageViews',
    identityMap: i === 0 ? { ECID: [{ id: p.ecid, primary: true }], Email: [{ id: p.email, authenticatedState: 'authenticated' }] } : { ECID: [{ id: p.ecid, primary: true }] },
    web: { webPageDetails: { name: PAGES[Math.floor(r() * PAGES.length)], URL: `https://shop.example.com/${PAGES[i % PAGES.length]}` } },
  }));
}

/** Purchases keyed by CRM id. */
export function commerceEvents(p: DemoPerson, count: number, now: number): Array<Record<string, unknown>> {
  const r = rng(p.n * 13 + 11);
  return Array.from({ length: count }, (_, i) => ({
    _id: `order-${p.n}-${i}`,
    timestamp: new Date(now - Math.floor(r() * 90 * 86_400_000)).toISOString(),
    eventType: 'commerce.purchases',
    identityMap: { CRMID: [{ id: p.crmId, primary: true }] },
    commerce: { order: { priceTotal: Math.round(r() * 30_000) / 100, currencyCode: 'USD' }, purchases: { value: 1 } },
  }));
}

/** Property: any set of links, ingested in any order or concurrently, gives the clusters an offline union-find gives. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { STORE_KINDS, type TestApp, startTestApp } from './support/app.js';
import { type IngestFixture, ingestFixture } from './support/fixtures.js';

const ORG = 'PROP@AdobeOrg';

/** The reference: a plain union-find over the same links, written independently of src/identity. */
function offlineClusters(links: ReadonlyArray<readonly [number, number]>): string[] {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    if (!parent.has(x)) parent.set(x, x);
    while (parent.get(x) !== x) x = parent.get(x)!;
    return x;
  };
  for (const [a, b] of links) parent.set(find(a), find(b));
  const groups = new Map<number, number[]>();
  for (const x of parent.keys()) groups.set(find(x), [...(groups.get(find(x)) ?? []), x]);
  return [...groups.values()].map((g) => g.sort((p, q) => p - q).join(',')).sort();
}

for (const kind of STORE_KINDS) {
  describe(`identity graph property (${kind})`, () => {
    let t: TestApp;
    let f: IngestFixture;
    before(async () => {
      t = await startTestApp(kind);
      f = await ingestFixture(t, ORG);
    });
    after(() => t.close());

    it('matches offline union-find for random link sets in random order and concurrently', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 })), { minLength: 1, maxLength: 30 }),
          fc.boolean(),
          fc.integer({ min: 1, max: 8 }),
          async (links, concurrent, chunk) => {
            run++;
            // Each run uses its own id space, so runs never share identities.
            const email = (n: number) => `r${run}-${n}@x.com`;
            const record = ([a, b]: readonly [number, number]) => ({
              datasetId: f.profileDataset,
              record: { identityMap: { Email: a === b ? [{ id: email(a), primary: true }] : [{ id: email(a), primary: true }, { id: email(b) }] } },
            });
            const groups: Array<ReturnType<typeof record>[]> = [];
            for (let i = 0; i < links.length; i += chunk) groups.push(links.slice(i, i + chunk).map(record));
            if (concurrent) {
              const outcomes = await Promise.all(groups.map((g) => t.app.services.ingest.ingest(f.tenantId, g)));
              assert.ok(outcomes.every((o) => o.failures.length === 0));
            } else {
              for (const g of groups) assert.equal((await t.app.services.ingest.ingest(f.tenantId, g)).failures.length, 0);
            }
            const rows = await t.store.db.all<{ id: string; cluster_id: string }>("SELECT id, cluster_id FROM identities WHERE tenant_id = ? AND id LIKE ?", [f.tenantId, `r${run}-%`]);
            const byCluster = new Map<string, number[]>();
            for (const r of rows) {
              const n = Number(/^r\d+-(\d+)@/.exec(r.id)![1]);
              byCluster.set(r.cluster_id, [...(byCluster.get(r.cluster_id) ?? []), n]);
            }
            const actual = [...byCluster.values()].map((g) => g.sort((p, q) => p - q).join(',')).sort();
            assert.deepEqual(actual, offlineClusters(links));
          },
        ),
        { numRuns: kind === 'sqlite' ? 60 : 30 },
      );
    });
  });
}

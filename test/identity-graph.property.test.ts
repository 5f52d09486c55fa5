/** Property: any set of links, ingested in any order or concurrently, gives the clusters an offline union-find gives. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { STORE_KINDS, type TestApp, startPeerApp, startTestApp } from './support/app.js';
import type { IngestItem } from '../src/ingest/ingest.service.js';
import { SqliteDb } from '../src/store/sqlite/sqlite-db.js';
import { startWriterThread } from '../src/runtime/writer-thread.js';
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

    /** Clusters of a run's identities as sorted member lists, for comparison with the offline union-find. */
    const clustersOf = async (run: string) => {
      const rows = await t.store.db.all<{ id: string; cluster_id: string }>('SELECT id, cluster_id FROM identities WHERE tenant_id = ? AND id LIKE ?', [f.tenantId, `${run}-%`]);
      const byCluster = new Map<string, number[]>();
      for (const r of rows) {
        const n = Number(/^[a-z0-9]+-(\d+)@/.exec(r.id)![1]);
        byCluster.set(r.cluster_id, [...(byCluster.get(r.cluster_id) ?? []), n]);
      }
      return [...byCluster.values()].map((g) => g.sort((p, q) => p - q).join(',')).sort();
    };
    // Each run uses its own id space, so runs never share identities.
    const groupsOf = (run: string, links: ReadonlyArray<readonly [number, number]>, chunk: number): IngestItem[][] => {
      const email = (n: number) => `${run}-${n}@x.com`;
      const record = ([a, b]: readonly [number, number]) => ({
        datasetId: f.profileDataset,
        record: { identityMap: { Email: a === b ? [{ id: email(a), primary: true }] : [{ id: email(a), primary: true }, { id: email(b) }] } },
      });
      const groups: IngestItem[][] = [];
      for (let i = 0; i < links.length; i += chunk) groups.push(links.slice(i, i + chunk).map(record));
      return groups;
    };
    const linkSets = fc.array(fc.tuple(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 })), { minLength: 1, maxLength: 30 });

    it('matches offline union-find for random link sets in random order and concurrently', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(linkSets, fc.boolean(), fc.integer({ min: 1, max: 8 }), async (links, concurrent, chunk) => {
          const id = `r${++run}`;
          const groups = groupsOf(id, links, chunk);
          if (concurrent) {
            const outcomes = await Promise.all(groups.map((g) => t.app.services.ingest.ingest(f.tenantId, g)));
            assert.ok(outcomes.every((o) => o.failures.length === 0));
          } else {
            for (const g of groups) assert.equal((await t.app.services.ingest.ingest(f.tenantId, g)).failures.length, 0);
          }
          assert.deepEqual(await clustersOf(id), offlineClusters(links));
        }),
        { numRuns: kind === 'sqlite' ? 60 : 30 },
      );
    });

    it(`matches it when two writers link at once (${kind === 'sqlite' ? 'the main thread and the writer thread' : 'two processes'})`, async () => {
      // SQLite: a second connection on the writer thread, taking turns with this one; PostgreSQL: a second app with its
      // own pool, as a second `rtprofile serve` on the same database is.
      const peer = kind === 'postgres' ? await startPeerApp(t) : undefined;
      const db = t.store.db;
      const thread = db instanceof SqliteDb ? await startWriterThread(db, t.store.config, t.app.services, { info() {}, warn() {}, error: (m) => assert.fail(m) }) : undefined;
      const writers = [
        (g: IngestItem[]) => t.app.services.ingest.ingest(f.tenantId, g),
        // On SQLite, the main thread's own writer (the ingest service sends its writes to the thread meanwhile).
        peer ? (g: IngestItem[]) => peer.app.services.ingest.ingest(f.tenantId, g) : async (g: IngestItem[]) => {
          const prepared = await t.app.services.ingest.prepare(f.tenantId, g);
          await t.app.services.ingest.commit(f.tenantId, prepared, null);
          return prepared;
        },
      ];
      try {
        let run = 0;
        await fc.assert(
          fc.asyncProperty(linkSets, fc.integer({ min: 1, max: 4 }), async (links, chunk) => {
            const id = `w${++run}`;
            const outcomes = await Promise.all(groupsOf(id, links, chunk).map((g, i) => writers[i % 2]!(g)));
            assert.ok(outcomes.every((o) => o.failures.length === 0));
            assert.deepEqual(await clustersOf(id), offlineClusters(links));
          }),
          { numRuns: 25 },
        );
      } finally {
        await thread?.stop();
        await peer?.close();
      }
    });
  });
}

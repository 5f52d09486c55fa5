/** The EdgeStore contract, one suite run against SQLite (a temp file), one Redis node and a three-master Redis Cluster. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { EdgeDoc, EdgeRow } from '../src/edge/edge.js';
import type { EdgeStore } from '../src/edge/node/edge-store.js';
import { RedisEdgeStore, parseRedisUrl } from '../src/edge/node/redis-edge-store.js';
import { SqliteEdgeStore } from '../src/edge/node/sqlite-edge-store.js';
import { type RunningRedis, redisSkip, startRedis, startRedisCluster } from './support/redis.js';

/** Opens a fresh, empty store; `reopen` closes it and opens the same data again (same file, same key prefix). */
type Opener = () => Promise<{ store: EdgeStore; reopen(): Promise<EdgeStore> }>;

interface Backend {
  readonly name: string;
  readonly skip: string | false;
  start(): Promise<{ open: Opener; stop(): Promise<void> }>;
}

let fresh = 0;

const sqlite: Backend = {
  name: 'SQLite',
  skip: false,
  async start() {
    const dir = mkdtempSync(join(tmpdir(), 'rtprofile-edge-'));
    return {
      async open() {
        const path = join(dir, `edge-${++fresh}.db`);
        const store = SqliteEdgeStore.open(path);
        return { store, reopen: async () => (await store.close(), SqliteEdgeStore.open(path)) };
      },
      stop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

const redis = (name: string, startServer: () => Promise<RunningRedis>): Backend => ({
  name,
  skip: redisSkip,
  async start() {
    const server = await startServer();
    return {
      async open() {
        // A prefix per test: the tests share the server, as edges sharing one would.
        const prefix = `t${++fresh}:`;
        const store = await RedisEdgeStore.connect(server.url, { prefix });
        return { store, reopen: async () => (await store.close(), RedisEdgeStore.connect(server.url, { prefix })) };
      },
      stop: () => server.stop(),
    };
  },
});

const T = 7;
const P = 'proj-1';
const NOW = 1_000_000;
type Opts = { tenantId?: number; projectionId?: string; entity?: string };
const doc = (ids: ReadonlyArray<readonly [string, string]>, entity = '{"n":1}'): EdgeDoc => ({
  identities: ids.map(([ns, id]) => ({ ns, id })),
  entity,
  sources: '[{"id":"ds"}]',
  modifiedAt: 1_700_000_000_000,
  policyId: 'policy-1',
});
const row = (seq: number, personKey: string, ids: ReadonlyArray<readonly [string, string]>, o: Opts = {}): EdgeRow => ({
  seq, tenantId: o.tenantId ?? T, projectionId: o.projectionId ?? P, personKey, doc: doc(ids, o.entity),
});
const tomb = (seq: number, personKey: string, o: Opts = {}): EdgeRow => ({ seq, tenantId: o.tenantId ?? T, projectionId: o.projectionId ?? P, personKey, doc: undefined });

/** What an identity resolves to, as sorted `projection/person@seq` strings (an empty list: a miss). */
async function found(store: EdgeStore, ns: string, id: string, tenantId = T): Promise<string[]> {
  return (await store.lookup(tenantId, ns, id)).map((h) => `${h.projectionId}/${h.personKey}@${h.seq}`).sort();
}

for (const backend of [sqlite, redis('Redis, one node', startRedis), redis('Redis Cluster', startRedisCluster)]) {
  describe(`edge store contract (${backend.name})`, { skip: backend.skip }, () => {
    let open: Opener;
    let stop: () => Promise<void>;
    const opened: EdgeStore[] = [];
    const store = async () => {
      const s = await open();
      opened.push(s.store);
      return { ...s, reopen: async () => { const again = await s.reopen(); opened.push(again); return again; } };
    };
    before(async () => ({ open, stop } = await backend.start()));
    after(async () => {
      await Promise.all(opened.map((s) => s.close()));
      await stop?.();
    });

    it('finds a person by every identity, with the doc as shipped; namespaces compare exactly', async () => {
      const { store: s } = await store();
      assert.equal(await s.offset(), 0);
      const ids = [['email', 'ann@example.com'], ['ecid', '123'], ['crmid', 'C-9']] as const;
      await s.apply([row(5, 'ann', ids, { entity: '{"name":"Ann"}' })], 1, NOW);
      for (const [ns, id] of ids) {
        assert.deepEqual(await s.lookup(T, ns, id), [{ projectionId: P, personKey: 'ann', seq: 5, ...doc(ids, '{"name":"Ann"}') }]);
      }
      assert.deepEqual(await s.lookup(T, 'EMAIL', 'ann@example.com'), []);
      assert.deepEqual(await s.lookup(T, 'email', 'nobody@example.com'), []);
      assert.equal(await s.count(T, P), 1);
      assert.equal(await s.offset(), 1);
    });

    it('applies only newer rows: older and equal seqs are ignored, a replay changes nothing', async () => {
      const { store: s } = await store();
      const entity = async () => (await s.lookup(T, 'ecid', '1'))[0]?.entity;
      await s.apply([row(5, 'a', [['ecid', '1']], { entity: '"A"' })], 1, NOW);
      await s.apply([row(3, 'a', [['ecid', '1']], { entity: '"B"' }), row(5, 'a', [['ecid', '1']], { entity: '"C"' })], 2, NOW);
      assert.equal(await entity(), '"A"');
      const batch = [row(8, 'a', [['ecid', '1']], { entity: '"D"' }), row(7, 'a', [['ecid', '1']], { entity: '"E"' })];
      await s.apply(batch, 3, NOW);
      await s.apply(batch, 3, NOW);
      assert.equal(await entity(), '"D"');
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/a@8`]);
      assert.equal(await s.count(T, P), 1);
    });

    it('re-points identities: a dropped one misses, a new one resolves, a moved one follows its new person', async () => {
      const { store: s } = await store();
      await s.apply([row(1, 'a', [['email', 'a@x'], ['ecid', '1']]), row(2, 'b', [['ecid', '2']])], 1, NOW);
      await s.apply([row(3, 'a', [['ecid', '1'], ['ecid', '1b']])], 2, NOW);
      assert.deepEqual(await found(s, 'email', 'a@x'), []);
      assert.deepEqual(await found(s, 'ecid', '1b'), [`${P}/a@3`]);
      assert.deepEqual((await s.lookup(T, 'ecid', '1'))[0]?.identities, [{ ns: 'ecid', id: '1' }, { ns: 'ecid', id: '1b' }]);
      // A merge: b claims ecid:1 before a's row drops it; a's later rows (a drop, then a tombstone) must not unclaim it.
      await s.apply([row(4, 'b', [['ecid', '2'], ['ecid', '1']])], 3, NOW);
      await s.apply([row(5, 'a', [['ecid', '1b']])], 4, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/b@4`]);
      await s.apply([row(6, 'b', [['ecid', '2'], ['ecid', '1'], ['ecid', '1b']]), tomb(7, 'a')], 5, NOW);
      assert.deepEqual(await found(s, 'ecid', '1b'), [`${P}/b@6`]);
      assert.equal(await s.count(T, P), 1);
      // Two people claiming one identity within a batch: the later row's claim stands, as if applied one by one.
      await s.apply([row(8, 'c', [['ecid', 'x']]), row(9, 'd', [['ecid', 'x']]), row(10, 'c', [['ecid', 'x']])], 6, NOW);
      assert.deepEqual(await found(s, 'ecid', 'x'), [`${P}/c@10`]);
    });

    it('removes a person on a newer tombstone only', async () => {
      const { store: s } = await store();
      await s.apply([row(4, 'a', [['ecid', '1'], ['email', 'a@x']]), row(4, 'b', [['ecid', '2']])], 1, NOW);
      await s.apply([tomb(3, 'a'), tomb(9, 'nobody')], 2, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/a@4`]);
      await s.apply([tomb(5, 'a')], 3, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), []);
      assert.deepEqual(await found(s, 'email', 'a@x'), []);
      assert.deepEqual(await found(s, 'ecid', '2'), [`${P}/b@4`]);
      assert.equal(await s.count(T, P), 1);
      await s.apply([row(6, 'a', [['ecid', '1']])], 4, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/a@6`]);
      // Within one batch a newer tombstone wins over an older row that follows it (across batches it could not: see
      // the stores' notes on replays).
      await s.apply([tomb(8, 'a'), row(7, 'a', [['ecid', '1']])], 5, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), []);
    });

    it('holds one person in two projections: a lookup returns both, a tombstone in one leaves the other', async () => {
      const { store: s } = await store();
      await s.apply([row(1, 'a', [['ecid', '1']]), row(2, 'a', [['ecid', '1']], { projectionId: 'proj-2', entity: '{"p":2}' })], 1, NOW);
      const held = await s.lookup(T, 'ecid', '1');
      assert.deepEqual(held.map((h) => [h.projectionId, h.entity]).sort(), [[P, '{"n":1}'], ['proj-2', '{"p":2}']]);
      await s.apply([tomb(3, 'a')], 2, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), ['proj-2/a@2']);
    });

    it('keeps tenants apart: the same identity in two sandboxes names two people', async () => {
      const { store: s } = await store();
      await s.apply([row(1, 'a', [['ecid', '1']], { tenantId: 1 }), row(2, 'b', [['ecid', '1']], { tenantId: 2 })], 1, NOW);
      assert.deepEqual(await found(s, 'ecid', '1', 1), [`${P}/a@1`]);
      assert.deepEqual(await found(s, 'ecid', '1', 2), [`${P}/b@2`]);
      await s.apply([tomb(3, 'a', { tenantId: 1 })], 2, NOW);
      await s.wipe([{ tenantId: 3, projectionId: P }]);
      assert.deepEqual(await found(s, 'ecid', '1', 1), []);
      assert.deepEqual(await found(s, 'ecid', '1', 2), [`${P}/b@2`]);
      assert.equal(await s.count(2, P), 1);
    });

    it('moves the offset forward only, and keeps it across a reopen', async () => {
      const { store: s, reopen } = await store();
      await s.apply([row(1, 'a', [['ecid', '1']])], 10, NOW);
      await s.apply([], 4, NOW);
      assert.equal(await s.offset(), 10);
      await s.apply([], 12, NOW);
      const again = await reopen();
      assert.equal(await again.offset(), 12);
      assert.deepEqual(await found(again, 'ecid', '1'), [`${P}/a@1`]);
    });

    it('evicts idle people (oldest first, up to the limit) and spares those read since', async () => {
      const { store: s } = await store();
      const people = ['a', 'b', 'c', 'd', 'e'];
      await s.apply(people.map((p, i) => row(i + 1, p, [['ecid', p], ['email', `${p}@x`]])), 1, NOW);
      await s.apply([row(1, 'z', [['ecid', 'z']], { projectionId: 'proj-2' })], 2, NOW);
      await s.markRead([{ tenantId: T, projectionId: P, personKey: 'a', at: NOW + 5_000 }, { tenantId: T, projectionId: P, personKey: 'ghost', at: NOW + 5_000 }]);
      // A later report of an older read must not make the person look idle again.
      await s.markRead([{ tenantId: T, projectionId: P, personKey: 'a', at: NOW + 1 }]);
      assert.equal(await s.evictIdle(T, P, NOW + 3_000, 3), 3);
      assert.equal(await s.count(T, P), 2);
      assert.equal(await s.evictIdle(T, P, NOW + 3_000, 10), 1);
      assert.equal(await s.evictIdle(T, P, NOW + 3_000, 10), 0);
      assert.deepEqual(await found(s, 'email', 'a@x'), [`${P}/a@1`]);
      for (const p of people.slice(1)) assert.deepEqual([...(await found(s, 'ecid', p)), ...(await found(s, 'email', `${p}@x`))], [], p);
      assert.deepEqual(await found(s, 'ecid', 'z'), ['proj-2/z@1']);
      assert.equal(await s.count(T, P), 1);
      assert.equal(await s.evictIdle(T, P, NOW + 6_000, 10), 1);
      assert.equal(await s.count(T, P), 0);
    });

    it('wipes one projection and leaves the other; reset empties everything and zeroes the offset', async () => {
      const { store: s } = await store();
      await s.apply([
        row(1, 'a', [['ecid', '1']]), row(2, 'b', [['ecid', '2']]),
        row(3, 'a', [['ecid', '1']], { projectionId: 'proj-2' }), row(4, 'c', [['ecid', '3']], { projectionId: 'proj-2' }),
      ], 5, NOW);
      await s.wipe([{ tenantId: T, projectionId: P }]);
      assert.equal(await s.count(T, P), 0);
      assert.equal(await s.count(T, 'proj-2'), 2);
      assert.deepEqual(await found(s, 'ecid', '1'), ['proj-2/a@3']);
      assert.deepEqual(await found(s, 'ecid', '2'), []);
      await s.apply([row(6, 'a', [['ecid', '1']])], 6, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/a@6`, 'proj-2/a@3']);
      const { store: other } = await store();
      await other.apply([row(1, 'a', [['ecid', '1']])], 9, NOW);
      await s.reset();
      assert.equal(await s.offset(), 0);
      assert.equal(await other.offset(), 9, 'a reset reaches no other store (file, key prefix)');
      assert.deepEqual(await found(other, 'ecid', '1'), [`${P}/a@1`]);
      assert.equal(await s.count(T, 'proj-2'), 0);
      assert.deepEqual(await found(s, 'ecid', '1'), []);
      await s.apply([row(1, 'a', [['ecid', '1']])], 1, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/a@1`]);
    });

    it('takes hostile ids, person keys and projection ids without collisions', async () => {
      const { store: s } = await store();
      const hostile = ['{', '}', '{}', ':', 'a:b', '{a}:b', '%7B', '%', 'a b', ' ', '', 'ünïcødé 🎉', '*', '?x', '[a]', '\\', 'x'.repeat(1_000)];
      const pairs = [...hostile.map((id) => ['ns', id] as const), ['a:b', 'c'] as const, ['a', 'b:c'] as const, ['{ns}', '{id}'] as const];
      const projections = ['p*', 'p?', 'p[1]', 'p{x}:y'];
      await s.apply(pairs.flatMap(([ns, id], i) => projections.map((projectionId, j) => row(i * 10 + j + 1, `${id}|${ns}`, [[ns, id]], { projectionId }))), 1, NOW);
      await s.apply([row(1, 'plain', [['ns', 'plain']], { projectionId: 'px' })], 2, NOW);
      for (const [i, [ns, id]] of pairs.entries()) {
        assert.deepEqual(await found(s, ns, id), projections.map((p, j) => `${p}/${id}|${ns}@${i * 10 + j + 1}`).sort(), `${ns} ${id}`);
      }
      await s.wipe([{ tenantId: T, projectionId: 'p*' }]);
      await s.apply([tomb(999, '{a}:b|ns', { projectionId: 'p?' })], 3, NOW);
      assert.equal(await s.count(T, 'p*'), 0);
      assert.equal(await s.count(T, 'p?'), pairs.length - 1);
      assert.equal(await s.count(T, 'px'), 1);
      const k = hostile.indexOf('{a}:b');
      assert.deepEqual(await found(s, 'ns', '{a}:b'), [`p[1]/{a}:b|ns@${k * 10 + 3}`, `p{x}:y/{a}:b|ns@${k * 10 + 4}`]);
      assert.deepEqual(await found(s, 'ns', 'plain'), ['px/plain@1']);
    });

    it('applies a few thousand people in batches, one past 1,000 rows (a sanity check of the batch path, not a timing)', async () => {
      const { store: s } = await store();
      const rows = Array.from({ length: 5_000 }, (_, i) => row(i + 1, `person-${i}`, [['ecid', `e${i}`], ['email', `p${i}@x`]]));
      // One call past 1,000 rows too: the Redis store splits what it sends per command.
      await s.apply(rows.slice(0, 2_500), 2_500, NOW);
      for (let i = 2_500; i < rows.length; i += 1_000) await s.apply(rows.slice(i, i + 1_000), Math.min(i + 1_000, rows.length), NOW);
      await s.apply(rows.slice(0, 1_000), 1_000, NOW);
      assert.equal(await s.count(T, P), 5_000);
      assert.equal(await s.offset(), 5_000);
      for (const i of [0, 999, 1_000, 4_999]) assert.deepEqual(await found(s, 'email', `p${i}@x`), [`${P}/person-${i}@${i + 1}`]);
      await s.markRead(rows.slice(1).map((r) => ({ tenantId: T, projectionId: P, personKey: r.personKey, at: NOW + 1 })));
      assert.equal(await s.evictIdle(T, P, NOW + 1, 10_000), 1);
      assert.equal(await s.count(T, P), 4_999);
    });
  });
}

describe('SQLite edge store file', () => {
  it('drops a file of another layout and starts over from offset 0 (the hub refills it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtprofile-edge-'));
    try {
      const path = join(dir, 'old.db');
      const old = new Database(path);
      old.exec("CREATE TABLE docs (x TEXT); CREATE TABLE meta (name TEXT, value INTEGER); INSERT INTO meta VALUES ('offset', 99)");
      old.close();
      const s = SqliteEdgeStore.open(path);
      assert.equal(await s.offset(), 0);
      await s.apply([row(1, 'a', [['ecid', '1']])], 1, NOW);
      assert.deepEqual(await found(s, 'ecid', '1'), [`${P}/a@1`]);
      await s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Redis URLs', () => {
  it('reads one node, a cluster (redis+cluster:// or any comma list), credentials, database and TLS', () => {
    assert.deepEqual(parseRedisUrl('redis://:s%40cret@10.0.0.1:6380/2'), { cluster: false, nodes: [{ host: '10.0.0.1', port: 6380 }], db: 2, options: { password: 's@cret' } });
    assert.deepEqual(parseRedisUrl('cache:7000').nodes, [{ host: 'cache', port: 7000 }]);
    assert.deepEqual(parseRedisUrl('rediss://u:p@[::1]').options, { tls: {}, username: 'u', password: 'p' });
    const seeds = [{ host: 'a', port: 7000 }, { host: 'b', port: 7001 }];
    for (const url of ['redis+cluster://a:7000,b:7001', 'redis://a:7000,redis://b:7001', 'a:7000,b:7001']) assert.deepEqual(parseRedisUrl(url), { cluster: true, nodes: seeds, db: 0, options: {} }, url);
    assert.equal(parseRedisUrl('redis+cluster://a:7000').cluster, true);
    assert.throws(() => parseRedisUrl('redis+cluster://a:7000/3'), /database/);
  });
});

/** The edge store on Redis, one node or a cluster: every key carries a hash tag and no command spans two keys' slots. */
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { EdgeDoc, EdgeRow } from '../edge.js';
import type { EdgeStore, HeldDoc, ReadMark } from './edge-store.js';

type Client = Redis | Cluster;
/** What a person's field holds: the seq applied and the identities its doc named (to un-point them later). */
type Person = { seq: number; ids: Array<[string, string]> };
type Scripts = {
  edgeHdelIf(key: string, field: string, prefix: string): Promise<number>;
  edgeAdvance(key: string, offset: string): Promise<number>;
};

/** The key prefix when none is given, so an edge's keys are recognisable on a shared server. */
export const DEFAULT_REDIS_PREFIX = 'rtp:';

// Removes an identity's field only while it still holds this person's doc (held values start with the person key):
// a merge may have moved the identity to another person, whose claim must survive.
const HDEL_IF = `local v = redis.call('HGET', KEYS[1], ARGV[1])
if v and string.sub(v, 1, #ARGV[2]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;
const ADVANCE = `local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > v then redis.call('SET', KEYS[1], ARGV[1]) end
return 0`;

// Escapes only what could break a hash tag or a key's `:` separators (and `%` itself, so the escape is one-to-one):
// ordinary ids stay readable and cost nothing to encode.
const NEEDS_ESCAPE = /[%{}:]/;
const esc = (part: string) => (NEEDS_ESCAPE.test(part) ? part.replace(/[%{}:]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) : part);
const globEscape = (literal: string) => literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
// Length-prefixed, so no namespace/id split of the same characters can collide.
const idKey = ([ns, id]: readonly [string, string]) => `${ns.length}:${ns}${id}`;
const guardOf = (personKey: string) => `{"personKey":${JSON.stringify(personKey)},`;
type Header = Omit<HeldDoc, 'projectionId' | 'entity'>;

// A held doc is a one-line JSON header (JSON.stringify never writes a raw newline), a newline, then the entity as
// shipped: the entity, the bulk of it, is neither escaped on write nor parsed on lookup.
function encodeHeld(guard: string, seq: number, doc: EdgeDoc): string {
  const identities = JSON.stringify(doc.identities.map(({ ns, id }) => ({ ns, id })));
  return `${guard}"seq":${seq},"identities":${identities},"sources":${JSON.stringify(doc.sources)},"modifiedAt":${doc.modifiedAt},"policyId":${JSON.stringify(doc.policyId)}}\n${doc.entity}`;
}

function decodeHeld(projectionId: string, value: string): HeldDoc {
  const split = value.indexOf('\n');
  const h = JSON.parse(value.slice(0, split)) as Header;
  return { projectionId, personKey: h.personKey, seq: h.seq, identities: h.identities, entity: value.slice(split + 1), sources: h.sources, modifiedAt: h.modifiedAt, policyId: h.policyId };
}

/** A parsed Redis URL: one node, or a cluster's seed nodes; credentials and TLS apply to every node. */
export interface RedisTarget {
  readonly cluster: boolean;
  readonly nodes: ReadonlyArray<{ readonly host: string; readonly port: number }>;
  readonly db: number;
  readonly options: Pick<RedisOptions, 'username' | 'password' | 'tls'>;
}

/**
 * Parses `redis://[user:pass@]host:port[/db]` (one node; `rediss://` for TLS; a bare `host:port` too, as REDIS_URL is
 * often set) and `redis+cluster://[user:pass@]host:port,host:port` or any comma-separated list (a cluster, seed nodes).
 */
export function parseRedisUrl(url: string): RedisTarget {
  const match = /^(rediss?)(\+cluster)?:\/\/(.*)$/i.exec(url.trim()) ?? [url, 'redis', undefined, url.trim()];
  const scheme = match[1]!.toLowerCase();
  const entries = match[3]!.split(',').map((e) => e.trim().replace(/^rediss?(\+cluster)?:\/\//i, '')).filter(Boolean);
  if (entries.length === 0) throw new Error(`no Redis host in ${JSON.stringify(url)}`);
  const options: { username?: string; password?: string; tls?: object } = scheme === 'rediss' ? { tls: {} } : {};
  let db = 0;
  const nodes = entries.map((entry) => {
    const parsed = new URL(`redis://${entry}`);
    if (parsed.password && options.password === undefined) {
      options.password = decodeURIComponent(parsed.password);
      if (parsed.username) options.username = decodeURIComponent(parsed.username);
    }
    if (parsed.pathname.length > 1) db = Number(parsed.pathname.slice(1));
    return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: Number(parsed.port || 6379) };
  });
  const cluster = match[2] !== undefined || nodes.length > 1;
  if (!Number.isInteger(db) || db < 0 || (cluster && db !== 0)) throw new Error(`bad Redis database in ${JSON.stringify(url)} (a cluster has only 0)`);
  return { cluster, nodes, db, options };
}

/**
 * Redis behind the EdgeStore contract. Keys (P the prefix, parts escaped): `P i:{t:ns:id}` a hash, field projection id
 * → the held doc's JSON, so a lookup is one HGETALL; `P h:{t:projection}` a hash, field person key → the person's seq
 * and identities; `P a:{t:projection}` a sorted set of the projection's people by last activity (the same slot as the
 * hash, so both are read and written in a few commands per batch); `P o` the offset. An apply writes identities, then
 * people, then the offset: a crash between them leaves the person's old seq, and the replay from the unmoved offset
 * redoes the rest. One writer per prefix: this instance runs its writes one at a time. A tombstone forgets the
 * person's seq, so an older row replayed after it would bring the person back; rows come in seq order from one stream
 * and the offset only moves forward, so a replay never goes back past a tombstone it applied.
 */
export class RedisEdgeStore implements EdgeStore {
  readonly kind = 'redis' as const;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly scripts: Scripts;
  private closed: Promise<void> | undefined;

  private constructor(private readonly client: Client, private readonly prefix: string) {
    client.defineCommand('edgeHdelIf', { numberOfKeys: 1, lua: HDEL_IF });
    client.defineCommand('edgeAdvance', { numberOfKeys: 1, lua: ADVANCE });
    this.scripts = client as unknown as Scripts;
  }

  /** Connects to a node or a cluster (see parseRedisUrl); `prefix` (default `rtp:`) separates edges sharing a server. */
  static async connect(url: string, options: { prefix?: string } = {}): Promise<RedisEdgeStore> {
    const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    if (/[{}]/.test(prefix)) throw new Error(`a Redis key prefix cannot hold { or } (they would move the hash tag): ${prefix}`);
    const target = parseRedisUrl(url);
    const common = { enableAutoPipelining: true, lazyConnect: true } as const;
    const client: Client = target.cluster
      ? new Cluster([...target.nodes], { ...common, redisOptions: target.options })
      : new Redis({ ...common, ...target.options, ...target.nodes[0]!, db: target.db });
    // Failures surface as rejected commands; without a listener ioredis would also print every reconnection attempt.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      throw error;
    }
    return new RedisEdgeStore(client, prefix);
  }

  private identityKey(tenantId: number, ns: string, id: string): string {
    return `${this.prefix}i:{${tenantId}:${esc(ns)}:${esc(id)}}`;
  }
  private projectionKeys(tenantId: number, projectionId: string): { people: string; activity: string } {
    const tag = `{${tenantId}:${esc(projectionId)}}`;
    return { people: `${this.prefix}h:${tag}`, activity: `${this.prefix}a:${tag}` };
  }
  private get offsetKey(): string {
    return `${this.prefix}o`;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  async offset(): Promise<number> {
    return Number((await this.client.get(this.offsetKey)) ?? 0);
  }

  apply(rows: readonly EdgeRow[], offset: number, now: number): Promise<void> {
    return this.serial(() => this.applyNow(rows, offset, now));
  }

  private async applyNow(rows: readonly EdgeRow[], offset: number, now: number): Promise<void> {
    // Per projection, each person's newest row: applying the older ones first would be undone by it anyway (except
    // after a tombstone, which forgets the seq: so a batch [tombstone 7, row 5] leaves the person gone).
    const byProjection = new Map<string, { tenantId: number; projectionId: string; newest: Map<string, EdgeRow> }>();
    for (const row of rows) {
      const group = `${row.tenantId}:${row.projectionId}`;
      let projection = byProjection.get(group);
      if (!projection) byProjection.set(group, (projection = { tenantId: row.tenantId, projectionId: row.projectionId, newest: new Map() }));
      const seen = projection.newest.get(row.personKey);
      if (!seen || row.seq > seen.seq) projection.newest.set(row.personKey, row);
    }
    // In seq order, so that of two people claiming one identity in a batch the later row wins, as applied one by one.
    const inOrder = (newest: Map<string, EdgeRow>) => [...newest.keys()].sort((a, b) => newest.get(a)!.seq - newest.get(b)!.seq);
    const groups = [...byProjection.values()].map((g) => ({ ...g, ...this.projectionKeys(g.tenantId, g.projectionId), persons: inOrder(g.newest) }));
    const helds = await Promise.all(groups.map(async (g) => (await Promise.all(chunks(g.persons, 1).map((part) => this.client.hmget(g.people, ...part)))).flat()));
    // Phase 0 lists identities about to be written under their person (old seq kept), so that wipe and eviction, which
    // find identities through the person, see them even if this apply dies before phase 2 records the new seq.
    const phases: Array<Array<() => Promise<unknown>>> = [[], [], []];
    groups.forEach(({ tenantId, projectionId, newest, people, activity, persons }, g) => {
      const [announced, kept, gone, active]: [string[], string[], string[], Array<string | number>] = [[], [], [], []];
      persons.forEach((personKey, i) => {
        const row = newest.get(personKey)!;
        const json = helds[g]![i];
        const held = json ? (JSON.parse(json) as Person) : undefined;
        if (held && held.seq >= row.seq) return;
        const doc = row.doc;
        const ids = doc?.identities.map(({ ns, id }): [string, string] => [ns, id]) ?? [];
        const keep = new Set(ids.map(idKey));
        const had = new Set(held?.ids.map(idKey));
        const guard = guardOf(personKey);
        for (const [ns, id] of held?.ids ?? []) {
          if (!keep.has(idKey([ns, id]))) phases[1]!.push(() => this.scripts.edgeHdelIf(this.identityKey(tenantId, ns, id), projectionId, guard));
        }
        if (!doc) {
          if (held) gone.push(personKey);
          return;
        }
        const added = ids.filter((pair) => !had.has(idKey(pair)));
        if (added.length > 0) announced.push(personKey, JSON.stringify({ seq: held?.seq ?? -1, ids: [...(held?.ids ?? []), ...added] }));
        const value = encodeHeld(guard, row.seq, doc);
        for (const [ns, id] of ids) phases[1]!.push(() => this.client.hset(this.identityKey(tenantId, ns, id), projectionId, value));
        active.push(now, personKey);
        kept.push(personKey, JSON.stringify({ seq: row.seq, ids }));
      });
      for (const part of chunks(announced, 2)) phases[0]!.push(() => this.client.hset(people, ...part));
      // NX: a person's first arrival is activity, an update is not (see EdgeStore.apply).
      for (const part of chunks(active, 2)) phases[1]!.push(() => this.client.zadd(activity, 'NX', ...part));
      for (const part of chunks(kept, 2)) phases[2]!.push(() => this.client.hset(people, ...part));
      for (const part of chunks(gone, 1)) phases[2]!.push(() => this.client.hdel(people, ...part), () => this.client.zrem(activity, ...part));
    });
    for (const phase of phases) await Promise.all(phase.map((send) => send()));
    await this.scripts.edgeAdvance(this.offsetKey, String(offset));
  }

  async lookup(tenantId: number, ns: string, id: string): Promise<HeldDoc[]> {
    const hash = await this.client.hgetall(this.identityKey(tenantId, ns, id));
    return Object.keys(hash).map((projectionId) => decodeHeld(projectionId, hash[projectionId]!));
  }

  async markRead(reads: readonly ReadMark[]): Promise<void> {
    const byActivity = new Map<string, (string | number)[]>();
    for (const r of reads) push(byActivity, this.projectionKeys(r.tenantId, r.projectionId).activity, r.at, r.personKey);
    // XX: a read racing an eviction must not bring the evicted person back into the set.
    await Promise.all([...byActivity].flatMap(([activity, pairs]) => chunks(pairs, 2).map((part) => this.client.zadd(activity, 'XX', 'GT', ...part))));
  }

  evictIdle(tenantId: number, projectionId: string, before: number, limit: number): Promise<number> {
    return this.serial(async () => {
      if (limit <= 0) return 0;
      const { people, activity } = this.projectionKeys(tenantId, projectionId);
      const members = await this.client.zrangebyscore(activity, '-inf', `(${before}`, 'LIMIT', 0, limit);
      if (members.length === 0) return 0;
      const helds = (await Promise.all(chunks(members, 1).map((part) => this.client.hmget(people, ...part)))).flat();
      await Promise.all(helds.flatMap((held, i) => (held ? (JSON.parse(held) as Person).ids : []).map(([ns, id]) => this.scripts.edgeHdelIf(this.identityKey(tenantId, ns, id), projectionId, guardOf(members[i]!)))));
      await Promise.all(chunks(members, 1).flatMap((part) => [this.client.hdel(people, ...part), this.client.zrem(activity, ...part)]));
      return members.length;
    });
  }

  wipe(projections: ReadonlyArray<{ readonly tenantId: number; readonly projectionId: string }>): Promise<void> {
    return this.serial(async () => {
      for (const { tenantId, projectionId } of projections) {
        const { people, activity } = this.projectionKeys(tenantId, projectionId);
        let cursor = '0';
        do {
          const [next, pairs] = await this.client.hscan(people, cursor, 'COUNT', 1000);
          cursor = next;
          // The whole projection goes, so any of its fields on an identity can go without checking whose it is.
          const ids = pairs.flatMap((json, i) => (i % 2 === 1 ? (JSON.parse(json) as Person).ids : []));
          await Promise.all(ids.map(([ns, id]) => this.client.hdel(this.identityKey(tenantId, ns, id), projectionId)));
        } while (cursor !== '0');
        await Promise.all([this.client.unlink(people), this.client.unlink(activity)]);
      }
    });
  }

  reset(): Promise<void> {
    return this.serial(() => this.scan(`${globEscape(this.prefix)}*`, (keys) => Promise.all(keys.map((key) => this.client.unlink(key)))));
  }

  // Scans every master, but `each` should act through the client, which routes by slot (right even mid-resharding).
  private async scan(pattern: string, each: (keys: string[]) => Promise<unknown>): Promise<void> {
    const nodes = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    await Promise.all(nodes.map(async (node) => {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await each(keys);
      } while (cursor !== '0');
    }));
  }

  async count(tenantId: number, projectionId: string): Promise<number> {
    return this.client.hlen(this.projectionKeys(tenantId, projectionId).people);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.tail;
      try {
        await this.client.quit();
      } catch {
        this.client.disconnect();
      }
    })();
    return this.closed;
  }
}

// Spreading a huge batch into one command's arguments would overflow the call stack: at most 1,000 items per command.
function chunks<T>(list: readonly T[], itemWidth: number): T[][] {
  const size = 1_000 * itemWidth;
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function push<V>(map: Map<string, V[]>, key: string, ...values: V[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, values);
}

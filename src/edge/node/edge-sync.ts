/**
 * An edge's link to its hub: follows the hub's stream for its data center from the last offset it applied (again
 * after any disconnect), applies configuration and rows to its store, fetches people on a miss, reports reads of
 * REACTIVE people, and evicts profiles idle past their destination's TTL.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { DataCenter, EdgeRow } from '../edge.js';
import type { EdgeConfig } from '../edge-hub.service.js';
import { issueEdgeToken } from '../edge-token.js';
import type { EdgeStore, ReadMark } from './edge-store.js';
import { EdgeView } from './edge-view.js';

/** What an edge needs to follow its hub. */
export interface EdgeSyncOptions {
  readonly hubUrl: string;
  readonly dataCenter: DataCenter;
  readonly secret: string;
  readonly store: EdgeStore;
  /** Where the last configuration (and when the edge was last current) is kept, so a restart answers without the hub. */
  readonly stateFile: string;
  readonly clock: () => number;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How often reads are recorded and reported, and idle profiles evicted. */
  readonly housekeepingMs?: number;
}

/** A row as the stream sends it. */
type WireRow = [number, number, string, string, { identities: Array<{ ns: string; id: string }>; entity: unknown; sources: unknown; modifiedAt: number; policyId: string } | null];

type Message =
  | (EdgeConfig & { type: 'config' })
  | { type: 'reset' }
  | { type: 'rows'; offset: number; rows: WireRow[] }
  | { type: 'head'; offset: number; at: number };

interface SavedState {
  readonly config: EdgeConfig;
  readonly syncedAt: number;
}

/** A stream line longer than this is a broken hub, not a message (rows come 2,000 at most per line). */
const MAX_LINE = 256 * 1024 * 1024;
/** Reads kept for the next report when the hub could not take them, at most. */
const MAX_PENDING_READS = 100_000;
/** Reads per report request (well under the hub's body limit). */
const REPORT_CHUNK = 1_000;

/** Follows the hub; `view` is what lookups answer from. */
export class EdgeSync {
  view: EdgeView | undefined;
  /** When the edge last held everything the hub had shipped (epoch ms; 0: never). */
  syncedAt = 0;
  connected = false;
  private offset = 0;
  private stopped = false;
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = new Map<string, ReadMark>();
  private readonly misses = new Map<string, number>();
  private readonly fetching = new Map<string, Promise<boolean>>();
  private caughtUp: Array<() => void> = [];
  private housekeeping_: Promise<void> | undefined;

  constructor(private readonly o: EdgeSyncOptions) {}

  /** Loads what the edge held before, then follows the hub in the background. */
  async start(): Promise<void> {
    try {
      const saved = JSON.parse(readFileSync(this.o.stateFile, 'utf8')) as SavedState;
      this.view = new EdgeView(saved.config);
      this.syncedAt = saved.syncedAt;
    } catch {
      /* a new edge: nothing held yet */
    }
    this.offset = await this.o.store.offset();
    this.running = this.follow();
    this.timer = setInterval(() => void this.housekeeping().catch((err: Error) => this.o.logger.warn({ err }, 'edge housekeeping failed')), this.o.housekeepingMs ?? 2_000);
    this.timer.unref();
  }

  /** Stops following; what was applied stays (the store keeps its offset). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.abort?.abort();
    await this.running;
    await this.housekeeping().catch(() => undefined);
  }

  /** The last offset applied. */
  position(): number {
    return this.offset;
  }

  /** Resolves once the edge has applied everything the hub had when it last said so (tests, the CLI's start-up). */
  whenCaughtUp(): Promise<void> {
    return new Promise((resolve) => this.caughtUp.push(resolve));
  }

  /** Notes a read (recorded in the store and, for REACTIVE projections, reported to the hub, a batch at a time). */
  read(tenantId: number, projectionId: string, personKey: string): void {
    this.pending.set(`${tenantId}\n${projectionId}\n${personKey}`, { tenantId, projectionId, personKey, at: this.o.clock() });
  }

  /**
   * Asks the hub for a person this edge does not hold; resolves true when rows came back (they are applied). A miss
   * is not asked again for a few seconds, so unknown identities cannot turn every lookup into a call to the hub.
   */
  async fetch(tenantId: number, ns: string, id: string, projections: readonly string[]): Promise<boolean> {
    const key = `${tenantId}\n${ns}\n${id}\n${projections.join(',')}`;
    if ((this.misses.get(key) ?? 0) > this.o.clock()) return false;
    // Concurrent lookups of one new person share one call to the hub.
    const running = this.fetching.get(key);
    if (running) return running;
    const call = this.fetchFromHub(key, tenantId, ns, id, projections).finally(() => this.fetching.delete(key));
    this.fetching.set(key, call);
    return call;
  }

  private async fetchFromHub(key: string, tenantId: number, ns: string, id: string, projections: readonly string[]): Promise<boolean> {
    const now = this.o.clock();
    try {
      const res = await fetch(`${this.o.hubUrl}/edge/v1/fetch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await this.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dataCenter: this.o.dataCenter, tenantId, ns, id, projections }),
        signal: AbortSignal.timeout(2_000),
      });
      if (!res.ok) throw new Error(`hub answered ${res.status}`);
      const { rows } = (await res.json()) as { rows: WireRow[] };
      if (rows.length === 0) {
        this.remember(key, now);
        return false;
      }
      await this.o.store.apply(rows.map(toRow), this.offset, now);
      return true;
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'edge fetch from the hub failed; answering from what the edge holds');
      this.remember(key, now);
      return false;
    }
  }

  private remember(key: string, now: number): void {
    if (this.misses.size > 100_000) this.misses.clear();
    this.misses.set(key, now + 5_000);
  }

  private async token(): Promise<string> {
    return issueEdgeToken(this.o.secret, this.o.dataCenter, this.o.clock(), 3600);
  }

  private async follow(): Promise<void> {
    let backoff = 100;
    while (!this.stopped) {
      try {
        await this.stream();
        backoff = 100;
      } catch (err) {
        if (this.stopped) break;
        this.o.logger.warn({ err: (err as Error).message, offset: this.offset }, 'edge stream from the hub ended; resuming from the last offset');
      }
      this.connected = false;
      if (this.stopped) break;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 2_000);
    }
  }

  private async stream(): Promise<void> {
    this.abort = new AbortController();
    const url = `${this.o.hubUrl}/edge/v1/stream?dataCenter=${this.o.dataCenter}&after=${this.offset}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${await this.token()}` }, signal: this.abort.signal });
    if (!res.ok || !res.body) throw new Error(`hub answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    this.connected = true;
    const decoder = new TextDecoder();
    let buffered = '';
    let searched = 0;
    // A silent hub (no heartbeat for 10 s) is a lost connection, whatever TCP says.
    let watchdog = setTimeout(() => this.abort?.abort(), 10_000);
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => this.abort?.abort(), 10_000);
        buffered += decoder.decode(chunk, { stream: true });
        // Look for the end of a line only in what arrived since the last look: a long line costs its length once.
        let nl = buffered.indexOf('\n', searched);
        let start = 0;
        while (nl >= 0) {
          const line = buffered.slice(start, nl);
          start = nl + 1;
          if (line !== '') await this.handle(JSON.parse(line) as Message);
          nl = buffered.indexOf('\n', start);
        }
        buffered = buffered.slice(start);
        searched = buffered.length;
        if (buffered.length > MAX_LINE) throw new Error(`a stream line passed ${MAX_LINE} bytes`);
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  private async handle(m: Message): Promise<void> {
    const now = this.o.clock();
    if (m.type === 'config') {
      const { type, ...config } = m;
      const before = this.view;
      this.view = new EdgeView({ type, ...config });
      // Projections no longer shipped here (deleted, or their destination left this data center) are wiped.
      const gone = (before?.all() ?? []).filter((p) => !this.view!.projection(p.tenantId, p.projectionId));
      if (gone.length > 0) await this.o.store.wipe(gone.map((p) => ({ tenantId: p.tenantId, projectionId: p.projectionId })));
      this.save();
    } else if (m.type === 'reset') {
      await this.o.store.reset();
      this.offset = 0;
    } else if (m.type === 'rows') {
      await this.o.store.apply(m.rows.map(toRow), m.offset, now);
      this.offset = m.offset;
    } else if (m.type === 'head' && m.offset <= this.offset) {
      this.syncedAt = now;
      for (const resolve of this.caughtUp.splice(0)) resolve();
    }
  }

  private save(): void {
    if (!this.view) return;
    try {
      const tmp = `${this.o.stateFile}.tmp`;
      writeFileSync(tmp, JSON.stringify({ config: this.view.config, syncedAt: this.syncedAt } satisfies SavedState));
      renameSync(tmp, this.o.stateFile);
    } catch (err) {
      // Only a restart without the hub needs it: answering and following go on.
      this.o.logger.warn({ err: (err as Error).message }, 'could not save the edge state file');
    }
  }

  /** Records reads, reports REACTIVE ones to the hub, evicts idle profiles, and keeps the saved state current. */
  private async housekeeping(): Promise<void> {
    // One at a time: with the store or the hub slow, runs would pile up, each holding its reads.
    if (this.housekeeping_) return this.housekeeping_;
    this.housekeeping_ = this.housekeep().finally(() => (this.housekeeping_ = undefined));
    return this.housekeeping_;
  }

  private async housekeep(): Promise<void> {
    const reads = [...this.pending.values()];
    this.pending = new Map();
    if (reads.length > 0) await this.o.store.markRead(reads);
    const view = this.view;
    if (!view) return;
    const reactive = reads.filter((r) => view.projection(r.tenantId, r.projectionId)?.replicationPolicy === 'REACTIVE');
    for (let i = 0; i < reactive.length; i += REPORT_CHUNK) {
      const part = reactive.slice(i, i + REPORT_CHUNK);
      const reported = await fetch(`${this.o.hubUrl}/edge/v1/touch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await this.token()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ dataCenter: this.o.dataCenter, reads: part.map((r) => [r.tenantId, r.projectionId, r.personKey, r.at]) }),
        signal: AbortSignal.timeout(5_000),
      }).then((res) => res.ok, () => false);
      if (!reported) {
        // Kept for the next report (a read the hub never hears of lets the person lapse there, and be fetched again).
        for (const r of reactive.slice(i)) {
          const key = `${r.tenantId}\n${r.projectionId}\n${r.personKey}`;
          if (!this.pending.has(key) && this.pending.size < MAX_PENDING_READS) this.pending.set(key, r);
        }
        this.o.logger.warn({ reads: reactive.length - i }, 'could not report reads to the hub; they are kept for the next report');
        break;
      }
    }
    const now = this.o.clock();
    for (const p of view.all()) {
      while ((await this.o.store.evictIdle(p.tenantId, p.projectionId, now - p.ttl * 1000, 1_000)) === 1_000) {
        /* more to evict */
      }
    }
    this.save();
  }

  /** Runs housekeeping now (tests move their clock, then call it). */
  async sweep(): Promise<void> {
    await this.housekeeping();
  }
}

function toRow([seq, tenantId, projectionId, personKey, doc]: WireRow): EdgeRow {
  return {
    seq, tenantId, projectionId, personKey,
    doc: doc === null ? undefined : { identities: doc.identities, entity: JSON.stringify(doc.entity), sources: JSON.stringify(doc.sources), modifiedAt: doc.modifiedAt, policyId: doc.policyId },
  };
}

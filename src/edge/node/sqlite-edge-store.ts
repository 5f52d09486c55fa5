/** The edge store on embedded SQLite: one WAL file, synchronous better-sqlite3 calls, one transaction per apply. */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Checkpointer, startCheckpointer } from '../../store/sqlite/checkpointer.js';
import type { EdgeRow } from '../edge.js';
import type { EdgeStore, HeldDoc, ReadMark } from './edge-store.js';

type Identity = { readonly ns: string; readonly id: string };

// `ids` is WITHOUT ROWID and points at the doc's rowid: a lookup is one search in `ids` and one rowid fetch, and an
// identity row stays small. docs_idle serves evictIdle's oldest-first scan.
const SCHEMA_VERSION = 1;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS docs (
  doc_id INTEGER PRIMARY KEY, tenant_id INTEGER NOT NULL, projection_id TEXT NOT NULL, person_key TEXT NOT NULL,
  seq INTEGER NOT NULL, entity TEXT NOT NULL, sources TEXT NOT NULL, modified_at INTEGER NOT NULL,
  policy_id TEXT NOT NULL, identities TEXT NOT NULL, last_active INTEGER NOT NULL,
  UNIQUE (tenant_id, projection_id, person_key));
CREATE INDEX IF NOT EXISTS docs_idle ON docs (tenant_id, projection_id, last_active);
CREATE TABLE IF NOT EXISTS ids (
  tenant_id INTEGER NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL, projection_id TEXT NOT NULL, doc_id INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, ns, id, projection_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

const SQL = {
  held: 'SELECT doc_id AS docId, seq, identities FROM docs WHERE tenant_id = ? AND projection_id = ? AND person_key = ?',
  insertDoc: `INSERT INTO docs (tenant_id, projection_id, person_key, seq, entity, sources, modified_at, policy_id, identities, last_active)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  // An update is not activity: a profile nobody reads is evicted even while it changes (see EdgeStore.apply).
  updateDoc: 'UPDATE docs SET seq = ?, entity = ?, sources = ?, modified_at = ?, policy_id = ?, identities = ? WHERE doc_id = ?',
  deleteDoc: 'DELETE FROM docs WHERE doc_id = ?',
  // The WHERE spares a write when the identity already names this person (most identities of an updated profile).
  upsertId: `INSERT INTO ids (tenant_id, ns, id, projection_id, doc_id) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (tenant_id, ns, id, projection_id) DO UPDATE SET doc_id = excluded.doc_id WHERE doc_id <> excluded.doc_id`,
  // Guarded by doc_id: the identity may have moved to another person since (a merge), whose claim must stay.
  deleteId: 'DELETE FROM ids WHERE tenant_id = ? AND ns = ? AND id = ? AND projection_id = ? AND doc_id = ?',
  lookup: `SELECT d.projection_id AS projectionId, d.person_key AS personKey, d.seq AS seq, d.entity AS entity, d.sources AS sources,
    d.modified_at AS modifiedAt, d.policy_id AS policyId, d.identities AS identities
    FROM ids i JOIN docs d ON d.doc_id = i.doc_id WHERE i.tenant_id = ? AND i.ns = ? AND i.id = ?`,
  markRead: 'UPDATE docs SET last_active = ? WHERE tenant_id = ? AND projection_id = ? AND person_key = ? AND last_active < ?',
  idle: `SELECT doc_id AS docId, identities FROM docs WHERE tenant_id = ? AND projection_id = ? AND last_active < ?
    ORDER BY last_active LIMIT ?`,
  projectionDocs: 'SELECT doc_id AS docId, identities FROM docs WHERE tenant_id = ? AND projection_id = ?',
  deleteProjection: 'DELETE FROM docs WHERE tenant_id = ? AND projection_id = ?',
  count: 'SELECT count(*) AS n FROM docs WHERE tenant_id = ? AND projection_id = ?',
  offset: "SELECT value FROM meta WHERE name = 'offset'",
  advance: "INSERT INTO meta (name, value) VALUES ('offset', ?) ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)",
} as const;

type Statements = { [K in keyof typeof SQL]: Database.Statement<unknown[], unknown> };
type LookupRow = Omit<HeldDoc, 'identities'> & { identities: string };
type PersonRow = { docId: number; identities: string };

// Length-prefixed, so no namespace/id split of the same characters can collide.
const identityKey = (identity: Identity) => `${identity.ns.length}:${identity.ns}${identity.id}`;

// Each person's newest row of the batch, in seq order. Applying the older ones first would be undone by it anyway,
// except after a tombstone, which forgets the seq: so a batch [tombstone 7, row 5] leaves the person gone, as Redis does.
function newestPerPerson(rows: readonly EdgeRow[]): EdgeRow[] {
  if (rows.length < 2) return [...rows];
  const newest = new Map<string, EdgeRow>();
  for (const row of rows) {
    const key = `${row.tenantId}:${row.projectionId.length}:${row.projectionId}${row.personKey}`;
    const seen = newest.get(key);
    if (!seen || row.seq > seen.seq) newest.set(key, row);
  }
  return [...newest.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * SQLite behind the EdgeStore contract. A tombstone deletes the person outright, its seq included, so an older
 * non-tombstone row replayed after it would bring the person back: harmless because rows arrive in seq order from one
 * stream and the offset only moves forward, so a replay never goes back past a tombstone it already applied.
 */
export class SqliteEdgeStore implements EdgeStore {
  readonly kind = 'sqlite' as const;
  private readonly sql: Statements;
  private readonly applyTx: (rows: readonly EdgeRow[], offset: number, now: number) => void;
  private readonly markTx: (reads: readonly ReadMark[]) => void;
  private readonly evictTx: (tenantId: number, projectionId: string, before: number, limit: number) => number;
  private readonly wipeTx: (projections: ReadonlyArray<{ readonly tenantId: number; readonly projectionId: string }>) => void;
  private readonly resetTx: () => void;
  private closed: Promise<void> | undefined;

  private constructor(private readonly db: Database.Database, private readonly checkpointer: Checkpointer | undefined) {
    // The file is only a copy of what the hub ships: one of another layout is dropped, and refilled from offset 0.
    if (db.pragma('user_version', { simple: true }) !== SCHEMA_VERSION) {
      db.exec(`DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS ids; DROP TABLE IF EXISTS meta; PRAGMA user_version = ${SCHEMA_VERSION};`);
    }
    db.exec(SCHEMA);
    this.sql = Object.fromEntries(Object.entries(SQL).map(([name, text]) => [name, db.prepare(text)])) as Statements;
    this.applyTx = db.transaction((rows: readonly EdgeRow[], offset: number, now: number) => {
      for (const row of newestPerPerson(rows)) this.applyRow(row, now);
      this.sql.advance.run(offset);
    });
    this.markTx = db.transaction((reads: readonly ReadMark[]) => {
      for (const r of reads) this.sql.markRead.run(r.at, r.tenantId, r.projectionId, r.personKey, r.at);
    });
    this.evictTx = db.transaction((tenantId: number, projectionId: string, before: number, limit: number) => {
      const idle = this.sql.idle.all(tenantId, projectionId, before, limit) as PersonRow[];
      for (const person of idle) this.removePerson(tenantId, projectionId, person);
      return idle.length;
    });
    this.wipeTx = db.transaction((projections: ReadonlyArray<{ readonly tenantId: number; readonly projectionId: string }>) => {
      for (const { tenantId, projectionId } of projections) {
        // Through the docs' identity lists, so the cost follows the projection's size, not the tenant's identities.
        for (const person of this.sql.projectionDocs.all(tenantId, projectionId) as PersonRow[]) {
          for (const identity of JSON.parse(person.identities) as Identity[]) {
            this.sql.deleteId.run(tenantId, identity.ns, identity.id, projectionId, person.docId);
          }
        }
        this.sql.deleteProjection.run(tenantId, projectionId);
      }
    });
    this.resetTx = db.transaction(() => {
      db.exec("DELETE FROM ids; DELETE FROM docs; DELETE FROM meta WHERE name = 'offset'");
    });
  }

  /** Opens (creating if missing) the store's file. */
  static open(path: string): SqliteEdgeStore {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    // NORMAL loses at most the last commits on power loss; the hub replays them from the older offset the edge then reports.
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    db.pragma('mmap_size = 268435456');
    // As the hub's own file does (store/sqlite/checkpointer.ts): checkpoints, and their fsyncs, run in a worker thread,
    // not inside whichever apply crosses the threshold; this connection's own, at 16 MB, only lets the WAL start over.
    db.pragma('wal_autocheckpoint = 4000');
    return new SqliteEdgeStore(db, path === ':memory:' ? undefined : startCheckpointer(path));
  }

  async offset(): Promise<number> {
    const row = this.sql.offset.get() as { value: number } | undefined;
    return row?.value ?? 0;
  }

  async apply(rows: readonly EdgeRow[], offset: number, now: number): Promise<void> {
    this.applyTx(rows, offset, now);
  }

  private applyRow(row: EdgeRow, now: number): void {
    const { tenantId, projectionId, personKey, doc } = row;
    const held = this.sql.held.get(tenantId, projectionId, personKey) as (PersonRow & { seq: number }) | undefined;
    if (held && held.seq >= row.seq) return;
    if (held) {
      const keep = doc ? new Set(doc.identities.map(identityKey)) : undefined;
      for (const old of JSON.parse(held.identities) as Identity[]) {
        if (!keep?.has(identityKey(old))) this.sql.deleteId.run(tenantId, old.ns, old.id, projectionId, held.docId);
      }
    }
    if (!doc) {
      if (held) this.sql.deleteDoc.run(held.docId);
      return;
    }
    const identities = JSON.stringify(doc.identities.map(({ ns, id }) => ({ ns, id })));
    const docId = held
      ? (this.sql.updateDoc.run(row.seq, doc.entity, doc.sources, doc.modifiedAt, doc.policyId, identities, held.docId), held.docId)
      : this.sql.insertDoc.run(tenantId, projectionId, personKey, row.seq, doc.entity, doc.sources, doc.modifiedAt, doc.policyId, identities, now).lastInsertRowid;
    for (const identity of doc.identities) this.sql.upsertId.run(tenantId, identity.ns, identity.id, projectionId, docId);
  }

  private removePerson(tenantId: number, projectionId: string, person: PersonRow): void {
    for (const identity of JSON.parse(person.identities) as Identity[]) {
      this.sql.deleteId.run(tenantId, identity.ns, identity.id, projectionId, person.docId);
    }
    this.sql.deleteDoc.run(person.docId);
  }

  lookup(tenantId: number, ns: string, id: string): Promise<HeldDoc[]> {
    const rows = this.sql.lookup.all(tenantId, ns, id) as LookupRow[];
    const held: HeldDoc[] = rows.map((row) => ({ ...row, identities: JSON.parse(row.identities) as Identity[] }));
    return Promise.resolve(held);
  }

  async markRead(reads: readonly ReadMark[]): Promise<void> {
    if (reads.length > 0) this.markTx(reads);
  }

  async evictIdle(tenantId: number, projectionId: string, before: number, limit: number): Promise<number> {
    return limit > 0 ? this.evictTx(tenantId, projectionId, before, limit) : 0;
  }

  async wipe(projections: ReadonlyArray<{ readonly tenantId: number; readonly projectionId: string }>): Promise<void> {
    this.wipeTx(projections);
  }

  async reset(): Promise<void> {
    this.resetTx();
  }

  async count(tenantId: number, projectionId: string): Promise<number> {
    return (this.sql.count.get(tenantId, projectionId) as { n: number }).n;
  }

  close(): Promise<void> {
    // Once only: a stopped checkpointer's stop() would wait for an exit that already happened.
    this.closed ??= (async () => {
      await this.checkpointer?.stop();
      this.db.close();
    })();
    return this.closed;
  }
}

/** The change feed: an outbox of what each write transaction changed, and each consumer's offset in it. */
import { type Migration, types } from './migration.js';

export const changeFeed: Migration = {
  id: '20261202T1000-change-feed',
  up: (dialect) => {
    const t = types(dialect);
    // PostgreSQL transactions commit out of seq order, so entries are read in (xid, seq) order below the oldest
    // running transaction (see changefeed/change.store.ts); SQLite commits one writer at a time, so xid stays 0.
    const xid = dialect === 'postgres' ? 'BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint)' : 'BIGINT NOT NULL DEFAULT 0';
    return [
      `CREATE TABLE changes (
        seq ${t.serial}, xid ${xid}, tenant_id BIGINT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL)`,
      `CREATE INDEX changes_order ON changes (xid, seq)`,
      `CREATE TABLE change_offsets (consumer TEXT PRIMARY KEY, xid BIGINT NOT NULL, seq BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
    ];
  },
};

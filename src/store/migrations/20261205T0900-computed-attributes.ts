/** Computed attributes: their definitions (both APIs) and each person's current value. */
import type { Migration } from './migration.js';

export const computedAttributes: Migration = {
  id: '20261205T0900-computed-attributes',
  up: (dialect) => [
    // `field_path` is where the value appears on the profile (unique per sandbox); `version` moves when what the
    // value means changes (expression, window), so older values are recomputed rather than served.
    `CREATE TABLE computed_attributes (
      tenant_id BIGINT NOT NULL, id TEXT NOT NULL, api TEXT NOT NULL, name TEXT NOT NULL, field_path TEXT NOT NULL,
      status TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL, created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    'CREATE UNIQUE INDEX computed_attributes_field ON computed_attributes (tenant_id, field_path)',
    // One row per person (identity cluster) and definition with a value; `state` is the fold of an incremental
    // definition; `expires_at` is when the window next drops an event (or a future event enters). Rewritten on every
    // event of its person: on SQLite the key is the table (one B-tree to update, not a row and its key's index).
    `CREATE TABLE computed_values (
      tenant_id BIGINT NOT NULL, cluster_id TEXT NOT NULL, ca_id TEXT NOT NULL, version BIGINT NOT NULL,
      value TEXT, value_ts BIGINT, state TEXT, expires_at BIGINT, computed_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, cluster_id, ca_id))${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    'CREATE INDEX computed_values_expiry ON computed_values (tenant_id, ca_id, expires_at)',
  ],
};

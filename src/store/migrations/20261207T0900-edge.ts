/** Edge projections: destinations, projection configurations, and the projected profiles the hub ships to edges. */
import type { Migration } from './migration.js';

export const edge: Migration = {
  id: '20261207T0900-edge',
  up: (dialect) => [
    // `body`: type, dataCenters, ttl and replicationPolicy, as the API shows them.
    `CREATE TABLE edge_destinations (
      tenant_id BIGINT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, version BIGINT NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    `CREATE TABLE edge_projections (
      tenant_id BIGINT NOT NULL, id TEXT NOT NULL, name TEXT, schema_name TEXT NOT NULL, selector TEXT NOT NULL,
      destination_id TEXT NOT NULL, merge_policy_id TEXT, version BIGINT NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    // A name is unique within a schema class (several unnamed projections may share one).
    'CREATE UNIQUE INDEX edge_projections_name ON edge_projections (tenant_id, schema_name, name)',
    'CREATE INDEX edge_projections_destination ON edge_projections (tenant_id, destination_id)',
    // The hub's copy of what every edge of the projection's data centers should hold, one row per person. `seq` is
    // the stream offset of the row's last change (edges resume after the last one they applied); `doc` NULL is a
    // tombstone: the person left the projection. `digest` spares shipping a person whose projection did not change.
    // `read_until`: for REACTIVE projections, until when an edge's reads keep the person current.
    `CREATE TABLE edge_docs (
      tenant_id BIGINT NOT NULL, projection_id TEXT NOT NULL, person_key TEXT NOT NULL, seq BIGINT NOT NULL,
      doc TEXT, digest TEXT, read_until BIGINT, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, projection_id, person_key))${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    'CREATE UNIQUE INDEX edge_docs_seq ON edge_docs (seq)',
    // Counters every process shares: `seq` (the last stream offset handed out; its row lock orders commits on
    // PostgreSQL, so offsets become visible in order), `config` (moves on every destination or projection change),
    // `horizon` (tombstones at or below it were pruned: an edge behind it must start again).
    'CREATE TABLE edge_counters (name TEXT NOT NULL PRIMARY KEY, value BIGINT NOT NULL)',
    "INSERT INTO edge_counters (name, value) VALUES ('seq', 0), ('config', 0), ('horizon', 0)",
  ],
};

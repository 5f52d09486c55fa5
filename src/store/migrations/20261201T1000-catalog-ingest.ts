/** Schema registry resources, datasets, batches, streaming connections, profile fragments, events and jobs. */
import { type Migration, types } from './migration.js';

export const catalogIngest: Migration = {
  id: '20261201T1000-catalog-ingest',
  up: (dialect) => {
    const t = types(dialect);
    return [
      // Tenant XDM resources (schemas, field groups, data types, classes) as the registry returns them.
      `CREATE TABLE xdm_resources (
        tenant_id BIGINT NOT NULL, id TEXT NOT NULL, alt_id TEXT NOT NULL, kind TEXT NOT NULL,
        title TEXT NOT NULL, version TEXT NOT NULL, body TEXT NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, id))`,
      `CREATE UNIQUE INDEX xdm_resources_alt ON xdm_resources (tenant_id, alt_id)`,
      `CREATE TABLE xdm_descriptors (
        tenant_id BIGINT NOT NULL, id TEXT NOT NULL, schema_id TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, id))`,
      `CREATE INDEX xdm_descriptors_schema ON xdm_descriptors (tenant_id, schema_id)`,
      `CREATE TABLE datasets (
        tenant_id BIGINT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, schema_id TEXT NOT NULL,
        profile_enabled INTEGER NOT NULL, identity_enabled INTEGER NOT NULL, body TEXT NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, id))`,
      `CREATE TABLE batches (
        tenant_id BIGINT NOT NULL, id TEXT NOT NULL, dataset_id TEXT NOT NULL, status TEXT NOT NULL,
        format TEXT NOT NULL, records_total BIGINT NOT NULL, records_failed BIGINT NOT NULL, body TEXT NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL, started_at BIGINT, completed_at BIGINT,
        PRIMARY KEY (tenant_id, id))`,
      `CREATE INDEX batches_dataset ON batches (tenant_id, dataset_id)`,
      `CREATE TABLE batch_files (
        tenant_id BIGINT NOT NULL, batch_id TEXT NOT NULL, name TEXT NOT NULL, dataset_id TEXT NOT NULL,
        path TEXT NOT NULL, size BIGINT NOT NULL, created_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, batch_id, name))`,
      `CREATE TABLE batch_errors (
        tenant_id BIGINT NOT NULL, batch_id TEXT NOT NULL, seq BIGINT NOT NULL, file TEXT NOT NULL, row_index BIGINT NOT NULL,
        code TEXT NOT NULL, message TEXT NOT NULL, path TEXT NOT NULL,
        PRIMARY KEY (tenant_id, batch_id, seq))`,
      `CREATE TABLE connections (
        tenant_id BIGINT NOT NULL, id TEXT NOT NULL, inlet_id TEXT NOT NULL, name TEXT NOT NULL,
        auth_required INTEGER NOT NULL, body TEXT NOT NULL, etag INTEGER NOT NULL,
        created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, id))`,
      `CREATE UNIQUE INDEX connections_inlet ON connections (inlet_id)`,
      // One fragment per (dataset, primary identity); a record re-sent for the same identity replaces it.
      `CREATE TABLE fragments (
        tenant_id BIGINT NOT NULL, dataset_id TEXT NOT NULL, primary_ns TEXT NOT NULL, primary_id TEXT NOT NULL,
        batch_id TEXT, data TEXT NOT NULL, ingested_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, dataset_id, primary_ns, primary_id))`,
      // Every identity a fragment or event carries, so "fragments of this identity" is one indexed read.
      `CREATE TABLE record_identities (
        tenant_id BIGINT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL, dataset_id TEXT NOT NULL,
        primary_ns TEXT NOT NULL, primary_id TEXT NOT NULL,
        PRIMARY KEY (tenant_id, ns, id, dataset_id, primary_ns, primary_id))`,
      `CREATE INDEX record_identities_fragment ON record_identities (tenant_id, dataset_id, primary_ns, primary_id)`,
      // Events are appended, idempotent on (dataset, _id).
      `CREATE TABLE events (
        tenant_id BIGINT NOT NULL, dataset_id TEXT NOT NULL, event_id TEXT NOT NULL,
        primary_ns TEXT NOT NULL, primary_id TEXT NOT NULL, ts BIGINT NOT NULL,
        batch_id TEXT, data TEXT NOT NULL, ingested_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, dataset_id, event_id))`,
      `CREATE INDEX events_identity_time ON events (tenant_id, primary_ns, primary_id, ts)`,
      `CREATE INDEX events_batch ON events (tenant_id, dataset_id, batch_id)`,
      `CREATE INDEX fragments_batch ON fragments (tenant_id, dataset_id, batch_id)`,
      `CREATE TABLE jobs (
        job_id ${t.serial}, tenant_id BIGINT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, status TEXT NOT NULL,
        payload TEXT NOT NULL, checkpoint TEXT, attempts INTEGER NOT NULL, lease_owner TEXT, lease_until BIGINT,
        error TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)`,
      `CREATE INDEX jobs_claim ON jobs (status, lease_until)`,
      `CREATE UNIQUE INDEX jobs_ref ON jobs (tenant_id, kind, ref)`,
    ];
  },
};

/** The identity graph: custom namespaces, identities with their cluster, links with provenance, guardrail events. */
import { type Migration, types } from './migration.js';

export const identityGraph: Migration = {
  id: '20261201T1200-identity-graph',
  up: (dialect) => {
    const t = types(dialect);
    return [
      `CREATE TABLE identity_namespaces (
        tenant_id BIGINT NOT NULL, id BIGINT NOT NULL, code TEXT NOT NULL, code_lower TEXT NOT NULL, name TEXT NOT NULL,
        description TEXT NOT NULL, id_type TEXT NOT NULL, created_at BIGINT NOT NULL, modified_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, id))`,
      `CREATE UNIQUE INDEX identity_namespaces_code ON identity_namespaces (tenant_id, code_lower)`,
      // One row per identity seen; cluster_id names its person (the key of one member, kept on merges by the larger side).
      `CREATE TABLE identities (
        tenant_id BIGINT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL, cluster_id TEXT NOT NULL,
        first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, seq BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, ns, id))`,
      `CREATE INDEX identities_cluster ON identities (tenant_id, cluster_id)`,
      // A link per (pair, dataset, batch): deleting a dataset or batch removes exactly its links.
      `CREATE TABLE identity_links (
        tenant_id BIGINT NOT NULL, a_ns TEXT NOT NULL, a_id TEXT NOT NULL, b_ns TEXT NOT NULL, b_id TEXT NOT NULL,
        dataset_id TEXT NOT NULL, batch_id TEXT NOT NULL, first_at BIGINT NOT NULL, last_at BIGINT NOT NULL,
        PRIMARY KEY (tenant_id, a_ns, a_id, b_ns, b_id, dataset_id, batch_id))`,
      `CREATE INDEX identity_links_b ON identity_links (tenant_id, b_ns, b_id)`,
      `CREATE INDEX identity_links_source ON identity_links (tenant_id, dataset_id, batch_id)`,
      `CREATE TABLE identity_guardrail_events (
        event_id ${t.serial}, tenant_id BIGINT NOT NULL, kind TEXT NOT NULL, ns TEXT NOT NULL, id TEXT NOT NULL,
        other_ns TEXT, other_id TEXT, dataset_id TEXT, batch_id TEXT, detail TEXT NOT NULL, at BIGINT NOT NULL)`,
      `CREATE INDEX identity_guardrail_events_tenant ON identity_guardrail_events (tenant_id, kind, event_id)`,
      `CREATE TABLE identity_sequence (tenant_id BIGINT PRIMARY KEY, next BIGINT NOT NULL)`,
    ];
  },
};

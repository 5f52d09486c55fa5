/** Materialized unified profiles: one row per (policy, person) holding the merged entity as ready JSON text. */
import type { Migration } from './migration.js';

export const profileViews: Migration = {
  id: '20261203T0900-profile-views',
  up: () => [
    // view_key is the identity cluster's id under a pdg policy, or 'i' + namespace length + ':' + namespace + id under
    // a 'none' policy. The member list (`identities`, as answered) is kept apart from the merged attributes, with the fingerprint of the
    // fragments they were merged from: a device joining a person rewrites the list, never the merge.
    `CREATE TABLE profile_views (
      tenant_id BIGINT NOT NULL, policy_id TEXT NOT NULL, view_key TEXT NOT NULL, version BIGINT NOT NULL,
      entity TEXT NOT NULL, sources TEXT NOT NULL, primaries TEXT NOT NULL, modified_at BIGINT NOT NULL,
      identities TEXT NOT NULL, member_count INTEGER NOT NULL, fragments TEXT NOT NULL,
      PRIMARY KEY (tenant_id, policy_id, view_key))`,
    // A write drops a person's rows under every policy at once.
    `CREATE INDEX profile_views_key ON profile_views (tenant_id, view_key)`,
  ],
};

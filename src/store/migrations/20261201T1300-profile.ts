/** Merge policies, and the index that reads a person's fragments by primary identity. */
import type { Migration } from './migration.js';

export const profile: Migration = {
  id: '20261201T1300-profile',
  up: () => [
    `CREATE TABLE merge_policies (
      tenant_id BIGINT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, class_name TEXT NOT NULL,
      identity_graph TEXT NOT NULL, attribute_merge TEXT NOT NULL, dataset_order TEXT NOT NULL,
      is_default INTEGER NOT NULL, is_active_on_edge INTEGER NOT NULL, version BIGINT NOT NULL,
      update_epoch BIGINT NOT NULL, created_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    `CREATE INDEX merge_policies_default ON merge_policies (tenant_id, class_name, is_default)`,
    `CREATE INDEX fragments_identity ON fragments (tenant_id, primary_ns, primary_id)`,
  ],
};

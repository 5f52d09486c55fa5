/** Sandboxes: one row per (org, sandbox name); `tenant_id` is the compact key every data row carries. */
import { type Migration, types } from './migration.js';

export const tenancy: Migration = {
  id: '20261201T0900-tenancy',
  up: (dialect) => [
    `CREATE TABLE sandboxes (
      tenant_id ${types(dialect).serial},
      org_id TEXT NOT NULL,
      name TEXT NOT NULL,
      id TEXT NOT NULL,
      title TEXT NOT NULL,
      type TEXT NOT NULL,
      state TEXT NOT NULL,
      is_default INTEGER NOT NULL,
      etag INTEGER NOT NULL,
      created_at BIGINT NOT NULL,
      modified_at BIGINT NOT NULL,
      created_by TEXT NOT NULL
    )`,
    `CREATE UNIQUE INDEX sandboxes_org_name ON sandboxes (org_id, name)`,
    `CREATE UNIQUE INDEX sandboxes_id ON sandboxes (id)`,
  ],
};

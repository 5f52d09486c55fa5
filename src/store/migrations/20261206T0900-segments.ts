/** Segments: definitions (also the audiences API's), people's membership, and schedules. */
import type { Migration } from './migration.js';

export const segments: Migration = {
  id: '20261206T0900-segments',
  up: (dialect) => [
    // `version` moves when what membership means changes, so a job or the consumer never writes an older meaning.
    `CREATE TABLE segment_definitions (
      tenant_id BIGINT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, version BIGINT NOT NULL, body TEXT NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    'CREATE UNIQUE INDEX segment_definitions_name ON segment_definitions (tenant_id, name)',
    // One row per person and segment they ever qualified for: `person_key` is the merge policy's view key (the
    // identity cluster under pdg, the identity under none), as profile_views keys people. Reads go by person.
    // `expires_at`: when time alone may change a streaming answer (an event leaves its window); a person who never
    // qualified but will then has a row of status `none`.
    `CREATE TABLE segment_membership (
      tenant_id BIGINT NOT NULL, person_key TEXT NOT NULL, segment_id TEXT NOT NULL, status TEXT NOT NULL,
      version BIGINT NOT NULL, qualified_at BIGINT NOT NULL, expires_at BIGINT, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, person_key, segment_id))${dialect === 'sqlite' ? ' WITHOUT ROWID' : ''}`,
    'CREATE INDEX segment_membership_segment ON segment_membership (tenant_id, segment_id, status)',
    'CREATE INDEX segment_membership_expiry ON segment_membership (tenant_id, expires_at)',
    `CREATE TABLE segment_schedules (
      tenant_id BIGINT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, next_run_at BIGINT,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      PRIMARY KEY (tenant_id, id))`,
    'CREATE INDEX segment_schedules_due ON segment_schedules (next_run_at)',
  ],
};

/** Profile jobs: a cancel flag the runner checks between steps, a per-sandbox listing index, and preview samples. */
import { type Migration, types } from './migration.js';

export const profileJobs: Migration = {
  id: '20261204T0900-profile-jobs',
  up: (dialect) => [
    // Set by a cancel request from any process; the job's owner sees it at its next step and stops there.
    'ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0',
    'CREATE INDEX jobs_listing ON jobs (tenant_id, kind, job_id)',
    // One row per finished preview sample: the status answer and the five reports, as JSON.
    `CREATE TABLE preview_samples (
      sample_id ${types(dialect).serial}, tenant_id BIGINT NOT NULL, sampled_at BIGINT NOT NULL, day TEXT NOT NULL,
      total_rows BIGINT NOT NULL, fragments BIGINT NOT NULL, body TEXT NOT NULL)`,
    'CREATE INDEX preview_samples_day ON preview_samples (tenant_id, day, sample_id)',
  ],
};

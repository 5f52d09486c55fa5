/** Profile jobs: a cancel flag the runner checks between steps, and a per-sandbox listing index for the job APIs. */
import type { Migration } from './migration.js';

export const profileJobs: Migration = {
  id: '20261204T0900-profile-jobs',
  up: () => [
    // Set by a cancel request from any process; the job's owner sees it at its next step and stops there.
    'ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0',
    'CREATE INDEX jobs_listing ON jobs (tenant_id, kind, job_id)',
  ],
};

/** Jobs retried with backoff: a failed attempt waits in the queue until `run_after` instead of holding its lease. */
import type { Migration } from './migration.js';

export const jobLeases: Migration = {
  id: '20261203T1700-job-leases',
  up: () => ['ALTER TABLE jobs ADD COLUMN run_after BIGINT NOT NULL DEFAULT 0'],
};

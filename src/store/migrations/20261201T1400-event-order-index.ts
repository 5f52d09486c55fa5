/** Events indexed in the order they are paged, so a page reads its rows' keys from the index and stops at the limit. */
import type { Migration } from './migration.js';

export const eventOrderIndex: Migration = {
  id: '20261201T1400-event-order-index',
  up: () => [
    `CREATE INDEX events_identity_order ON events (tenant_id, primary_ns, primary_id, ts, dataset_id, event_id)`,
    `DROP INDEX events_identity_time`,
  ],
};

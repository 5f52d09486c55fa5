/** Every migration in the order it applies, and the tables that hold one sandbox's data. */
import type { Migration } from './migration.js';
import { tenancy } from './20261201T0900-tenancy.js';
import { catalogIngest } from './20261201T1000-catalog-ingest.js';
import { identityGraph } from './20261201T1200-identity-graph.js';
import { profile } from './20261201T1300-profile.js';
import { eventOrderIndex } from './20261201T1400-event-order-index.js';
import { changeFeed } from './20261202T1000-change-feed.js';
import { profileViews } from './20261203T0900-profile-views.js';
import { ingestStorage } from './20261203T1500-ingest-storage.js';
import { jobLeases } from './20261203T1700-job-leases.js';
import { profileJobs } from './20261204T0900-profile-jobs.js';
import { computedAttributes } from './20261205T0900-computed-attributes.js';
import { segments } from './20261206T0900-segments.js';
import { edge } from './20261207T0900-edge.js';

export type { Migration } from './migration.js';

/** All migrations, oldest first; append new ones at the end, never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [tenancy, catalogIngest, identityGraph, profile, eventOrderIndex, changeFeed, profileViews, ingestStorage, jobLeases, profileJobs, computedAttributes, segments, edge];

/**
 * Tables whose rows belong to one sandbox (keyed by `tenant_id`). A sandbox reset or delete empties exactly these;
 * a contract test checks that every table with a `tenant_id` column, but `sandboxes`, is listed here.
 */
export const SANDBOX_SCOPED_TABLES: readonly string[] = [
  'xdm_resources',
  'xdm_descriptors',
  'datasets',
  'batches',
  'batch_files',
  'batch_errors',
  'connections',
  'fragments',
  'record_identities',
  'events',
  'jobs',
  'identity_namespaces',
  'identities',
  'identity_links',
  'identity_guardrail_events',
  'identity_sequence',
  'merge_policies',
  'changes',
  'profile_views',
  'preview_samples',
  'computed_attributes',
  'computed_values',
  'segment_definitions',
  'segment_membership',
  'segment_schedules',
  'edge_destinations',
  'edge_projections',
  'edge_docs',
];

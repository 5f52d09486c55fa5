/** The domain services, wired once: the HTTP API, the CLI and the writer thread all build them here. */
import type { Logger } from 'pino';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db, SqlExecutor } from '../store/db.js';
import type { ChangeInput } from '../changefeed/change.js';
import { watchCatalog } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import { SandboxService, TenancyCache, createTokenVerifier, type TokenVerifier } from '../tenancy/index.js';
import { SchemaResolver } from '../catalog/schema-resolver.js';
import { DatasetService } from '../catalog/datasets/dataset.service.js';
import { ConnectionService } from '../ingest/connection.service.js';
import { IngestService } from '../ingest/ingest.service.js';
import { WriteBatcher } from '../ingest/write-batcher.js';
import { BatchService } from '../ingest/batches/batch.service.js';
import { type ChunkRoute, batchJobHandler } from '../ingest/batches/batch.processor.js';
import { BATCH_JOB } from '../ingest/batches/batch.js';
import { batchJobFailed } from '../ingest/batches/batch.failure.js';
import { JobRunner } from '../jobs/job-runner.js';
import { ChangeFeed } from '../changefeed/change-feed.js';
import { NamespaceService } from '../identity/namespace.service.js';
import { IdentityGraph } from '../identity/identity-graph.js';
import { createBlocklist } from '../identity/blocklist.js';
import { MergePolicyService } from '../profile/merge-policy.service.js';
import { EntityService } from '../profile/entities.service.js';
import { ProfileViews, VIEWS_CONSUMER } from '../profile/profile-views.js';
import { DATASET_PURGE_JOB, PROFILE_DELETE_JOB, profileDeleteHandler, queueDatasetPurge } from '../jobs/system/profile-delete.js';
import { SystemJobService } from '../jobs/system/system-jobs.service.js';
import { SANDBOX_PURGE_JOB, queueSandboxPurge, sandboxPurgeHandler } from '../jobs/system/sandbox-purge.js';
import { EXPORT_JOB } from '../jobs/export/export-job.js';
import { exportJobHandler } from '../jobs/export/export.handler.js';
import { ExportService } from '../jobs/export/export.service.js';
import { exportJobFailed } from '../jobs/export/export-failure.js';
import { type FileStore, exportsFolder, uploadsFolder } from '../store/files/file-store.js';
import { PreviewSampleService, SAMPLE_CONSUMER, SAMPLE_JOB } from '../jobs/sample/sample.service.js';
import { LocalFileStore } from '../store/files/local-file-store.js';
import { fragmentsOfClusters } from '../profile/profile.store.js';
import { mergeRows } from '../profile/unified.js';
import { CaEvaluator, type ProfileReader } from '../computed/ca-evaluator.js';
import { ComputedAttributeService } from '../computed/ca.service.js';
import { CA_CONSUMER, caConsumer } from '../computed/ca-consumer.js';
import { CA_RECOMPUTE_JOB, CA_REFRESH_JOB, recomputeFailed, recomputeHandler, refreshFailed, refreshHandler } from '../computed/ca-jobs.js';
import { CaReader } from '../computed/ca-reader.js';
import { SandboxPresence } from '../store/presence.js';
import { SegmentService } from '../segments/segment.service.js';
import { SegmentEvaluator } from '../segments/segment-evaluator.js';
import { SEGMENT_CONSUMER, segmentConsumer } from '../segments/segment-consumer.js';
import { SEGMENT_JOB, segmentJobHandler } from '../segments/segment-jobs.js';
import { SegmentJobService, queueSegmentJob } from '../segments/segment-job.service.js';
import { MembershipReader } from '../segments/membership-reader.js';
import { PreviewService } from '../segments/preview.service.js';
import { PREVIEW_JOB } from '../segments/preview.js';
import { SCHEDULE_RUN_JOB, ScheduleService } from '../segments/schedule.service.js';
import { SEGMENT_REFRESH_JOB, segmentRefreshFailed, segmentRefreshHandler } from '../segments/segment-refresh.js';
import { isStreaming } from '../segments/segment.js';
import { listDefinitions as listSegments } from '../segments/segment.store.js';
import { EdgeConfigService } from '../edge/edge-config.service.js';
import { Projector } from '../edge/projector.js';
import { EDGE_CONSUMER, edgeConsumer } from '../edge/edge-consumer.js';
import { REPROJECT_JOB, reprojectHandler } from '../edge/reproject.js';
import { EdgeHub } from '../edge/edge-hub.service.js';

/** The domain services routes call; built once per app. */
export interface Services {
  readonly config: Config;
  readonly db: Db;
  readonly clock: Clock;
  readonly sandboxes: SandboxService;
  /** Compiled schemas for the write path; the registry invalidates a sandbox's entries on every change. */
  readonly schemas: SchemaResolver;
  readonly datasets: DatasetService;
  readonly connections: ConnectionService;
  readonly ingest: IngestService;
  readonly verify: TokenVerifier;
  readonly tenancy: TenancyCache;
  readonly batches: BatchService;
  readonly namespaces: NamespaceService;
  readonly graph: IdentityGraph;
  readonly mergePolicies: MergePolicyService;
  readonly entities: EntityService;
  /** Durable jobs; started by `serve` when the process has the worker role, and by tests that need it. */
  readonly jobs: JobRunner;
  /** The change feed's consumers (derived state); started by `serve` with the worker role, drained by tests. */
  readonly feed: ChangeFeed;
  /** Where batch chunks commit: the job's own transaction, or the SQLite writer thread while it runs. */
  readonly chunkRoute: ChunkRoute;
  /** Profile system jobs: delete requests for a dataset's or a batch's Profile data. */
  readonly systemJobs: SystemJobService;
  /** Profile export jobs. */
  readonly exports: ExportService;
  /** Where export files (and, by path, uploads) are kept: the data folder now, an object store behind the same contract later. */
  readonly files: FileStore;
  /** Preview samples: the sample job, its reports, and the feed consumer that schedules it after ingestion. */
  readonly samples: PreviewSampleService;
  /** Computed attribute definitions (both APIs); their values are kept by the feed's consumer and jobs. */
  readonly computedAttributes: ComputedAttributeService;
  /** Segment definitions (and the audiences API over them). */
  readonly segments: SegmentService;
  /** Segment jobs: batch evaluation over every profile, on the job runner. */
  readonly segmentJobs: SegmentJobService;
  /** Previews and estimates of unsaved expressions. */
  readonly previews: PreviewService;
  /** Daily segment job schedules. */
  readonly schedules: ScheduleService;
  /** Projection destinations and configurations (the edge projections API). */
  readonly edgeConfig: EdgeConfigService;
  /** What edge nodes read from the hub: their configuration, the stream of projected profiles, fetches on a miss. */
  readonly edgeHub: EdgeHub;
  /** The HS256 secret edges sign their credentials with: RTPROFILE_EDGE_SECRET, else the token secret. */
  readonly edgeSecret: string | undefined;
  /** Materialized unified profiles (kept by the write path and the feed's `profile-views` consumer). */
  readonly views: ProfileViews;
  /**
   * The catalog caches' subscription to change notices: resolves, with the way to stop it, once other processes' changes
   * are heard (buildApp waits for it; see docs/architecture.md, Caches).
   */
  readonly catalogWatch: Promise<() => void>;
}

/** Everything the app is built from; `secret` signs and checks HS256 tokens. */
export interface AppDeps {
  config: Config;
  db: Db;
  secret: string | undefined;
  clock?: Clock;
  logger?: Logger;
  verify?: TokenVerifier;
}


/** Wires the domain services once; their catalog caches follow change notices from every process on the database. */
export function buildServices(deps: AppDeps, clock: Clock, logger: Pick<Logger, 'info' | 'warn' | 'error'>): Services {
  const sandboxes = new SandboxService(deps.db, clock, queueSandboxPurge);
  const schemas = new SchemaResolver(deps.db);
  const connections = new ConnectionService(deps.db, clock);
  const namespaces = new NamespaceService(deps.db, clock);
  const { config } = deps;
  const graph = new IdentityGraph(deps.db, namespaces, createBlocklist(config.identityBlocklist), { maxIdentities: config.maxGraphIdentities, uniqueNamespaces: config.uniqueNamespaces }, clock);
  // Merge policies read datasets and views read merge policies, so a dataset delete reaches the views through `settle`.
  const settle = (tx: SqlExecutor, tenantId: number, changes: readonly ChangeInput[]): Promise<void> => views.settle(tx, tenantId, changes);
  const datasets = new DatasetService(deps.db, schemas, clock, (tx, tenantId, datasetId, batches, now) => {
    // Looked for after the delete commits; a poll finds it anyway if the wake-up comes first.
    setTimeout(() => jobs.kick(), 10);
    return queueDatasetPurge(tx, tenantId, datasetId, batches, now);
  });
  const mergePolicies = new MergePolicyService(deps.db, datasets, clock, config.maxMergePolicies);
  const views = new ProfileViews(deps.db, mergePolicies, clock, config.maxProfileIdentities);
  const caPresence = new SandboxPresence(deps.db, 'computed_attributes');
  const segmentPresence = new SandboxPresence(deps.db, 'segment_definitions');
  const projectionPresence = new SandboxPresence(deps.db, 'edge_projections');
  const catalogWatch = watchCatalog(deps.db, [sandboxes, schemas, datasets, connections, namespaces, mergePolicies, caPresence, segmentPresence, projectionPresence]);
  // Callers that do not wait for it (the CLI's short-lived commands) must not die of an unhandled rejection.
  catalogWatch.catch((err: Error) => logger.warn(`catalog change notices unavailable: ${err.message}`));
  const ingest = new IngestService(deps.db, datasets, schemas, clock, {
    hold: (tx, tenantId, inletId) => connections.holdInlet(tx, tenantId, inletId),
    link: (tx, tenantId, records, sets, batchId) => graph.link(tx, tenantId, records, sets, batchId),
    settle,
    nameEvents: (tenantId) => caPresence.has(tenantId),
  });
  ingest.addRecordCheck((tenantId) => graph.recordCheck(tenantId));
  // Where writers run concurrently (PostgreSQL), a sandbox's waiting streaming writes are committed as one.
  if (deps.db.capabilities.concurrentWriters) ingest.useCommitter(new WriteBatcher(ingest).commit);
  const verify = deps.verify ?? createTokenVerifier({ secret: deps.secret, jwks: deps.config.jwks, clock });
  const jobs = new JobRunner(deps.db, clock, logger, { leaseMs: config.jobLeaseMs });
  const feed = new ChangeFeed(deps.db, clock, logger);
  feed.consume(VIEWS_CONSUMER, views.consumer);
  const chunkRoute: ChunkRoute = { committer: undefined };
  jobs.register(BATCH_JOB, batchJobHandler(deps.db, ingest, clock, undefined, chunkRoute), batchJobFailed(clock));
  const files = new LocalFileStore(config.dataDir);
  const samples = new PreviewSampleService(deps.db, clock, () => jobs.kick());
  jobs.register(SAMPLE_JOB, samples.handler());
  feed.consume(SAMPLE_CONSUMER, samples.consumer());
  jobs.register(EXPORT_JOB, exportJobHandler({ db: deps.db, policies: mergePolicies, schemas, files, clock, fileProfiles: config.exportFileProfiles }), exportJobFailed(clock));
  const removeBatchFiles = async (tenantId: number, batchId: string) => {
    await files.removeAll(uploadsFolder(tenantId, batchId));
    await files.removeAll(exportsFolder(tenantId, batchId));
  };
  const profileDelete = profileDeleteHandler({ splitMany: (tx, tenantId, clusters) => graph.splitMany(tx, tenantId, clusters), settle, removeBatchFiles }, clock);
  jobs.register(PROFILE_DELETE_JOB, profileDelete);
  jobs.register(DATASET_PURGE_JOB, profileDelete);
  jobs.register(SANDBOX_PURGE_JOB, sandboxPurgeHandler(files));
  // Computed attributes read people's profiles merged under the sandbox's default policy.
  const profilesForCa: ProfileReader = async (tx, tenantId, clusters) => {
    const policy = await mergePolicies.effective(tenantId, undefined);
    const out = new Map<string, Record<string, unknown>>();
    for (const [cluster, person] of await fragmentsOfClusters(tx, tenantId, clusters)) out.set(cluster, mergeRows(policy, person.fragments).entity);
    return out;
  };
  const caEvaluator = new CaEvaluator(profilesForCa, clock, deps.db.capabilities.concurrentWriters, deps.db.capabilities.dialect);
  feed.consume(CA_CONSUMER, caConsumer(caEvaluator, clock, () => jobs.kick()));
  jobs.register(CA_RECOMPUTE_JOB, recomputeHandler(caEvaluator, clock), recomputeFailed(clock));
  jobs.register(CA_REFRESH_JOB, refreshHandler(caEvaluator, clock), refreshFailed(clock));
  const caReader = new CaReader(caEvaluator);
  // Segments read computed values, so their consumer comes after the computed attributes' in each feed step.
  const segmentEvaluator = new SegmentEvaluator(caReader, clock, deps.db.capabilities.dialect);
  const queueStreaming = async (tx: SqlExecutor, tenantId: number) => {
    const streaming = (await listSegments(tx, tenantId)).filter(isStreaming);
    if (streaming.length > 0) await queueSegmentJob(tx, tenantId, streaming, clock());
    setTimeout(() => jobs.kick(), 10);
  };
  feed.consume(SEGMENT_CONSUMER, segmentConsumer(segmentEvaluator, mergePolicies, queueStreaming));
  jobs.register(SEGMENT_JOB, segmentJobHandler(mergePolicies, segmentEvaluator, clock));
  jobs.register(SEGMENT_REFRESH_JOB, segmentRefreshHandler(segmentEvaluator, mergePolicies, clock), segmentRefreshFailed(clock));
  // A definition that starts streaming works out who qualifies already, once, as a segment job.
  const segments = new SegmentService(deps.db, schemas, mergePolicies, clock, () => jobs.kick());
  const previews = new PreviewService(deps.db, segments, mergePolicies, namespaces, segmentEvaluator, clock, () => jobs.kick());
  jobs.register(PREVIEW_JOB, previews.handler());
  // Projections read membership and computed values, so the projector comes after both consumers in each step.
  const projector = new Projector(mergePolicies, caReader, projectionPresence);
  feed.consume(EDGE_CONSUMER, edgeConsumer(projector, clock, () => jobs.kick()));
  jobs.register(REPROJECT_JOB, reprojectHandler(projector, clock));
  const schedules = new ScheduleService(deps.db, clock);
  jobs.register(SCHEDULE_RUN_JOB, schedules.handler(() => jobs.kick()));
  return {
    config: deps.config,
    db: deps.db,
    clock,
    sandboxes,
    schemas,
    datasets,
    connections,
    ingest,
    verify,
    tenancy: new TenancyCache(verify, sandboxes, clock),
    batches: new BatchService(deps.db, datasets, join(deps.config.dataDir, 'uploads'), deps.config.uploadLimit, clock, () => jobs.kick()),
    jobs,
    feed,
    chunkRoute,
    views,
    systemJobs: new SystemJobService(deps.db, datasets, schemas, clock, () => jobs.kick()),
    exports: new ExportService(deps.db, datasets, schemas, mergePolicies, clock, () => jobs.kick()),
    files,
    samples,
    namespaces,
    graph,
    mergePolicies,
    entities: new EntityService(deps.db, namespaces, graph, mergePolicies, views, config.maxProfileIdentities, clock, caReader, new MembershipReader(segmentPresence)),
    segments,
    segmentJobs: new SegmentJobService(deps.db, clock, () => jobs.kick()),
    previews,
    schedules,
    computedAttributes: new ComputedAttributeService(deps.db, schemas, clock, () => jobs.kick()),
    edgeConfig: new EdgeConfigService(deps.db, mergePolicies, clock, () => jobs.kick()),
    edgeHub: new EdgeHub(deps.db, projector, mergePolicies, namespaces, clock),
    edgeSecret: deps.config.edgeSecret ?? deps.secret,
    catalogWatch,
  };
}

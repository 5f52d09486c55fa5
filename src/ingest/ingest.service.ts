/** The write path: validate and prepare records, then write them, link their identities and settle views in one transaction. */
import type { Db, SqlExecutor } from '../store/db.js';
import type { Clock } from '../shared/clock.js';
import { isDomainError } from '../shared/errors.js';
import { type DatasetService, datasetNotFound } from '../catalog/datasets/dataset.service.js';
import type { Dataset } from '../catalog/datasets/dataset.js';
import type { SchemaResolver } from '../catalog/schema-resolver.js';
import { type PreparedRecord, type RecordFailure, type WritableRecord, isFailure, prepareRecord } from './prepare.js';
import { type WriteCounts, writeRecords } from './write.js';
import { appendChanges } from '../changefeed/change.store.js';
import type { ChangeInput, IdentityRef } from '../changefeed/change.js';
import { keyOf } from '../identity/graph.store.js';

/** The refusal a record gets when its dataset is missing, whether found missing when prepared or when written. */
function datasetGone(r: WritableRecord): RecordFailure {
  const { code, message } = datasetNotFound(r.datasetId);
  return { index: r.index, datasetId: r.datasetId, code, message, errors: [{ path: '', code, message }] };
}

/** One record to ingest, naming its dataset; `schemaRefId`, when given, must be the dataset's schema. */
export interface IngestItem {
  readonly datasetId: string;
  readonly record: unknown;
  readonly schemaRefId?: string;
  /** The record's JSON text when the caller has it, to skip re-serialising. */
  readonly text?: string;
  /** The caller already ran `screenJson` over the record (the streaming envelope screens the whole message). */
  readonly screened?: boolean;
}

/**
 * What a write transaction does beyond its rows, in order: the identity graph links the records' identities, then
 * the state kept in step with the profile store (materialized profiles) settles the write's change-feed entries.
 */
export interface WriteSteps {
  /** Holds the streaming inlet the write came through (throws when it was deleted), so a deleted inlet takes nothing. */
  hold(tx: SqlExecutor, tenantId: number, inletId: string): Promise<void>;
  /** Links identities; returns the graph's change-feed entries (merges, evictions, splits). */
  link(tx: SqlExecutor, tenantId: number, records: readonly WritableRecord[], datasets: ReadonlyMap<string, Dataset>, batchId: string | null): Promise<ChangeInput[]>;
  /** Applies the transaction's entries to state that must be current when it commits. */
  settle(tx: SqlExecutor, tenantId: number, changes: readonly ChangeInput[]): Promise<void>;
  /** Whether the sandbox's `events` entries should name the events stored (something folds them in). */
  nameEvents?(tenantId: number): Promise<boolean>;
}

/** A check run on every prepared record of a sandbox; it may refine the record or refuse it. Built once per call. */
export type RecordCheck = (tenantId: number) => Promise<(r: PreparedRecord) => PreparedRecord | RecordFailure>;

/** Hears how many records each committed write accepted and refused (the metrics count them; no-op by default). */
export type RecordCounter = (source: 'streaming' | 'batch', accepted: number, refused: number) => void;

/** What a write transaction takes: the records to write and their datasets as found when they were prepared. */
export interface PreparedWrite {
  readonly records: readonly WritableRecord[];
  readonly datasets: ReadonlyMap<string, Dataset>;
}

/** The outcome of a prepare step: records to write and records refused, by input index. */
export interface Prepared extends PreparedWrite {
  readonly records: PreparedRecord[];
  readonly failures: RecordFailure[];
}

/** The outcome of an ingest call. */
export interface IngestOutcome extends Prepared {
  readonly counts: WriteCounts;
}

/** What a write did, and the records it refused because their dataset was deleted after they were prepared. */
export interface WriteOutcome extends WriteCounts {
  readonly refused: RecordFailure[];
}

/**
 * Commits a prepared write in a transaction of its own: `IngestService.commit` on this thread, or the same call on the
 * SQLite writer thread. Resolves only after the commit that holds the write.
 */
export type Committer = (tenantId: number, prepared: PreparedWrite, batchId: string | null, inletId: string | undefined) => Promise<WriteOutcome>;

/** Ingestion for streaming requests and batch chunks alike. */
export class IngestService {
  private readonly checks: RecordCheck[] = [];
  private readonly counters: RecordCounter[] = [];
  private committer: Committer = (tenantId, prepared, batchId, inletId) => this.commit(tenantId, prepared, batchId, inletId);

  constructor(
    private readonly db: Db,
    private readonly datasets: DatasetService,
    private readonly schemas: SchemaResolver,
    private readonly clock: Clock,
    private readonly steps: WriteSteps,
  ) {}

  /** Adds a per-record check (the identity graph's namespace and blocklist rules). */
  addRecordCheck(check: RecordCheck): void {
    this.checks.push(check);
  }

  /** Sends later streaming writes through `committer` (the writer thread), or back to this thread when undefined. */
  useCommitter(committer?: Committer): void {
    this.committer = committer ?? ((tenantId, prepared, batchId, inletId) => this.commit(tenantId, prepared, batchId, inletId));
  }

  /** Adds a listener for the record counts of every committed write. */
  addRecordCounter(counter: RecordCounter): void {
    this.counters.push(counter);
  }

  /** Reports a committed write's counts; callers that run `write` in their own transaction call it after the commit. */
  countRecords(source: 'streaming' | 'batch', accepted: number, refused: number): void {
    for (const counter of this.counters) counter(source, accepted, refused);
  }

  /** Validates every item; one bad record never fails its neighbours. */
  async prepare(tenantId: number, items: readonly IngestItem[], firstIndex = 0): Promise<Prepared> {
    const checks = await Promise.all(this.checks.map((c) => c(tenantId)));
    const records: PreparedRecord[] = [];
    const failures: RecordFailure[] = [];
    const datasets = new Map<string, Dataset>();
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const index = firstIndex + i;
      let dataset: Dataset;
      let schema;
      try {
        dataset = datasets.get(item.datasetId) ?? (await this.datasets.get(tenantId, item.datasetId));
        datasets.set(dataset.id, dataset);
        schema = await this.schemas.resolve(tenantId, dataset.schemaId);
      } catch (err) {
        if (!isDomainError(err)) throw err;
        failures.push({ index, datasetId: item.datasetId, code: err.code, message: err.message, errors: [{ path: '', code: err.code, message: err.message }] });
        continue;
      }
      if (item.schemaRefId !== undefined && item.schemaRefId !== dataset.schemaId) {
        const message = `schemaRef '${item.schemaRefId}' is not the schema of dataset '${dataset.id}' (${dataset.schemaId})`;
        failures.push({ index, datasetId: dataset.id, code: 'SCHEMA_REF_MISMATCH', message, errors: [{ path: '/header/schemaRef/id', code: 'SCHEMA_REF_MISMATCH', message }] });
        continue;
      }
      let result = prepareRecord(index, dataset.id, item.record, schema, item.text, item.screened);
      for (const check of checks) if (!isFailure(result)) result = check(result);
      if (isFailure(result)) failures.push(result);
      else records.push(result);
    }
    return { records, failures, datasets };
  }

  /**
   * Writes prepared records (only those of Profile-enabled datasets reach the profile store), links and settles. The
   * datasets are confirmed first, in the transaction (one statement): a record whose dataset was deleted since it was
   * prepared is refused as DATASET_NOT_FOUND rather than written as rows no dataset owns.
   */
  async write(tx: SqlExecutor, tenantId: number, prepared: PreparedWrite, batchId: string | null): Promise<WriteOutcome> {
    const existing = await this.datasets.existing(tx, tenantId, [...new Set(prepared.records.map((r) => r.datasetId))]);
    const records: WritableRecord[] = [];
    const refused: RecordFailure[] = [];
    for (const r of prepared.records) {
      if (existing.has(r.datasetId)) records.push(r);
      else refused.push(datasetGone(r));
    }
    const toStore = records.filter((r) => prepared.datasets.get(r.datasetId)?.profileEnabled);
    const now = this.clock();
    const nameEvents = (await this.steps.nameEvents?.(tenantId)) === true;
    const { newEvents, ...counts } = await writeRecords(tx, tenantId, toStore, batchId, now, nameEvents);
    const changes = records.length > 0 ? await this.steps.link(tx, tenantId, records, prepared.datasets, batchId) : [];
    changes.push(...changesOf(tenantId, toStore, batchId, newEvents));
    await this.steps.settle(tx, tenantId, changes);
    await appendChanges(tx, changes, now);
    return { ...counts, refused };
  }

  /** Writes prepared records in a transaction of its own, holding the inlet first when one is named. */
  commit(tenantId: number, prepared: PreparedWrite, batchId: string | null, inletId?: string): Promise<WriteOutcome> {
    return this.db.transaction(async (tx) => {
      if (inletId !== undefined) await this.steps.hold(tx, tenantId, inletId);
      return this.write(tx, tenantId, prepared, batchId);
    });
  }

  /**
   * Writes many streaming requests of one sandbox as one: one transaction, one write (one statement per table, one
   * hold of the sandbox's graph lock) instead of one each. Each request still succeeds or fails alone where it can:
   * an inlet deleted meanwhile refuses its own request, a record whose dataset went refuses that record. Answers, per
   * request in order, its outcome (counts are the whole group's) or its error.
   */
  commitGroup(tenantId: number, writes: ReadonlyArray<{ readonly prepared: PreparedWrite; readonly inletId?: string }>): Promise<Array<WriteOutcome | Error>> {
    return this.db.transaction(async (tx) => {
      const answers: Array<WriteOutcome | Error> = [];
      const records: WritableRecord[] = [];
      const origin: Array<readonly [number, number]> = [];
      const datasets = new Map<string, Dataset>();
      for (const [w, write] of writes.entries()) {
        if (write.inletId !== undefined) {
          try {
            await this.steps.hold(tx, tenantId, write.inletId);
          } catch (err) {
            // A refusal found by a read (no row): the transaction is intact, and only this request is refused.
            if (!isDomainError(err)) throw err;
            answers[w] = err;
            continue;
          }
        }
        for (const r of write.prepared.records) {
          origin.push([w, r.index]);
          records.push({ ...r, index: records.length });
        }
        for (const [id, d] of write.prepared.datasets) datasets.set(id, d);
      }
      const { refused, ...counts } = await this.write(tx, tenantId, { records, datasets }, null);
      for (let w = 0; w < writes.length; w++) answers[w] ??= { ...counts, refused: [] };
      for (const f of refused) {
        const [w, index] = origin[f.index]!;
        (answers[w] as WriteOutcome).refused.push({ ...f, index });
      }
      return answers;
    });
  }

  /**
   * Prepares, then writes in one transaction; resolves only after the transaction committed. With `inletId` the write
   * holds that streaming inlet, so a message in flight while its inlet is deleted does not land.
   */
  async ingest(tenantId: number, items: readonly IngestItem[], batchId: string | null = null, inletId?: string): Promise<IngestOutcome> {
    const outcome = await this.prepareAndWrite(tenantId, items, batchId, inletId);
    this.countRecords(batchId === null ? 'streaming' : 'batch', outcome.records.length, outcome.failures.length);
    return outcome;
  }

  private async prepareAndWrite(tenantId: number, items: readonly IngestItem[], batchId: string | null, inletId: string | undefined): Promise<IngestOutcome> {
    const prepared = await this.prepare(tenantId, items);
    if (prepared.records.length === 0) return { ...prepared, counts: { fragments: 0, eventsInserted: 0, eventsDuplicate: 0 } };
    const { refused, ...counts } = await this.committer(tenantId, prepared, batchId, inletId);
    if (refused.length === 0) return { ...prepared, counts };
    const gone = new Set(refused.map((f) => f.index));
    return {
      records: prepared.records.filter((r) => !gone.has(r.index)),
      failures: [...prepared.failures, ...refused].sort((a, b) => a.index - b.index),
      datasets: prepared.datasets,
      counts,
    };
  }
}

/** The change-feed entries of a write: whose fragments and whose events it stored (each primary identity once, and the new events' ids), and the batch. */
function changesOf(tenantId: number, stored: readonly WritableRecord[], batchId: string | null, newEvents: Record<string, string[]> | undefined): ChangeInput[] {
  const fragments = new Map<string, IdentityRef>();
  const events = new Map<string, IdentityRef>();
  for (const r of stored) (r.kind === 'fragment' ? fragments : events).set(keyOf(r.primary), r.primary);
  const changes: ChangeInput[] = [];
  const batch = batchId === null ? {} : { batchId };
  if (fragments.size > 0) changes.push({ tenantId, kind: 'fragments', identities: [...fragments.values()], ...batch });
  if (events.size > 0) changes.push({ tenantId, kind: 'events', identities: [...events.values()], ...(newEvents ? { eventIds: newEvents } : {}), ...batch });
  return changes;
}

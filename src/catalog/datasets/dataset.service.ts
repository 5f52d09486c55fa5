/** Dataset use cases: create from a schemaRef, list, get, update tags and name, delete with its data. */
import type { Db, SqlExecutor } from '../../store/db.js';
import { type CatalogCache, type CatalogChange, publishChange } from '../../store/catalog-changes.js';
import type { Clock } from '../../shared/clock.js';
import { DomainError } from '../../shared/errors.js';
import { LoadCache } from '../../shared/load-cache.js';
import { randomBytes } from 'node:crypto';
import type { SchemaResolver } from '../schema-resolver.js';
import { type Dataset, type Tags, assertTags, tagEnabled } from './dataset.js';
import * as rows from './dataset.store.js';

/** What a dataset delete leaves to a job: purging its Profile data and its batches' files (queued in the delete's transaction). */
export type QueuePurge = (tx: SqlExecutor, tenantId: number, datasetId: string, batches: readonly string[], now: number) => Promise<void>;

/** What a caller sends to create a dataset (Catalog's dataSetRequest). */
export interface DatasetInput {
  name: string;
  schemaRef: { id: string; contentType?: string };
  tags?: Tags;
  [extra: string]: unknown;
}

/** A 24-hex id like Catalog's, led by the creation second so ids sort by age. */
function datasetId(now: number): string {
  return Math.floor(now / 1000).toString(16).padStart(8, '0') + randomBytes(8).toString('hex');
}

function withoutDescription(body: Readonly<Record<string, unknown>>, drop: boolean): Readonly<Record<string, unknown>> {
  if (!drop) return body;
  const { description: _dropped, ...rest } = body;
  return rest;
}

/** Datasets of every sandbox, with a cache the write path reads on every message, kept by catalog change notices. */
export class DatasetService implements CatalogCache {
  private readonly cache = new LoadCache<string, Dataset | undefined>();

  constructor(
    private readonly db: Db,
    private readonly schemas: SchemaResolver,
    private readonly clock: Clock,
    private readonly queuePurge: QueuePurge,
  ) {}

  /** Creates a dataset after checking its schema resolves; a Profile-enabled dataset needs a Profile-enabled schema. */
  async create(tenantId: number, input: DatasetInput): Promise<Dataset> {
    assertTags(input.tags);
    if (typeof input.name !== 'string' || input.name.trim() === '') throw new DomainError('DATASET_INVALID', 'name is required');
    const schema = await this.schemas.resolve(tenantId, input.schemaRef.id);
    const profileEnabled = tagEnabled(input.tags, 'unifiedProfile');
    if (profileEnabled && !schema.profileEnabled) {
      throw new DomainError(
        'DATASET_SCHEMA_NOT_PROFILE_ENABLED',
        `Schema '${schema.schemaId}' is not enabled for Profile (meta:immutableTags must contain "union"), so the dataset cannot be`,
      );
    }
    const now = this.clock();
    const { name, schemaRef, tags, ...extra } = input;
    const dataset: Dataset = {
      tenantId,
      id: datasetId(now),
      name,
      schemaId: schema.schemaId,
      profileEnabled,
      identityEnabled: tagEnabled(tags, 'unifiedIdentity'),
      body: { ...extra, tags: tags ?? {}, schemaRef: { id: schema.schemaId, contentType: schemaRef.contentType ?? 'application/vnd.adobe.xed-full+json;version=1' } },
      createdAt: now,
      modifiedAt: now,
    };
    await rows.insertDataset(this.db, dataset);
    return dataset;
  }

  /** One dataset, cached; DATASET_NOT_FOUND when the sandbox has none of that id. */
  async get(tenantId: number, id: string): Promise<Dataset> {
    const key = `${tenantId}\u0000${id}`;
    const dataset = await this.cache.get(key, () => rows.findDataset(this.db, tenantId, id));
    if (!dataset) {
      // Absence is not cached: the dataset may be created a moment later.
      this.cache.delete(key);
      throw datasetNotFound(id);
    }
    return dataset;
  }

  /** A page of datasets. */
  list(tenantId: number, page: { limit: number; start: number; name?: string }): Promise<Dataset[]> {
    return rows.listDatasets(this.db, tenantId, page);
  }

  /**
   * Updates name, description and tags: PATCH merges tag namespaces, PUT (`replace`) sets exactly what is sent and clears
   * an absent description. Enabling Profile later needs a Profile-enabled schema too.
   */
  async patch(tenantId: number, id: string, patch: { name?: string; tags?: Tags; description?: string; schemaRef?: { id: string } }, replace = false): Promise<Dataset> {
    assertTags(patch.tags);
    const current = await this.get(tenantId, id);
    if (patch.schemaRef !== undefined && patch.schemaRef.id !== current.schemaId) {
      throw new DomainError('DATASET_SCHEMA_IMMUTABLE', `schemaRef cannot change: the dataset is of '${current.schemaId}', not '${patch.schemaRef.id}'`);
    }
    const tags = replace ? { ...(patch.tags ?? {}) } : { ...((current.body.tags as Tags | undefined) ?? {}), ...(patch.tags ?? {}) };
    const profileEnabled = tagEnabled(tags, 'unifiedProfile');
    if (profileEnabled && !current.profileEnabled && !(await this.schemas.resolve(tenantId, current.schemaId)).profileEnabled) {
      throw new DomainError('DATASET_SCHEMA_NOT_PROFILE_ENABLED', `Schema '${current.schemaId}' is not enabled for Profile`);
    }
    const next: Dataset = {
      ...current,
      name: patch.name ?? current.name,
      profileEnabled,
      identityEnabled: tagEnabled(tags, 'unifiedIdentity'),
      body: { ...withoutDescription(current.body, replace), ...(patch.description === undefined ? {} : { description: patch.description }), tags },
      modifiedAt: this.clock(),
    };
    await this.db.transaction(async (tx) => {
      await rows.updateDataset(tx, next);
      await publishChange(tx, { tenantId, kind: 'dataset', id });
    });
    return next;
  }

  /**
   * Deletes the dataset from Catalog at once, with its batches, and queues the job that removes its fragments, events
   * and identity links from the Profile store page by page, splitting graphs and recomputing every touched profile.
   */
  async delete(tenantId: number, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const batches = await rows.deleteDatasetRows(tx, tenantId, id);
      if (!batches) throw datasetNotFound(id);
      await this.queuePurge(tx, tenantId, id, batches, this.clock());
      await publishChange(tx, { tenantId, kind: 'dataset', id });
    });
  }

  /** Which of `ids` still exist, read inside a write transaction so a concurrent delete waits for it (or wins first). */
  existing(tx: SqlExecutor, tenantId: number, ids: readonly string[]): Promise<Set<string>> {
    return rows.lockExistingDatasets(tx, tenantId, ids, this.db.capabilities.concurrentWriters);
  }

  /** Drops what a catalog change made stale: one dataset, or every dataset of a purged sandbox. */
  catalogChanged(change: CatalogChange | undefined): void {
    if (change === undefined) this.cache.clear();
    else if (change.kind === 'dataset') this.cache.delete(`${change.tenantId}\u0000${change.id ?? ''}`);
    else if (change.kind === 'sandbox') this.cache.deleteWhere((key) => key.startsWith(`${change.tenantId}\u0000`));
  }
}

/** The refusal for a dataset id the sandbox does not have (the write path uses it per record too). */
export function datasetNotFound(id: string): DomainError {
  return new DomainError('DATASET_NOT_FOUND', `Dataset '${id}' does not exist in this sandbox`);
}

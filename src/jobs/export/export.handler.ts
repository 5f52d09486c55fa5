/**
 * The export job: scans every unified profile under the merge policy, writes them to files of a new batch in the
 * destination dataset a part at a time, and commits each finished part with the scan's cursor, so a worker killed
 * mid-way is resumed by another from the last part and no profile is written twice.
 */
import type { Db, SqlExecutor } from '../../store/db.js';
import { type FileStore, exportsFolder } from '../../store/files/file-store.js';
import type { Clock } from '../../shared/clock.js';
import { sortableId } from '../../shared/ids.js';
import type { XdmSchemaNode } from '../../catalog/xdm/types.js';
import type { SchemaResolver } from '../../catalog/schema-resolver.js';
import type { EffectivePolicy, MergePolicyService } from '../../profile/merge-policy.service.js';
import { parseFields, project } from '../../profile/fields.js';
import { addCounts, insertBatch, transition, upsertFile } from '../../ingest/batches/batch.store.js';
import type { Job } from '../job.store.js';
import type { JobHandler } from '../job-runner.js';
import { type ExportCheckpoint, type ExportPayload, parseTime } from './export-job.js';
import { exportSchema, pruneTo } from './parquet-schema.js';
import { type PartWriter, ndjsonPart, parquetPart } from './export-files.js';
import { type ScannedProfile, scanPage, scanStart } from './profile-scan.js';
import { type MembershipRow, membershipOf } from '../../segments/segment.store.js';
import { placeMembership } from '../../segments/membership-reader.js';

/** The profile class's union, which an export's destination dataset is based on. */
export const PROFILE_UNION = 'https://ns.adobe.com/xdm/context/profile__union';
const EVENT_UNION = 'https://ns.adobe.com/xdm/context/experienceevent__union';

/** People read per page: one Parquet row group. */
const PAGE = 4_000;
/** Events exported per profile at most (the newest are kept past it). */
const EVENTS_PER_PROFILE = 1_000;

/** What the export job reads and writes through. */
export interface ExportDeps {
  readonly db: Db;
  readonly policies: MergePolicyService;
  readonly schemas: SchemaResolver;
  readonly files: FileStore;
  readonly clock: Clock;
  /** People per file: a part is the unit a resumed export redoes. */
  readonly fileProfiles: number;
}

/** An error that no retry can mend (the sandbox lost its profile schema): the job fails at once with it. */
function permanent(message: string): Error {
  return Object.assign(new Error(message), { permanent: true });
}

/** The export job's handler. */
export function exportJobHandler(deps: ExportDeps): JobHandler {
  return async (ctx) => {
    const { tenantId } = ctx.job;
    const p = ctx.job.payload as unknown as ExportPayload;
    const policy = await deps.policies.effective(tenantId, p.mergePolicyId);
    const union = await deps.schemas.union(tenantId, PROFILE_UNION);
    if (!union) throw permanent('The sandbox has no Profile-enabled profile schema left to export');
    const eventFields = p.eventList === undefined ? undefined : parseFields(p.eventList.fields);
    const eventUnion = eventFields === undefined ? undefined : await deps.schemas.union(tenantId, EVENT_UNION);
    const extra: Record<string, XdmSchemaNode> =
      eventFields === undefined ? {} : { eventList: { type: 'array', items: eventUnion ? pruneTo(eventUnion.jsonSchema as XdmSchemaNode, eventFields, 'eventList.fields') : {} } };
    const schema = exportSchema(union.jsonSchema as XdmSchemaNode, parseFields(p.request.fields), extra);
    const paths = parseFields(p.request.fields);
    const segmentFilter = membershipFilter(p.request);

    let at: ExportCheckpoint = (ctx.job.checkpoint as ExportCheckpoint | undefined) ?? (await ctx.step((tx) => startBatch(tx, ctx.job, p, policy, deps.clock)));
    while (at.cursor.phase !== 'done') {
      const name = `profiles-${String(at.parts.length).padStart(5, '0')}.${p.format === 'parquet' ? 'parquet' : 'json'}`;
      const key = `${exportsFolder(tenantId, at.batchId)}/${name}`;
      const part: PartWriter = p.format === 'parquet' ? await parquetPart(deps.files, key, schema) : await ndjsonPart(deps.files, key);
      let cursor = at.cursor;
      let rows = 0;
      let size: number;
      try {
        while (rows < deps.fileProfiles && cursor.phase !== 'done') {
          ctx.signal.throwIfAborted();
          const page = await scanPage(deps.db, tenantId, policy, cursor, Math.min(PAGE, deps.fileProfiles - rows), { emptyProfiles: p.emptyProfiles });
          const out: Record<string, unknown>[] = [];
          const membership = await membershipByPerson(deps.db, tenantId, page.profiles.map((x) => x.key));
          for (const person of page.profiles) {
            if (p.updatedAfter !== undefined && person.lastModifiedAt <= p.updatedAfter) continue;
            const rows = membership.get(person.key) ?? [];
            if (segmentFilter && !rows.some(segmentFilter)) continue;
            const withMembership = rows.length === 0 ? person.entity : { ...person.entity };
            placeMembership(withMembership, rows);
            const entity = project(withMembership, paths);
            out.push(eventFields === undefined ? entity : { ...entity, eventList: await eventsOf(deps.db, tenantId, person.members, eventFields, p.eventList?.ingestedAfter) });
          }
          await part.add(out);
          rows += out.length;
          cursor = page.next;
        }
        // An empty last part is left out, unless the export has no file yet (readers still get the schema).
        if (rows === 0 && at.parts.length > 0) {
          await part.abort();
          size = -1;
        } else size = await part.finish();
      } catch (err) {
        await part.abort();
        throw err;
      }
      const from = at;
      at = await ctx.step(async (tx) => {
        const now = deps.clock();
        if (size >= 0) await upsertFile(tx, { tenantId, batchId: from.batchId, name, datasetId: p.datasetId, path: key, size, now });
        const parts = size >= 0 ? [...from.parts, { name, key, size, rows }] : from.parts;
        return { ...from, cursor, parts, profiles: from.profiles + rows, ...(cursor.phase === 'done' ? { scanEndedAt: now } : {}) };
      });
    }
    const done = at;
    // A worker killed mid-file left its temp file behind; the file itself was written again from the last checkpoint.
    await deps.files.sweep(exportsFolder(tenantId, done.batchId));
    await ctx.step(async (tx) => {
      const now = deps.clock();
      await addCounts(tx, tenantId, done.batchId, done.profiles, 0, now);
      await transition(tx, tenantId, done.batchId, ['loading'], 'success', now);
      return { ...done, writeEndedAt: now };
    });
  };
}

/** People's membership rows by person key (one read for a page). */
async function membershipByPerson(db: Db, tenantId: number, keys: readonly string[]): Promise<Map<string, MembershipRow[]>> {
  const out = new Map<string, MembershipRow[]>();
  for (const row of await membershipOf(db, tenantId, keys)) out.set(row.personKey, [...(out.get(row.personKey) ?? []), row]);
  return out;
}

/**
 * The request's segment filter as a test of one membership row: a listed segment, in one of its statuses (realized and
 * existing by default; both are held as `realized`), qualified within the time range; undefined without a filter.
 */
function membershipFilter(r: ExportPayload['request']): ((row: MembershipRow) => boolean) | undefined {
  const segments = r.filter?.segments ?? [];
  if (segments.length === 0) return undefined;
  const wanted = new Map(segments.map((s) => [s.segmentId, new Set((s.status ?? ['realized', 'existing']).map((x) => (x === 'existing' ? 'realized' : x)))]));
  const from = parseTime(r.filter?.segmentQualificationTime?.startTime, 'startTime') ?? Number.NEGATIVE_INFINITY;
  const to = parseTime(r.filter?.segmentQualificationTime?.endTime, 'endTime') ?? Number.POSITIVE_INFINITY;
  return (row) => wanted.get(row.segmentId)?.has(row.status) === true && row.qualifiedAt >= from && row.qualifiedAt <= to;
}

/** Opens the export's batch in the destination dataset (in the step that first checkpoints, so it exists exactly once). */
async function startBatch(tx: SqlExecutor, job: Job, p: ExportPayload, policy: EffectivePolicy, clock: Clock): Promise<ExportCheckpoint> {
  const now = clock();
  const batchId = sortableId(now);
  await insertBatch(tx, {
    tenantId: job.tenantId,
    id: batchId,
    datasetId: p.datasetId,
    status: 'loading',
    format: p.format === 'parquet' ? 'parquet' : 'json',
    recordsTotal: 0,
    recordsFailed: 0,
    body: { inputFormat: { format: p.format === 'parquet' ? 'parquet' : 'json' }, createdUser: 'profile-export', tags: { exportJobId: [String(job.jobId)] } },
    createdAt: now,
    modifiedAt: now,
    startedAt: now,
    completedAt: null,
  });
  return { batchId, cursor: scanStart(policy), parts: [], profiles: 0, startedAt: now };
}

/** A person's events (the newest up to the cap, oldest first), projected to `fields`, ingested after `after`. */
async function eventsOf(db: Db, tenantId: number, person: ScannedProfile['members'], fields: readonly string[][], after: number | undefined): Promise<Record<string, unknown>[]> {
  const members = 'cluster' in person ? (await db.values<[string, string]>('SELECT ns, id FROM identities WHERE tenant_id = ? AND cluster_id = ?', [tenantId, person.cluster])).map(([ns, id]) => ({ ns, id })) : person;
  if (members.length === 0) return [];
  const values = members.map(() => '(?, ?)').join(', ');
  const since = after === undefined ? '' : ' AND ingested_at > ?';
  const rows = await db.values<[string]>(
    `SELECT data FROM events WHERE tenant_id = ? AND (primary_ns, primary_id) IN (VALUES ${values})${since} ORDER BY ts DESC, dataset_id DESC, event_id DESC LIMIT ?`,
    [tenantId, ...members.flatMap((m) => [m.ns, m.id]), ...(after === undefined ? [] : [after]), EVENTS_PER_PROFILE],
  );
  return rows.reverse().map(([data]) => project(JSON.parse(data) as Record<string, unknown>, fields));
}

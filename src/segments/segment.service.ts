/** Segment definitions (and the audiences API over them): create, read, change and delete, each checked as AEP checks it. */
import { randomUUID } from 'node:crypto';
import type { Db, SqlExecutor } from '../store/db.js';
import { SEGMENT_LOCK } from '../store/locks.js';
import { publishChange } from '../store/catalog-changes.js';
import type { Clock } from '../shared/clock.js';
import type { SchemaResolver } from '../catalog/schema-resolver.js';
import { checkSchemasOf } from '../computed/ca.service.js';
import { listDefinitions as listComputed } from '../computed/ca.store.js';
import type { MergePolicyService } from '../profile/merge-policy.service.js';
import { type AudienceInfo, type SegmentDefinition, segmentError } from './segment.js';
import { type EvaluationRequest, type ExpressionInput, checkSegment, evaluationInfoOf } from './segment-check.js';
import * as store from './segment.store.js';
import { queueSegmentJob } from './segment-job.service.js';

/** A create request after the route's shape check. */
export interface SegmentInput {
  readonly name: string;
  readonly description?: string;
  /** Absent for an externally generated audience (it has no expression). */
  readonly expression?: ExpressionInput;
  readonly schema?: { readonly name?: string };
  readonly mergePolicyId?: string;
  readonly evaluationInfo?: EvaluationRequest;
  readonly payloadSchema?: string;
  readonly audience?: AudienceInfo;
}

/** What a PATCH may change. */
export type SegmentChange = Partial<Omit<SegmentInput, 'schema'>>;

const PROFILE = '_xdm.context.profile';

/** A streaming definition's start (or change of meaning): its current members are worked out once (a segment job). */
function queueStart(tx: SqlExecutor, d: SegmentDefinition, now: number): Promise<unknown> {
  return d.evaluationInfo.continuous.enabled ? queueSegmentJob(tx, d.tenantId, [d], now) : Promise.resolve();
}

/** Definitions of a sandbox. */
export class SegmentService {
  constructor(
    private readonly db: Db,
    private readonly schemas: SchemaResolver,
    private readonly policies: MergePolicyService,
    private readonly clock: Clock,
    /** Wakes the job runner after a definition's first job was queued. */
    private readonly kick: () => void,
  ) {}

  /** Every definition of the sandbox, oldest first. */
  list(tenantId: number): Promise<SegmentDefinition[]> {
    return store.listDefinitions(this.db, tenantId);
  }

  /** One definition; SEGMENT_NOT_FOUND otherwise. */
  async get(tenantId: number, id: string): Promise<SegmentDefinition> {
    const found = await store.findDefinition(this.db, tenantId, id);
    if (!found) throw segmentError('SEGMENT_NOT_FOUND', `Segment definition '${id}' does not exist in this sandbox`);
    return found;
  }

  /** The merge policy id a definition is evaluated under (its own, else the sandbox's default at the time). */
  async policyIdOf(d: SegmentDefinition): Promise<string> {
    return d.mergePolicyId !== '' ? d.mergePolicyId : (await this.policies.effective(d.tenantId, undefined)).id;
  }

  private async checked(tenantId: number, input: Pick<SegmentInput, 'expression' | 'evaluationInfo'>, others: readonly SegmentDefinition[], selfId?: string) {
    if (input.expression === undefined) return undefined;
    const computed = (await listComputed(this.db, tenantId)).filter((c) => c.status !== 'DISABLED');
    const schemas = await checkSchemasOf(this.schemas, tenantId, computed);
    const c = checkSegment(input.expression, schemas, others, selfId);
    const readsComputed = c.profilePaths.some((p) => computed.some((ca) => p === ca.fieldPath || p.startsWith(`${ca.fieldPath}.`)));
    return { ...c, readsComputed, evaluationInfo: evaluationInfoOf(input.evaluationInfo, c.classification) };
  }

  private async checkPolicy(tenantId: number, id: string | undefined): Promise<string> {
    if (id === undefined || id === '') return '';
    await this.policies.get(tenantId, id).catch(() => {
      throw segmentError('SEGMENT_INVALID', `mergePolicyId '${id.slice(0, 80)}' is not a merge policy of this sandbox`);
    });
    return id;
  }

  /** Creates a definition; 422 SEGMENT_EXISTS when the name is taken. */
  async create(tenantId: number, input: SegmentInput): Promise<SegmentDefinition> {
    const schemaName = input.schema?.name ?? PROFILE;
    if (schemaName !== PROFILE) throw segmentError('SEGMENT_INVALID', `schema.name '${schemaName.slice(0, 80)}' is not supported: segments are defined on ${PROFILE}`);
    const others = await store.listDefinitions(this.db, tenantId);
    const checked = await this.checked(tenantId, input, others);
    const now = this.clock();
    const d: SegmentDefinition = {
      tenantId,
      id: randomUUID(),
      name: input.name,
      description: input.description ?? '',
      expression: checked?.expression ?? { type: 'PQL', format: 'pql/text', value: '' },
      pql: checked?.pql ?? '',
      schemaName,
      mergePolicyId: await this.checkPolicy(tenantId, input.mergePolicyId),
      evaluationInfo: checked?.evaluationInfo ?? { batch: { enabled: false }, continuous: { enabled: false }, synchronous: { enabled: false } },
      mode: checked?.classification.mode ?? 'batch',
      reasons: checked?.classification.reasons ?? [],
      segments: checked?.classification.segments ?? [],
      readsEvents: checked?.readsEvents ?? false,
      readsComputed: checked?.readsComputed ?? false,
      ...(input.payloadSchema === undefined ? {} : { payloadSchema: input.payloadSchema }),
      ...(input.audience === undefined ? {} : { audience: input.audience }),
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    const inserted = await this.db.transaction(async (tx) => {
      await tx.lock(SEGMENT_LOCK, tenantId);
      // Under the lock the names it reads through inSegment cannot be deleted meanwhile.
      const known = new Set((await store.listDefinitions(tx, tenantId)).map((o) => o.id));
      const gone = d.segments.find((id) => !known.has(id));
      if (gone !== undefined) throw segmentError('SEGMENT_EXPRESSION_INVALID', `inSegment("${gone.slice(0, 80)}"): no segment definition '${gone.slice(0, 80)}' in this sandbox`);
      if (!(await store.insertDefinition(tx, d))) return false;
      // Every process's entity reads start looking for membership in this sandbox.
      await publishChange(tx, { tenantId, kind: 'segment', id: d.id });
      await queueStart(tx, d, now);
      return true;
    });
    if (!inserted) throw segmentError('SEGMENT_EXISTS', `A segment definition named '${input.name.slice(0, 200)}' already exists in this sandbox: change it with PATCH instead`);
    if (d.evaluationInfo.continuous.enabled) this.kick();
    return d;
  }

  /** Applies a change; a new expression is checked as at create, and a new meaning moves the version. */
  async update(tenantId: number, id: string, change: SegmentChange): Promise<SegmentDefinition> {
    const current = await this.get(tenantId, id);
    const others = await store.listDefinitions(this.db, tenantId);
    const expression = change.expression ?? (current.pql === '' ? undefined : current.expression);
    const evaluationInfo = change.evaluationInfo ?? (change.expression === undefined ? current.evaluationInfo : undefined);
    const checked = change.expression === undefined && change.evaluationInfo === undefined ? undefined : await this.checked(tenantId, { ...(expression ? { expression } : {}), ...(evaluationInfo ? { evaluationInfo } : {}) }, others, id);
    const mergePolicyId = change.mergePolicyId === undefined ? current.mergePolicyId : await this.checkPolicy(tenantId, change.mergePolicyId);
    const meaning = (checked !== undefined && checked.pql !== current.pql) || mergePolicyId !== current.mergePolicyId;
    const now = this.clock();
    const next: SegmentDefinition = {
      ...current,
      ...(change.name === undefined ? {} : { name: change.name }),
      ...(change.description === undefined ? {} : { description: change.description }),
      ...(change.payloadSchema === undefined ? {} : { payloadSchema: change.payloadSchema }),
      ...(change.audience === undefined ? {} : { audience: change.audience }),
      ...(checked === undefined
        ? {}
        : { expression: checked.expression, pql: checked.pql, evaluationInfo: checked.evaluationInfo, mode: checked.classification.mode, reasons: checked.classification.reasons, segments: checked.classification.segments, readsEvents: checked.readsEvents, readsComputed: checked.readsComputed }),
      mergePolicyId,
      version: meaning ? current.version + 1 : current.version,
      updatedAt: Math.max(now, current.updatedAt + 1),
    };
    const taken = change.name !== undefined && change.name !== current.name && others.some((o) => o.name === change.name);
    if (taken) throw segmentError('SEGMENT_EXISTS', `A segment definition named '${change.name!.slice(0, 200)}' already exists in this sandbox`);
    const startsStreaming = next.evaluationInfo.continuous.enabled && (meaning || !current.evaluationInfo.continuous.enabled);
    const saved = await this.db.transaction(async (tx) => {
      // The consumer and jobs write membership under this lock: none is between reading and writing this definition.
      await tx.lock(SEGMENT_LOCK, tenantId);
      if (!(await store.replaceDefinition(tx, next, current.updatedAt))) return false;
      if (startsStreaming) await queueStart(tx, next, now);
      return true;
    }).catch((err: unknown) => {
      // The name's unique index: another request took it in between.
      if (err instanceof Error && /unique|constraint/i.test(err.message)) throw segmentError('SEGMENT_EXISTS', `A segment definition named '${next.name.slice(0, 200)}' already exists in this sandbox`);
      throw err;
    });
    if (!saved) throw segmentError('SEGMENT_INVALID', `Segment definition '${id}' changed while this request was applied; read it again and retry`);
    if (startsStreaming) this.kick();
    return next;
  }

  /** Deletes a definition and everyone's membership of it; 422 while another definition reads it. */
  async delete(tenantId: number, id: string): Promise<SegmentDefinition> {
    const d = await this.get(tenantId, id);
    await this.db.transaction(async (tx) => {
      // Under the lock no evaluation writes this definition's membership after its rows are gone, and no definition
      // starts reading it meanwhile.
      await tx.lock(SEGMENT_LOCK, tenantId);
      const users = (await store.listDefinitions(tx, tenantId)).filter((o) => o.segments.includes(id)).map((o) => o.id);
      if (users.length > 0) throw segmentError('SEGMENT_IN_USE', `Segment definition '${id}' is used by inSegment(...) in ${users.join(', ')}: change or delete those first`, { dependents: users });
      await store.deleteDefinition(tx, tenantId, id);
      await publishChange(tx, { tenantId, kind: 'segment', id });
    });
    return d;
  }

  /**
   * An unsaved definition of `expression` (for a preview): checked as a create would check it, evaluated streaming-free
   * (no expiry), never stored.
   */
  async unsaved(tenantId: number, expression: ExpressionInput): Promise<SegmentDefinition> {
    const checked = (await this.checked(tenantId, { expression, evaluationInfo: { continuous: { enabled: false } } }, await store.listDefinitions(this.db, tenantId)))!;
    const now = this.clock();
    return {
      tenantId,
      id: 'preview',
      name: 'preview',
      description: '',
      expression: checked.expression,
      pql: checked.pql,
      schemaName: PROFILE,
      mergePolicyId: '',
      evaluationInfo: checked.evaluationInfo,
      mode: checked.classification.mode,
      reasons: checked.classification.reasons,
      segments: checked.classification.segments,
      readsEvents: checked.readsEvents,
      readsComputed: checked.readsComputed,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
  }

  /** The definitions among `ids` (bulk-get), and the ids not found. */
  async many(tenantId: number, ids: readonly string[]): Promise<{ found: SegmentDefinition[]; missing: string[] }> {
    const all = new Map((await store.listDefinitions(this.db, tenantId)).map((d) => [d.id, d]));
    const found: SegmentDefinition[] = [];
    const missing: string[] = [];
    for (const id of ids) {
      const d = all.get(id);
      if (d) found.push(d);
      else missing.push(id);
    }
    return { found, missing };
  }
}

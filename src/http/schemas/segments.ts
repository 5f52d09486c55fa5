/** Request and response schemas of the segmentation routes: definitions, jobs, audiences, schedules, previews, search. */
import { Type } from 'typebox';
import { AnyObject, open } from './problem.js';

const Flag = Type.Object({ enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: true });

/** `evaluationInfo` as sent: any of the three flags. */
export const EvaluationInfoBody = Type.Object({ batch: Type.Optional(Flag), continuous: Type.Optional(Flag), synchronous: Type.Optional(Flag) }, { additionalProperties: true });

/** A PQL expression as sent. */
export const ExpressionBody = Type.Object(
  {
    type: Type.Optional(Type.String({ maxLength: 16 })),
    format: Type.Optional(Type.String({ maxLength: 32 })),
    value: Type.String({ minLength: 1, maxLength: 65_536 }),
  },
  { additionalProperties: true },
);

const Name = Type.String({ minLength: 1, maxLength: 256 });

/** The create body (CreateSegmentDefinition). */
export const SegmentCreateBody = Type.Object(
  {
    name: Name,
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    expression: ExpressionBody,
    schema: Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })), id: Type.Optional(Type.String({ maxLength: 512 })) }, { additionalProperties: true }),
    evaluationInfo: Type.Optional(EvaluationInfoBody),
    mergePolicyId: Type.Optional(Type.String({ maxLength: 128 })),
    profileInstanceId: Type.Optional(Type.String({ maxLength: 64 })),
    payloadSchema: Type.Optional(Type.String({ maxLength: 256 })),
    ttlInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: true },
);

/** The PATCH body: the object, whole or in part (the spec's "overwrite"). */
export const SegmentPatchBody = Type.Object(
  {
    name: Type.Optional(Name),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    expression: Type.Optional(ExpressionBody),
    evaluationInfo: Type.Optional(EvaluationInfoBody),
    mergePolicyId: Type.Optional(Type.String({ maxLength: 128 })),
    payloadSchema: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: true },
);

const Sandbox = open({ sandboxId: Type.String(), sandboxName: Type.String(), type: Type.String(), default: Type.Boolean() });
const EvaluationInfo = open({ batch: open({ enabled: Type.Boolean() }), continuous: open({ enabled: Type.Boolean() }), synchronous: open({ enabled: Type.Boolean() }) });

/** A segment definition as AEP returns it. */
export const SegmentObject = open({
  id: Type.String(),
  imsOrgId: Type.String(),
  sandbox: Sandbox,
  name: Type.String(),
  description: Type.String(),
  expression: open({ type: Type.String(), format: Type.String(), value: Type.String() }),
  evaluationInfo: EvaluationInfo,
  schema: open({ name: Type.String() }),
  mergePolicyId: Type.String(),
  profileInstanceId: Type.String(),
  dataGovernancePolicy: open({ excludeOptOut: Type.Boolean() }),
  dependencies: Type.Array(Type.String()),
  dependents: Type.Array(Type.String()),
  type: Type.String(),
  creationTime: Type.Integer(),
  updateTime: Type.Integer(),
  updateEpoch: Type.Integer(),
});

/** The list (Adobe's segment definitions guide: `segments`, `page`, `link`). */
export const SegmentList = open({
  segments: Type.Array(SegmentObject),
  page: open({ totalCount: Type.Integer(), totalPages: Type.Integer(), sortField: Type.String(), sort: Type.String(), pageSize: Type.Integer(), limit: Type.Integer() }),
  link: open({}),
});

/** `{"ids": [{"id": ...}, ...]}`. */
export const BulkGetBody = Type.Object({ ids: Type.Array(Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: true }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: true });

/** A bulk-get answer: found objects by id, and an error for each id not found. */
export const BulkResults = open({ results: Type.Record(Type.String(), AnyObject), errors: Type.Optional(Type.Record(Type.String(), AnyObject)) });

/** `{status, message}`. */
export const MessageResponse = open({ status: Type.Boolean(), message: Type.String() });

/** The conversion body: a definition whose expression is converted to the other format. */
export const ConversionBody = Type.Object({ expression: ExpressionBody }, { additionalProperties: true });

const Timing = open({ startTimeInMs: Type.Number(), endTimeInMs: Type.Number(), totalTimeInMs: Type.Number() });

/** A segment job as AEP returns it. */
export const SegmentJobObject = open({
  id: Type.String(),
  imsOrgId: Type.String(),
  sandbox: Sandbox,
  profileInstanceId: Type.String(),
  source: Type.String(),
  status: Type.String(),
  segments: Type.Array(open({ segmentId: Type.String(), segment: AnyObject })),
  metrics: open({
    totalTime: Timing,
    profileSegmentationTime: Timing,
    totalProfiles: Type.Integer(),
    totalProfilesByMergePolicy: Type.Record(Type.String(), Type.Number()),
    segmentedProfileCounter: Type.Record(Type.String(), Type.Number()),
    segmentedProfileByNamespaceCounter: Type.Record(Type.String(), Type.Record(Type.String(), Type.Number())),
    segmentedProfileByStatusCounter: Type.Record(Type.String(), Type.Record(Type.String(), Type.Number())),
  }),
  requestId: Type.String(),
  schema: open({ name: Type.String() }),
  properties: AnyObject,
  _links: AnyObject,
  creationTime: Type.Integer(),
  updateTime: Type.Integer(),
  updateEpoch: Type.Integer(),
});

/** The jobs list. */
export const SegmentJobList = open({ _page: open({ totalCount: Type.Integer(), pageSize: Type.Integer() }), children: Type.Array(SegmentJobObject) });

/** The create body: `[{"segmentId": ...}, ...]`. */
export const SegmentJobBody = Type.Array(Type.Object({ segmentId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: true }), { maxItems: 1000 });

/** An audience create or replace body: a platform audience (with an expression) or an external one (audienceId, namespace). */
export const AudienceBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    type: Type.Optional(Type.String({ maxLength: 64 })),
    expression: Type.Optional(ExpressionBody),
    schema: Type.Optional(Type.Object({ name: Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: true })),
    labels: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 })),
    audienceId: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    datasetId: Type.Optional(Type.String({ maxLength: 128 })),
    lifecycleState: Type.Optional(Type.String({ maxLength: 32 })),
    lifecycle: Type.Optional(Type.String({ maxLength: 32 })),
    ttlInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: true },
);

/** A JSON Patch-like list of `{op, path, value}` (the audiences' and schedules' PATCH; each route checks the values). */
const patchOps = (maxItems: number) =>
  Type.Array(Type.Object({ op: Type.String({ maxLength: 16 }), path: Type.String({ maxLength: 256 }), value: Type.Optional(Type.Unknown()) }, { additionalProperties: true }), { minItems: 1, maxItems });

/** JSON Patch-like operations on an audience. */
export const AudiencePatchBody = patchOps(50);

/** An audience as AEP returns it (platform or external). */
export const AudienceObject = open({
  id: Type.String(),
  audienceId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  imsOrgId: Type.String(),
  sandbox: Sandbox,
  isSystem: Type.Boolean(),
  namespace: Type.String(),
  type: Type.String(),
  lifecycleState: Type.String(),
  labels: Type.Array(Type.String()),
  originName: Type.String(),
  creationTime: Type.Integer(),
  createEpoch: Type.Integer(),
  updateTime: Type.Integer(),
  updateEpoch: Type.Integer(),
  _etag: Type.String(),
});

/** The audiences list. */
export const AudienceList = open({ children: Type.Array(AudienceObject), _page: open({ totalCount: Type.Integer(), pageSize: Type.Integer() }), _links: AnyObject });

/** The preview create body (CreatePreviewRequest). */
export const PreviewCreateBody = Type.Object(
  {
    predicateExpression: Type.String({ minLength: 1, maxLength: 65_536 }),
    predicateType: Type.Optional(Type.String({ maxLength: 32 })),
    predicateModel: Type.Optional(Type.String({ maxLength: 128 })),
    graphType: Type.Optional(Type.String({ maxLength: 16 })),
  },
  { additionalProperties: true },
);

/** The preview create answer (PreviewQueryResponse). */
export const PreviewCreated = open({ state: Type.String(), previewQueryId: Type.String(), previewQueryStatus: Type.String(), previewId: Type.String(), previewExecutionId: Type.Integer() });

/** A page of a preview's people (PreviewResponse). */
export const PreviewPage = open({
  state: Type.String(),
  results: Type.Array(open({ objectId: Type.String(), _href: Type.String(), relatedObjects: Type.Array(open({ objectId: Type.String(), _href: Type.String() })) })),
  page: AnyObject,
  link: Type.String(),
});

/** An estimate (EstimateResponse). */
export const EstimateObject = open({
  estimatedSize: Type.Integer(),
  numRowsToRead: Type.Integer(),
  totalRows: Type.Integer(),
  profilesReadSoFar: Type.Integer(),
  profilesMatchedSoFar: Type.Integer(),
  standardError: Type.Number(),
  confidenceInterval: Type.String(),
  estimatedNamespaceDistribution: Type.Array(AnyObject),
  state: Type.String(),
  error: open({ description: Type.String(), traceback: Type.String() }),
  _links: AnyObject,
});

/** The schedule create body (ScheduleCreate). */
export const ScheduleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    type: Type.String({ maxLength: 64 }),
    schedule: Type.String({ minLength: 1, maxLength: 128 }),
    state: Type.Optional(Type.String({ maxLength: 16 })),
    properties: Type.Object({ segments: Type.Optional(Type.Unknown()) }, { additionalProperties: true }),
  },
  { additionalProperties: true },
);

/** `add` operations on /state or /schedule. */
export const SchedulePatchBody = patchOps(10);

/** A schedule (Schedule). */
export const ScheduleObject = open({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  schedule: Type.String(),
  state: Type.String(),
  properties: open({ segments: Type.Array(Type.String()) }),
  createEpoch: Type.Integer(),
  updateEpoch: Type.Integer(),
});

/** The schedules list (SchedulesResponse). */
export const ScheduleList = open({ _page: open({ totalCount: Type.Integer(), pageSize: Type.Integer() }), children: Type.Array(ScheduleObject) });

const SearchStatus = open({ message: Type.String() });

/** Search counts by namespace (SearchNamespaceList, in its property example's item shape). */
export const SearchNamespaces = open({ namespaces: Type.Array(open({ namespace: Type.String(), displayName: Type.String(), count: Type.Integer() })), totalCount: Type.String(), status: SearchStatus });

/** A page of found audiences (SearchEntityList). */
export const SearchEntities = open({
  entities: Type.Array(open({ id: Type.String(), base64EncodedSourceId: Type.String(), isFolder: Type.Boolean(), parentFolderId: Type.String(), name: Type.String(), description: Type.String() })),
  page: open({ totalCount: Type.Integer(), totalPages: Type.Integer(), pageOffset: Type.Integer(), pageSize: Type.Integer() }),
  status: SearchStatus,
});

/** The folders holding an object, root first (TaxonomySearchObject). */
export const SearchTaxonomy = open({ taxonomy: Type.Array(open({ id: Type.String(), base64EncodedSourceId: Type.String(), name: Type.String(), parentFolderId: Type.String() })), status: SearchStatus });

/** Response schemas of the Profile job APIs: system (delete) jobs, export jobs and the preview sample status. */
import { Type } from 'typebox';
import { AnyObject, open } from './problem.js';

/** A delete request in AEP's doc (AWS) shape, with the Azure shape's non-conflicting members beside it. */
export const SystemJobObject = open({
  requestId: Type.String(),
  requestType: Type.String(),
  imsOrgId: Type.String(),
  sandbox: open({ sandboxName: Type.String(), sandboxId: Type.String() }),
  status: Type.String(),
  properties: open({ datasetId: Type.String(), batchId: Type.Optional(Type.String()) }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  id: Type.String(),
  jobType: Type.String(),
  metrics: Type.String({ description: 'A JSON-encoded string, as the Azure shape has it' }),
  createEpoch: Type.Integer(),
  updateEpoch: Type.Integer(),
});

/** A page of delete requests. */
export const SystemJobPage = open({
  _page: open({ pageSize: Type.Integer(), start: Type.String(), totalCount: Type.Integer(), next: Type.Optional(Type.Integer()) }),
  children: Type.Array(SystemJobObject),
});

const Span = open({ startTimeInMs: Type.Optional(Type.Number()), endTimeInMs: Type.Optional(Type.Number()), totalTimeInMs: Type.Optional(Type.Number()) });

/** An export job as AEP's segmentation spec shows it. */
export const ExportJobObject = open({
  id: Type.Integer(),
  jobType: Type.String(),
  profileInstanceId: Type.String(),
  imsOrgId: Type.String(),
  schema: open({ name: Type.String() }),
  fields: Type.Optional(Type.String()),
  mergePolicy: open({ id: Type.String(), version: Type.Integer() }),
  filter: Type.Optional(AnyObject),
  additionalFields: Type.Optional(AnyObject),
  status: Type.String(),
  destination: open({ datasetId: Type.String(), segmentPerBatch: Type.Boolean(), batchId: Type.Optional(Type.String()) }),
  errors: Type.Optional(Type.Array(AnyObject)),
  metrics: open({ totalTime: Span, profileExportTime: Type.Optional(Span), aCPDatasetWriteTime: Type.Optional(Span) }),
  computeGatewayJobId: AnyObject,
  requestId: Type.String(),
  creationTime: Type.Number(),
  updateTime: Type.Number(),
});

/** A page of export jobs. */
export const ExportJobPage = open({
  records: Type.Array(ExportJobObject),
  page: open({ sortField: Type.String(), sort: Type.String(), pageOffset: Type.String(), pageSize: Type.Integer() }),
  link: open({ next: Type.Optional(Type.String()) }),
});

/** The Data Access API's list of a batch's files. */
export const BatchFileList = open({
  data: Type.Array(
    open({ dataSetFileId: Type.String(), dataSetViewId: Type.String(), version: Type.String(), created: Type.String(), updated: Type.String(), isValid: Type.Boolean(), _links: open({ self: open({ href: Type.String() }) }) }),
  ),
  _page: open({ limit: Type.Integer(), count: Type.Integer() }),
});

/** The Data Access API's listing of one file: its name, size, and download link. */
export const FileListing = open({
  data: Type.Array(open({ name: Type.String(), length: Type.String(), _links: open({ self: open({ href: Type.String() }) }) })),
  _page: open({ limit: Type.Integer(), count: Type.Integer() }),
});

/** Response schemas of the Catalog routes: datasets and batches, and batch ingestion. */
import { Type } from 'typebox';
import { AnyObject, open } from './problem.js';

/** Catalog answers with `["@/dataSets/{id}"]` after a write. */
export const RefList = Type.Array(Type.String(), { description: 'References to the objects written, e.g. @/dataSets/{id}' });

/** Catalog's dataset object; members the caller sent at creation come back as they were. */
export const Dataset = open({
  name: Type.String(),
  imsOrg: Type.String(),
  version: Type.String(),
  created: Type.Number(),
  updated: Type.Number(),
  schemaRef: Type.Optional(Type.Unknown()),
  tags: Type.Optional(Type.Unknown()),
  files: Type.String(),
});

/** Datasets by id. */
export const DatasetsById = Type.Record(Type.String(), Dataset);

/** Catalog's batch object. */
export const BatchObject = open({
  id: Type.String(),
  imsOrg: Type.String(),
  status: Type.String(),
  created: Type.Number(),
  updated: Type.Number(),
  started: Type.Optional(Type.Number()),
  completed: Type.Optional(Type.Number()),
  createdUser: Type.Optional(Type.Unknown()),
  relatedObjects: Type.Array(open({ type: Type.String(), id: Type.String() })),
  inputFormat: Type.Optional(Type.Unknown()),
  recordCount: Type.Integer(),
  failedRecordCount: Type.Integer(),
  metrics: open({ inputRecordCount: Type.Integer(), outputRecordCount: Type.Integer(), failedRecordCount: Type.Integer() }),
  errors: Type.Array(open({ code: Type.String(), description: Type.String() })),
  version: Type.String(),
  tags: AnyObject,
});

/** Batches by id. */
export const BatchesById = Type.Record(Type.String(), BatchObject);

/** A page of a batch's refused records. */
export const BatchErrorPage = open({
  errors: Type.Array(open({ file: Type.String(), row: Type.Integer(), code: Type.String(), path: Type.String(), message: Type.String() })),
  _page: open({ start: Type.Integer(), limit: Type.Integer(), count: Type.Integer() }),
});

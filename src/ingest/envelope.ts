/** Reads AEP's streaming envelope ({header, body: {xdmMeta, xdmEntity}}) into an ingest item, or says what is wrong. */
import type { IngestItem } from './ingest.service.js';
import { MAX_JSON_DEPTH, describeJsonProblem, screenJson } from '../shared/json-screen.js';

/** A message that could not even be read as an envelope. */
export interface EnvelopeProblem {
  readonly path: string;
  readonly message: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Converts one message; `orgId` is the inlet owner's org, which a header `imsOrgId` must match. */
export function readEnvelope(message: unknown, orgId: string): IngestItem | EnvelopeProblem {
  if (!isObject(message)) return { path: '#', message: 'The message must be a JSON object with header and body' };
  // The record sits two levels down (body.xdmEntity), so it gets the same depth allowance as a batch row.
  const problem = screenJson(message, MAX_JSON_DEPTH, 2);
  if (problem) return { path: `#${problem.path}`, message: describeJsonProblem(problem) };
  const header = message.header;
  const body = message.body;
  if (!isObject(header)) return { path: '#/header', message: 'header is required and must be an object' };
  if (typeof header.datasetId !== 'string' || header.datasetId === '') {
    return { path: '#/header/datasetId', message: 'header.datasetId is required: the dataset the message lands in' };
  }
  if (header.imsOrgId !== undefined && header.imsOrgId !== orgId) {
    return { path: '#/header/imsOrgId', message: `header.imsOrgId '${String(header.imsOrgId)}' is not the org of this inlet` };
  }
  if (!isObject(body) || !isObject(body.xdmEntity)) {
    return { path: '#/body/xdmEntity', message: 'body.xdmEntity is required and must be an object (the XDM record or event)' };
  }
  const headerRef = isObject(header.schemaRef) && typeof header.schemaRef.id === 'string' ? header.schemaRef.id : undefined;
  const metaRef = isObject(body.xdmMeta) && isObject(body.xdmMeta.schemaRef) && typeof body.xdmMeta.schemaRef.id === 'string' ? body.xdmMeta.schemaRef.id : undefined;
  if (headerRef !== undefined && metaRef !== undefined && headerRef !== metaRef) {
    return { path: '#/body/xdmMeta/schemaRef/id', message: 'body.xdmMeta.schemaRef.id must match header.schemaRef.id' };
  }
  const schemaRefId = headerRef ?? metaRef;
  return { datasetId: header.datasetId, record: body.xdmEntity, screened: true, ...(schemaRefId === undefined ? {} : { schemaRefId }) };
}

/** Narrows a readEnvelope result. */
export function isEnvelopeProblem(r: IngestItem | EnvelopeProblem): r is EnvelopeProblem {
  return 'message' in r && !('datasetId' in r);
}

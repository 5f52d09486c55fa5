import { REGISTRY_ERRORS } from './error-catalog.registry.js';

/** Every domain error code with its HTTP status and title; docs/errors.md lists the same codes, and a test keeps them equal. */

/** How a code is presented: its status, and a short title for problem documents. */
export interface CatalogEntry {
  readonly status: number;
  readonly title: string;
  /** A problem `type` other than `/errors/CODE`, where AEP documents its own. */
  readonly type?: string;
  /**
   * Identity namespace endpoints answer in their own shape (timestamp, title = code, description, report); the
   * audiences API in its own (`errors` keyed by status, `type` a URI ending in the `aep` code).
   */
  readonly shape?: 'namespace' | 'ups' | 'audience';
  /** The audiences API's error code (`UPAPI-113430-404`). */
  readonly aep?: string;
  /** The UPS message code (`UPS-MRG-1000001`) for errors in the Profile service's shape. */
  readonly ups?: string;
  /** AEP's gateway error code, for authentication refusals that use the `{error_code, message}` shape. */
  readonly gateway?: string;
}

/** The catalogue; a code missing here is a bug (the mapper answers 500 and logs it). */
export const ERROR_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  // Gateway (authentication), AEP troubleshooting guide: the HTTP status is the first three digits.
  AUTH_TOKEN_MISSING: { status: 403, title: 'Forbidden', gateway: '403010' },
  AUTH_TOKEN_INVALID: { status: 401, title: 'Unauthorized', gateway: '401013' },
  AUTH_API_KEY_MISSING: { status: 403, title: 'Forbidden', gateway: '403000' },
  AUTH_API_KEY_INVALID: { status: 403, title: 'Forbidden', gateway: '403003' },
  AUTH_ORG_MISSING: { status: 400, title: 'Bad Request', gateway: '400003' },
  AUTH_ORG_NOT_GRANTED: { status: 403, title: 'Forbidden', gateway: '403025' },
  // Requests
  CONTENT_TYPE_MISSING: { status: 400, title: 'BadRequestError' },
  CONTENT_TYPE_UNSUPPORTED: { status: 415, title: 'UnsupportedMediaType' },
  JSON_MALFORMED: { status: 400, title: 'BadRequestError' },
  JSON_FORBIDDEN_KEY: { status: 400, title: 'BadRequestError' },
  JSON_TOO_DEEP: { status: 400, title: 'BadRequestError' },
  JSON_NUL_CHARACTER: { status: 400, title: 'BadRequestError' },
  URL_NUL_CHARACTER: { status: 400, title: 'BadRequestError' },
  BODY_TOO_LARGE: { status: 413, title: 'PayloadTooLarge' },
  BODY_EMPTY: { status: 400, title: 'BadRequestError' },
  REQUEST_INVALID: { status: 400, title: 'BadRequestError' },
  ROUTE_NOT_FOUND: { status: 404, title: 'NotFound' },
  // Configuration and CLI input
  CONFIG_INVALID: { status: 400, title: 'Invalid configuration' },
  DURATION_INVALID: { status: 400, title: 'BadRequestError' },
  IMPORT_FILE_NOT_FOUND: { status: 400, title: 'File not found' },
  // Sandboxes
  SANDBOX_NOT_FOUND: { status: 404, title: 'Sandbox not found' },
  SANDBOX_EXISTS: { status: 409, title: 'Sandbox already exists' },
  SANDBOX_NAME_INVALID: { status: 400, title: 'Invalid sandbox name' },
  SANDBOX_TYPE_INVALID: { status: 400, title: 'Invalid sandbox type' },
  SANDBOX_TITLE_INVALID: { status: 400, title: 'Invalid sandbox title' },
  SANDBOX_DEFAULT_PROTECTED: { status: 400, title: 'Default sandbox cannot be deleted' },
  SANDBOX_ACTION_INVALID: { status: 400, title: 'Invalid sandbox action' },
  // Schemas as the write path resolves them
  SCHEMA_NOT_FOUND: { status: 404, title: 'Schema not found' },
  SCHEMA_INVALID: { status: 400, title: 'Schema cannot be composed' },
  // Datasets and streaming
  DATASET_NOT_FOUND: { status: 404, title: 'Dataset not found' },
  DATASET_INVALID: { status: 400, title: 'Invalid dataset' },
  DATASET_SCHEMA_NOT_PROFILE_ENABLED: { status: 400, title: 'Schema not enabled for Profile' },
  DATASET_SCHEMA_IMMUTABLE: { status: 400, title: 'Dataset schema cannot change' },
  CONNECTION_NOT_FOUND: { status: 404, title: 'Connection not found' },
  CONNECTION_INVALID: { status: 400, title: 'Invalid connection' },
  CONNECTION_SPEC_UNSUPPORTED: { status: 400, title: 'Unsupported connection spec' },
  INLET_NOT_FOUND: { status: 404, title: 'Inlet not found' },
  STREAMING_MESSAGE_INVALID: { status: 400, title: 'Invalid XDM Message Format', type: 'http://ns.adobe.com/adobecloud/problem/data-collection-service/inlet' },
  BATCH_NOT_FOUND: { status: 404, title: 'Batch not found' },
  BATCH_FORMAT_UNSUPPORTED: { status: 400, title: 'Unsupported batch format' },
  BATCH_DATASET_MISMATCH: { status: 400, title: 'Batch belongs to another dataset' },
  BATCH_NOT_LOADING: { status: 409, title: 'Batch is not loading' },
  BATCH_FINISHED: { status: 409, title: 'Batch has finished' },
  BATCH_EMPTY: { status: 400, title: 'Batch has no files' },
  BATCH_FILE_NAME_INVALID: { status: 400, title: 'Invalid file name' },
  BATCH_ACTION_INVALID: { status: 400, title: 'Invalid batch action' },
  BATCH_INVALID: { status: 400, title: 'Invalid batch' },
  BATCH_EXISTS: { status: 409, title: 'Batch already exists' },
  BATCH_FIELD_READ_ONLY: { status: 400, title: 'Batch field is read-only' },
  BATCH_PROCESSING: { status: 409, title: 'Batch is processing' },
  BATCH_RANGE_INVALID: { status: 400, title: 'Invalid Content-Range' },
  BATCH_FILE_NOT_FOUND: { status: 404, title: 'File not found' },
  MULTIPART_INVALID: { status: 400, title: 'BadRequestError' },
  // Identity namespaces and graph
  NAMESPACE_NOT_FOUND: { status: 404, title: 'Namespace not found' },
  NAMESPACE_INVALID: { status: 400, title: 'NAMESPACE_INVALID', shape: 'namespace', type: 'http://ns.adobe.com/adobecloud/problem/namespacevalidation' },
  NAMESPACE_CODE_CONFLICT: { status: 409, title: 'NAMESPACE_CODE_CONFLICT', shape: 'namespace', type: 'http://ns.adobe.com/adobecloud/problem/namespacevalidation' },
  NAMESPACE_READ_ONLY: { status: 400, title: 'NAMESPACE_READ_ONLY', shape: 'namespace', type: 'http://ns.adobe.com/adobecloud/problem/namespacevalidation' },
  IDENTITY_XID_INVALID: { status: 400, title: 'Invalid XID' },
  IDENTITY_QUERY_INVALID: { status: 400, title: 'Invalid identity query' },
  IDENTITY_REQUEST_TOO_LARGE: { status: 400, title: 'Identity request too large' },
  // Profile (UPS): merge policies and entities, in the Profile service's {message, statusCode} shape
  MERGE_POLICY_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-MRG-1000404' },
  MERGE_POLICY_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-MRG-1000400' },
  MERGE_POLICY_PATCH_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-MRG-1000401' },
  MERGE_POLICY_LIMIT: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-MRG-1000402' },
  MERGE_POLICY_EDGE_CONFLICT: { status: 409, title: 'ConflictError', shape: 'ups', ups: 'UPS-MRG-1000409' },
  ENTITY_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-ACC-1000404' },
  ENTITY_ID_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-ACC-1000400' },
  ENTITY_NAMESPACE_UNKNOWN: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-ACC-1000401' },
  ENTITY_QUERY_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-ACC-1000402' },
  ENTITY_CURSOR_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-ACC-1000403' },
  ENTITY_TOO_MANY_IDENTITIES: { status: 422, title: 'UnprocessableEntity', shape: 'ups', ups: 'UPS-ACC-1000422' },
  // Profile jobs
  SYSTEM_JOB_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SYS-1000400' },
  SYSTEM_JOB_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-SYS-1000404' },
  SYSTEM_JOB_EXISTS: { status: 422, title: 'UnprocessableEntity', shape: 'ups', ups: 'UPS-SYS-1000422' },
  EXPORT_JOB_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-EXP-1000400' },
  EXPORT_JOB_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-EXP-1000404' },
  // Computed attributes (both APIs)
  CA_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-CA-1000404' },
  CA_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-CA-1000400' },
  CA_EXPRESSION_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-CA-1000401' },
  CA_EXISTS: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-CA-1000402' },
  CA_PATH_NOT_FOUND: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-CA-1000403' },
  CA_RETURN_TYPE_MISMATCH: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-CA-1000405' },
  CA_STATUS_TRANSITION: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-CA-1000406' },
  CA_HAS_DEPENDENTS: { status: 422, title: 'UnprocessableEntity', shape: 'ups', ups: 'UPS-CA-1000422' },
  // Segments, audiences, segment jobs
  SEGMENT_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-SEG-1000404' },
  SEGMENT_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SEG-1000400' },
  SEGMENT_EXPRESSION_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SEG-1000401' },
  SEGMENT_EXISTS: { status: 422, title: 'UnprocessableEntity', shape: 'ups', ups: 'UPS-SEG-1000422' },
  SEGMENT_NOT_STREAMABLE: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SEG-1000402' },
  SEGMENT_IN_USE: { status: 422, title: 'UnprocessableEntity', shape: 'ups', ups: 'UPS-SEG-1000423' },
  SEGMENT_JOB_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-SEGJOB-1000404' },
  SEGMENT_JOB_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SEGJOB-1000400' },
  SEGMENT_PREVIEW_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-PRV-1000404' },
  SCHEDULE_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SCH-1000400' },
  SCHEDULE_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-SCH-1000404' },
  SEARCH_QUERY_INVALID: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-SRCH-1000400' },
  AUDIENCE_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'audience', aep: 'UPAPI-113430-404' },
  AUDIENCE_INVALID: { status: 400, title: 'BadRequestError', shape: 'audience', aep: 'UPAPI-113434-400' },
  PREVIEW_REPORT_NOT_FOUND: { status: 404, title: 'NotFoundError', shape: 'ups', ups: 'UPS-PSS-1000404' },
  EXPORT_SEGMENT_NOT_FOUND: { status: 400, title: 'BadRequestError', shape: 'ups', ups: 'UPS-EXP-1000401' },
  // Edge projections (RFC 7807, as the projection specs' ProblemDetail).
  EDGE_DESTINATION_NOT_FOUND: { status: 404, title: 'NotFoundError' },
  EDGE_DESTINATION_INVALID: { status: 400, title: 'BadRequestError' },
  EDGE_DESTINATION_IN_USE: { status: 409, title: 'ConflictError' },
  EDGE_DESTINATION_UNKNOWN: { status: 422, title: 'UnprocessableEntity' },
  EDGE_PROJECTION_NOT_FOUND: { status: 404, title: 'NotFoundError' },
  EDGE_PROJECTION_INVALID: { status: 400, title: 'BadRequestError' },
  EDGE_PROJECTION_EXISTS: { status: 409, title: 'ConflictError' },
  EDGE_SELECTOR_INVALID: { status: 400, title: 'BadRequestError' },
  EDGE_VERSION_CONFLICT: { status: 409, title: 'ConflictError' },
  EDGE_NOT_ACCEPTABLE: { status: 406, title: 'NotAcceptable' },
  EDGE_STREAM_REFUSED: { status: 401, title: 'Unauthorized' },
  ...REGISTRY_ERRORS,
};

/** Edge projections: destinations, projection configurations, the rows the hub ships to edges, and their errors. */
import { DomainError } from '../shared/errors.js';

/** Every error code the edge modules throw; the HTTP error catalogue must cover each (a test checks it). */
export const EDGE_ERROR_CODES = [
  'EDGE_DESTINATION_NOT_FOUND',
  'EDGE_DESTINATION_INVALID',
  'EDGE_DESTINATION_IN_USE',
  'EDGE_PROJECTION_NOT_FOUND',
  'EDGE_PROJECTION_INVALID',
  'EDGE_PROJECTION_EXISTS',
  'EDGE_SELECTOR_INVALID',
  'EDGE_VERSION_CONFLICT',
  'EDGE_STREAM_REFUSED',
  'EDGE_DESTINATION_UNKNOWN',
  'EDGE_NOT_ACCEPTABLE',
] as const;

/** One of EDGE_ERROR_CODES. */
export type EdgeErrorCode = (typeof EDGE_ERROR_CODES)[number];

/** A DomainError with one of this module's codes. */
export function edgeError(code: EdgeErrorCode, message: string, details: Record<string, unknown> = {}): DomainError {
  return new DomainError(code, message, details);
}

/** The data centers AEP's edge network offers. */
export const DATA_CENTERS = ['OR1', 'VA5', 'NLD1'] as const;

/** One of DATA_CENTERS. */
export type DataCenter = (typeof DATA_CENTERS)[number];

/** PROACTIVE pushes every profile as it changes; REACTIVE ships a profile once an edge asked for it. */
export type ReplicationPolicy = 'PROACTIVE' | 'REACTIVE';

/** A projection destination: where (which data centers) and how (replication, idle TTL) projected profiles go. */
export interface Destination {
  readonly id: string;
  readonly type: 'EDGE';
  readonly dataCenters: readonly DataCenter[];
  /** Seconds an idle profile stays on an edge. */
  readonly ttl: number;
  readonly replicationPolicy: ReplicationPolicy;
  readonly version: number;
}

/** A projection configuration: which fields (the selector) of which people (the merge policy) go to a destination. */
export interface Projection {
  readonly id: string;
  readonly name: string | undefined;
  readonly schemaName: string;
  readonly selector: string;
  readonly destinationId: string;
  /** Undefined: the sandbox's default merge policy, whichever it is at the time. */
  readonly mergePolicyId: string | undefined;
  readonly version: number;
}

/**
 * One projected person as shipped to an edge: `doc` undefined means the person is gone from the projection (a
 * tombstone). `seq` orders every row the hub ships; an edge applies a row only if it is newer than what it holds.
 */
export interface EdgeRow {
  readonly seq: number;
  readonly tenantId: number;
  readonly projectionId: string;
  /** The person as the projection's merge policy keys people (a graph cluster under pdg, an identity under none). */
  readonly personKey: string;
  readonly doc: EdgeDoc | undefined;
}

/** A projected profile: the parts of the entities API's answer, the entity already reduced to the selected fields. */
export interface EdgeDoc {
  /** Every identity of the person, `{ns, id}` with the namespace's code as the hub stores it. */
  readonly identities: ReadonlyArray<{ readonly ns: string; readonly id: string }>;
  /** JSON text of the projected entity. */
  readonly entity: string;
  /** JSON text of the sources array. */
  readonly sources: string;
  /** Epoch ms of the profile's last change. */
  readonly modifiedAt: number;
  /** The merge policy the profile was merged under. */
  readonly policyId: string;
}

/** How the audiences API answers: an audience's shape (platform or external), and segment errors in its own terms. */
import type { FastifyRequest } from 'fastify';
import { type DomainError, isDomainError } from '../../shared/errors.js';
import { type SegmentDefinition, segmentError } from '../../segments/segment.js';
import { sandboxOf } from './segment-definitions.routes.js';

export const PLATFORM_NAMESPACE = 'AEPSegments';
const LIFECYCLES = ['draft', 'published', 'inactive', 'archived'];
const UNION = [{ 'meta:resourceType': 'unions', 'meta:containerId': 'tenant', $ref: 'https://ns.adobe.com/xdm/context/profile__union' }];

/** Runs `fn`, answering the segment errors in the audiences API's terms. */
export async function asAudience<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isDomainError(err) || !err.code.startsWith('SEGMENT_')) throw err;
    if (err.code === 'SEGMENT_NOT_FOUND') throw segmentError('AUDIENCE_NOT_FOUND', `${err.message}. Use a valid entity and try again.`);
    if (err.code === 'SEGMENT_IN_USE') throw segmentError('AUDIENCE_INVALID', `The audience cannot be deleted. ${err.message}`, err.details);
    throw segmentError('AUDIENCE_INVALID', `There is a problem in audience validation. ${err.message}`, err.details);
  }
}

/** AUDIENCE_INVALID with the audiences API's "problem in audience validation" prefix. */
export function invalid(message: string): DomainError {
  return segmentError('AUDIENCE_INVALID', `There is a problem in audience validation. ${message}`);
}

/** A lifecycle state a client may set (never `deleted`). */
export function lifecycleOf(value: unknown): string {
  if (value === 'deleted') throw invalid('Cannot set lifecycleState as deleted');
  if (typeof value !== 'string' || !LIFECYCLES.includes(value)) throw invalid(`lifecycleState '${String(value).slice(0, 40)}' must be one of ${LIFECYCLES.join(', ')}`);
  return value;
}

/** An audience as AEP returns it: a platform audience has the definition's members, an external one its origin's. */
export function presentAudience(request: FastifyRequest, d: SegmentDefinition, policyId: string, dependents: readonly string[]) {
  const a = d.audience;
  const common = {
    id: d.id,
    audienceId: a?.audienceId ?? d.id,
    name: d.name,
    description: d.description,
    imsOrgId: request.ctx.orgId,
    sandbox: sandboxOf(request),
    isSystem: false,
    namespace: a?.namespace ?? PLATFORM_NAMESPACE,
    lifecycleState: a?.lifecycleState ?? 'published',
    labels: [...(a?.labels ?? [])],
    ...(a?.createdBy === undefined ? {} : { createdBy: a.createdBy }),
    ...(a?.ttlInDays === undefined ? {} : { ttlInDays: a.ttlInDays }),
    creationTime: d.createdAt,
    createEpoch: Math.floor(d.createdAt / 1000),
    updateTime: d.updatedAt,
    updateEpoch: Math.floor(d.updatedAt / 1000),
    _etag: `"${d.version}-${d.updatedAt}"`,
  };
  if (d.pql === '') {
    return {
      ...common,
      type: 'ExternalSegment',
      originName: a?.originName ?? 'CUSTOM_UPLOAD',
      ...(a?.datasetId === undefined ? {} : { datasetId: a.datasetId }),
      ...(a?.linkedAudienceRef === undefined ? {} : { linkedAudienceRef: a.linkedAudienceRef }),
      ...(a?.audienceMeta === undefined ? {} : { audienceMeta: a.audienceMeta }),
    };
  }
  return {
    ...common,
    type: 'SegmentDefinition',
    originName: a?.originName ?? 'REAL_TIME_CUSTOMER_PROFILE',
    schema: { name: d.schemaName },
    profileInstanceId: 'ups',
    expression: d.expression,
    mergePolicyId: policyId,
    evaluationInfo: d.evaluationInfo,
    dataGovernancePolicy: { excludeOptOut: true },
    definedOn: UNION,
    dependencies: [...d.segments],
    dependents: [...dependents],
    overridePerformanceWarnings: false,
  };
}

/** An audience of `all` by its id, or an external audience by its own audienceId. */
export function audienceIn(all: readonly SegmentDefinition[], id: string): SegmentDefinition | undefined {
  return all.find((d) => d.id === id) ?? all.find((d) => d.audience?.audienceId === id);
}

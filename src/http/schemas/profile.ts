/** Response schemas of the Profile routes: entities (profiles, event pages) and merge policies. */
import { Type } from 'typebox';
import { AnyObject, open } from './problem.js';

/** One profile of a lookup; `entity` is the merged XDM record, whatever its fields. */
export const ProfileEntry = open({
  entityId: Type.String({ description: 'The XID of the identity looked up' }),
  sources: Type.Array(Type.String(), { description: 'Datasets the fragments came from' }),
  entity: AnyObject,
  lastModifiedAt: Type.String(),
  mergePolicy: Type.Optional(open({ id: Type.String() })),
});

/** Profiles by XID. */
export const ProfilesByXid = Type.Record(Type.String(), ProfileEntry, { description: 'Profiles by the XID of the identity looked up' });

/** One page of a person's experience events. */
export const EventPage = open({
  _page: open({ orderby: Type.String(), start: Type.String(), count: Type.Integer(), next: Type.String() }),
  children: Type.Array(
    open({ relatedEntityId: Type.String(), entityId: Type.String(), timestamp: Type.Number(), entity: AnyObject, lastModifiedAt: Type.String() }),
  ),
  _links: open({ next: open({ href: Type.String(), payload: Type.Optional(AnyObject) }) }),
});

/**
 * The entity answers are typed `object | string`: event pages are sent as JSON text written around the stored
 * events (`entities.present.ts`), which Fastify sends as it is; only profile objects go through the serializer.
 */
type ObjectOrJsonText = Record<string, unknown> | string;

/** GET /access/entities: a profile by XID, or a page of events. */
export const EntitiesGetAnswer = Type.Unsafe<ObjectOrJsonText>(Type.Union([ProfilesByXid, EventPage]));

/** POST /access/entities: profiles by XID, or an event page by XID. */
export const EntitiesPostAnswer = Type.Unsafe<ObjectOrJsonText>(
  Type.Union([ProfilesByXid, Type.Record(Type.String(), EventPage, { description: 'Event pages by XID' })]),
);

/** AEP's merge policy object. */
export const MergePolicyObject = open({
  id: Type.String(),
  name: Type.String(),
  imsOrgId: Type.String(),
  sandbox: open({ sandboxId: Type.String(), sandboxName: Type.String(), type: Type.String(), default: Type.Boolean() }),
  schema: open({ name: Type.String() }),
  version: Type.Integer(),
  identityGraph: open({ type: Type.String() }),
  attributeMerge: open({ type: Type.String(), order: Type.Optional(Type.Unsafe<readonly string[]>(Type.Array(Type.String()))) }),
  isActiveOnEdge: Type.Boolean(),
  default: Type.Boolean(),
  updateEpoch: Type.Number(),
});

/** A page of merge policies. */
export const MergePolicyPage = open({
  _page: open({ totalCount: Type.Integer(), pageSize: Type.Integer(), count: Type.Integer() }),
  children: Type.Array(MergePolicyObject),
  _links: open({ next: open({ href: Type.String() }) }),
});

/** Bulk-get: each id's policy, or why it was not found. */
export const MergePolicyBulk = open({
  results: Type.Unsafe<Record<string, unknown>>(
    Type.Record(Type.String(), Type.Union([MergePolicyObject, open({ statusCode: Type.String(), message: Type.String() })])),
  ),
});

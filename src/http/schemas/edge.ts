/** Request and response schemas of the edge projection routes: destinations and projection configurations. */
import { Type } from 'typebox';
import { open } from './problem.js';

/** The specs' path-id pattern. */
export const EdgeId = Type.String({ pattern: '^[0-9a-zA-Z-]+$', minLength: 1, maxLength: 128 });

const Link = open({ href: Type.String(), templated: Type.Boolean() });

/** A destination as sent (PUT adds `currentVersion`). */
export const DestinationBody = Type.Object(
  {
    type: Type.Literal('EDGE', { description: 'the only destination type' }),
    dataCenters: Type.Array(Type.Union([Type.Literal('OR1'), Type.Literal('VA5'), Type.Literal('NLD1')]), { minItems: 1, maxItems: 3 }),
    ttl: Type.Optional(Type.Integer({ minimum: 600, maximum: 604_800, description: 'seconds an idle profile stays on an edge (default 3600)' })),
    replicationPolicy: Type.Optional(Type.Union([Type.Literal('PROACTIVE'), Type.Literal('REACTIVE')], { description: 'default REACTIVE' })),
    currentVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: true },
);

/** A destination as answered: HAL `_links.self`, and `self` at the top as AEP's samples show it. */
export const DestinationObject = open({
  _links: open({ self: Link }),
  self: Link,
  id: Type.String(),
  type: Type.String(),
  dataCenters: Type.Array(Type.String()),
  ttl: Type.Integer(),
  replicationPolicy: Type.String(),
  version: Type.Integer(),
});

/** The destinations list. */
export const DestinationList = open({ _links: open({ self: Link }), _embedded: open({ projectionDestinations: Type.Array(DestinationObject) }) });

/** A projection configuration as sent. */
export const ProjectionBody = Type.Object(
  {
    selector: Type.String({ minLength: 1, maxLength: 4096 }),
    destinationId: EdgeId,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    mergePolicyId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    currentVersion: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: true },
);

/** A projection configuration as answered, with its destination embedded. */
export const ProjectionObject = open({
  _links: open({ self: Link, destination: Link }),
  _embedded: Type.Optional(open({ destination: DestinationObject })),
  id: Type.String(),
  selector: Type.String(),
  schemaName: Type.String(),
  name: Type.Optional(Type.String()),
  destinationId: Type.String(),
  mergePolicyId: Type.Optional(Type.String()),
  version: Type.Integer(),
});

/** The projections list. */
export const ProjectionList = open({ _links: open({ self: Link }), _embedded: open({ projectionConfigs: Type.Array(ProjectionObject) }) });

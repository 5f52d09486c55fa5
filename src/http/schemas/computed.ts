/** Request and response schemas of both computed attribute APIs. */
import { Type } from 'typebox';
import { AnyObject, open } from './problem.js';

const Expression = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 16 })),
  format: Type.Optional(Type.String({ maxLength: 32 })),
  value: Type.String({ minLength: 1, maxLength: 65_536 }),
});

const Sandbox = open({ sandboxId: Type.String(), sandboxName: Type.String(), type: Type.String() });
// Items hold a member named `$ref`, which a schema cannot declare without being read as a reference itself.
const DefinedOn = Type.Array(AnyObject, { description: 'The union each definition is defined on: meta:resourceType, meta:containerId and $ref' });

/** The alpha create body (ref §2.1). */
export const AlphaCreateBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_]+$' }),
    path: Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$' }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    expression: Expression,
    schema: Type.Object({ name: Type.String({ maxLength: 256 }) }),
  },
  { additionalProperties: true },
);

/** An alpha definition as AEP returns it. */
export const AlphaObject = open({
  id: Type.String(),
  imsOrgId: Type.String(),
  sandbox: Sandbox,
  name: Type.String(),
  path: Type.String(),
  positionPath: Type.Array(Type.String()),
  description: Type.String(),
  expression: open({ type: Type.String(), format: Type.String(), value: Type.String() }),
  schema: open({ name: Type.String() }),
  returnSchema: open({ 'meta:xdmType': Type.String() }),
  definedOn: DefinedOn,
  dependencies: Type.Array(Type.String()),
  dependents: Type.Array(Type.String()),
  active: Type.Boolean(),
  evaluationInfo: open({ batch: open({ enabled: Type.Boolean() }), continuous: open({ enabled: Type.Boolean() }), synchronous: open({ enabled: Type.Boolean() }) }),
  type: Type.String(),
  createEpoch: Type.Integer(),
  updateEpoch: Type.Integer(),
});

/** The alpha list. */
export const AlphaPage = open({ _page: open({ totalCount: Type.Integer(), pageSize: Type.Integer() }), children: Type.Array(AlphaObject), _links: open({ next: open({}) }) });

/** The current API's create body (ref §2.2). */
export const CaCreateBody = Type.Object(
  {
    name: Type.String({ maxLength: 256 }),
    displayName: Type.String({ maxLength: 1024 }),
    description: Type.String({ maxLength: 4096 }),
    expression: Expression,
    duration: Type.Object({ count: Type.Unknown(), unit: Type.Unknown() }),
    keepCurrent: Type.Optional(Type.Boolean()),
    status: Type.Union([Type.Literal('DRAFT'), Type.Literal('NEW')], { description: 'DRAFT or NEW' }),
    schema: Type.Optional(Type.Object({ name: Type.String() })),
  },
  { additionalProperties: true },
);

/** A current-API definition as AEP returns it (epochs in milliseconds). */
export const CaObject = open({
  id: Type.String(),
  type: Type.String(),
  name: Type.String(),
  displayName: Type.String(),
  description: Type.String(),
  imsOrgId: Type.String(),
  sandbox: Sandbox,
  path: Type.String(),
  positionPath: Type.Array(Type.String()),
  keepCurrent: Type.Boolean(),
  expression: open({ type: Type.String(), format: Type.String(), value: Type.String() }),
  duration: open({ count: Type.Integer(), unit: Type.String() }),
  mergeFunction: open({ value: Type.String() }),
  status: Type.String(),
  schema: open({ name: Type.String() }),
  returnSchema: open({ 'meta:xdmType': Type.String() }),
  definedOn: DefinedOn,
  lastEvaluationTs: Type.Optional(Type.String()),
  createEpoch: Type.Integer(),
  updateEpoch: Type.Integer(),
  createdBy: Type.String(),
});

const Link = open({ href: Type.String() });

/** The current API's list, in the doc's shape. */
export const CaPage = open({
  _links: open({ self: Link, next: Type.Optional(Link), prev: Type.Optional(Link), last: Type.Optional(Link) }),
  computedAttributes: Type.Array(CaObject),
  _page: open({ offset: Type.Integer(), limit: Type.Integer(), count: Type.Integer(), totalCount: Type.Integer() }),
});

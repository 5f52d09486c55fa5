/** Response schemas every route shares: the error answer in all its shapes, open objects, and empty bodies. */
import { type Static, type TProperties, Type } from 'typebox';
import type { FastifyInstance } from 'fastify';

/**
 * An object whose listed members are typed for the document, and whose other members pass through untouched:
 * Fastify serializes with these schemas, and a closed object would silently drop what it does not list.
 */
export function open<T extends TProperties>(properties: T, description?: string) {
  return Type.Object(properties, { additionalProperties: true, ...(description === undefined ? {} : { description }) });
}

/** Any JSON object (an XDM entity, a stored body): serialized as it is. */
export const AnyObject = Type.Object({}, { additionalProperties: true });

/**
 * Every error answer (`http/problem.ts`): an RFC 7807 problem with our `code`, AEP's gateway `{error_code, message}`,
 * the Profile service's `{message, statusCode}`, or Identity's namespace shape; members vary, so all are optional.
 */
export const Problem = open(
  {
    type: Type.Optional(Type.String()),
    status: Type.Optional(Type.Integer()),
    title: Type.Optional(Type.String()),
    detail: Type.Optional(Type.String()),
    code: Type.Optional(Type.String({ description: 'Stable error code, listed in docs/errors.md' })),
    report: Type.Optional(Type.Unknown()),
    errors: Type.Optional(Type.Unknown({ description: 'Per-item problems (a list), or for audiences a map of HTTP status to {code, message} items' })),
    message: Type.Optional(Type.String()),
    statusCode: Type.Optional(Type.String()),
    error_code: Type.Optional(Type.String({ description: "AEP's gateway error code" })),
    timestamp: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
  },
  'An error: which input was wrong and why',
);

/** Registers the schemas routes refer to by `$ref` (one `components.schemas` entry each in the OpenAPI document). */
export function registerSharedSchemas(app: FastifyInstance): void {
  app.addSchema({ ...Problem, $id: 'Problem' });
}

const ProblemRef = Type.Unsafe<Static<typeof Problem>>(Type.Ref('Problem'));

/** The error responses of every route, to spread into a route's `response`. */
export const ERRORS = { '4xx': ProblemRef, '5xx': ProblemRef } as const;

/** An answer without a body; typed `void` so handlers still call `reply.send()` with no argument. */
export function empty(description: string) {
  return Type.Unsafe<void>({ type: 'null', description });
}

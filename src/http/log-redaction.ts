/** Logged request URLs without personal data: identity values in lookup paths and query strings become a marker. */
import type { FastifyRequest } from 'fastify';

/** What replaces a redacted value; the parameter name and the rest of the URL stay, so a line still says what was asked. */
export const REDACTED = '[redacted]';

/** Path families whose URLs name a person: AEP's identity service and the Profile entity lookups. */
const IDENTITY_PATHS = ['/data/core/identity/', '/data/core/ups/access/entities'];

/** Path segments of those families that are words of the API, never values (anything else in the path is redacted). */
const API_WORDS = new Set(['data', 'core', 'identity', 'ups', 'access', 'entities', 'cluster', 'clusters', 'members', 'history', 'explain', 'guardrails', 'mapping', 'v2', 'graph']);

/** Query parameters of those families that hold no identity value (namespaces, schema names, paging, time bounds). */
const SAFE_PARAMS = new Set([
  'schema.name', 'relatedSchema.name', 'entityIdNS', 'relatedEntityIdNS', 'namespace', 'nsid', 'nsId', 'fromNamespace', 'toNamespace',
  'graph-type', 'fields', 'mergePolicyId', 'startTime', 'endTime', 'limit', 'orderby', 'orderBy', 'withCA',
]);

/** Parameters that carry an identity value wherever they appear (an XID base64-decodes to its namespace and value). */
const IDENTITY_PARAMS = new Set(['entityId', 'relatedEntityId', 'xid', 'xids', 'fromId', 'toId']);

function redactQuery(query: string, keep: (name: string) => boolean): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const raw = pair.slice(0, eq);
      let name = raw;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // A malformed escape is still a name to judge; it is logged as sent.
      }
      return keep(name) ? pair : `${raw}=${REDACTED}`;
    })
    .join('&');
}

/** The URL as it may be logged: in identity lookups every value but the safe ones is replaced, elsewhere identity parameters. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? undefined : url.slice(q + 1);
  if (IDENTITY_PATHS.some((prefix) => path.startsWith(prefix))) {
    const cleanPath = path
      .split('/')
      .map((segment) => (segment === '' || API_WORDS.has(segment) ? segment : REDACTED))
      .join('/');
    return query === undefined ? cleanPath : `${cleanPath}?${redactQuery(query, (name) => SAFE_PARAMS.has(name))}`;
  }
  return query === undefined ? url : `${path}?${redactQuery(query, (name) => !IDENTITY_PARAMS.has(name))}`;
}

/** Fastify's request serializer, with the URL redacted; used for the "incoming request" line of every request. */
export function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort };
}

/** Test guard: a body Fastify serializes from a response schema must hold exactly what JSON.stringify would write. */
import { isDeepStrictEqual } from 'node:util';
import type { App } from '../../src/http/app.js';

/**
 * Response schemas drive fast-json-stringify, which drops members a schema does not list and coerces types; this
 * guard turns any such change into a failed request (500) with the route named in the log, in every test that uses it.
 */
export function guardSerialization(app: App): void {
  const expected = new WeakMap<object, string>();
  app.addHook('preSerialization', (_request, reply, payload, done) => {
    expected.set(reply, JSON.stringify(payload));
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const want = expected.get(reply);
    expected.delete(reply);
    if (want === undefined || typeof payload !== 'string' || isDeepStrictEqual(JSON.parse(payload), JSON.parse(want))) return done(null, payload);
    const message = `response schema of ${request.method} ${request.routeOptions.url} changed the body:\n  sent     ${payload.slice(0, 2000)}\n  expected ${want.slice(0, 2000)}`;
    process.stderr.write(`${message}\n`);
    done(new Error(message));
  });
}

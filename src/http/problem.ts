/** The one error mapper: domain, validation and framework errors become JSON problems (or AEP's gateway shape). */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, isDomainError } from '../shared/errors.js';
import { ERROR_CATALOG } from './error-catalog.js';

/** A problem document as sent: RFC 7807 members plus AEP's `report`/`errors` and our stable `code`. */
export interface Problem {
  type: string;
  status: number;
  title: string;
  detail: string;
  code: string;
  report?: Record<string, unknown>;
  errors?: ReadonlyArray<Record<string, unknown>>;
}

/** The HTTP answer for an error: status and body. */
export interface ErrorAnswer {
  status: number;
  body: unknown;
}

/** Builds the answer for a domain error from the catalogue; gateway codes use `{error_code, message}`. */
export function domainAnswer(err: DomainError, requestId = ''): ErrorAnswer {
  const entry = ERROR_CATALOG[err.code];
  if (!entry) return internalAnswer();
  if (entry.shape === 'audience') {
    // The audiences API: {requestId, errors: {"404": [{code, message}]}, type, title, status}; our members ride along.
    return {
      status: entry.status,
      body: { requestId, errors: { [String(entry.status)]: [{ code: entry.status, message: err.message }] }, type: `https://ns.adobe.com/aep/errors/${entry.aep}`, title: err.message, status: entry.status, detail: err.message, code: err.code },
    };
  }
  if (entry.gateway) return { status: entry.status, body: { error_code: entry.gateway, message: err.message } };
  if (entry.shape === 'ups') {
    // The Profile service answers {message: "UPS-…: text", statusCode: "404"} (statusCode a string); our problem members ride along.
    return {
      status: entry.status,
      body: { message: `${entry.ups}: ${err.message}`, statusCode: String(entry.status), type: `/errors/${err.code}`, status: entry.status, title: entry.title, detail: err.message, code: err.code },
    };
  }
  if (entry.shape === 'namespace') {
    return {
      status: entry.status,
      body: { timestamp: new Date().toISOString(), type: entry.type, status: entry.status, title: err.code, description: err.message, detail: err.message, code: err.code, report: err.details.report ?? { code: err.code } },
    };
  }
  const body: Problem = {
    // AEP's own sample for this error carries a placeholder type; clients compare it, so keep it.
    type: err.code === 'CONTENT_TYPE_MISSING' ? '/placeholder/type/uri' : (entry.type ?? `/errors/${err.code}`),
    status: entry.status,
    title: entry.title,
    detail: err.message,
    code: err.code,
  };
  if (err.details.report) body.report = err.details.report;
  if (err.details.errors) body.errors = err.details.errors;
  return { status: entry.status, body };
}

function internalAnswer(): ErrorAnswer {
  return {
    status: 500,
    body: { type: '/errors/INTERNAL', status: 500, title: 'InternalServerError', detail: 'Internal error; see the server log', code: 'INTERNAL' },
  };
}

function problem(code: string, detail: string, extra: Partial<Problem> = {}): ErrorAnswer {
  const entry = ERROR_CATALOG[code]!;
  return { status: entry.status, body: { type: `/errors/${code}`, status: entry.status, title: entry.title, detail, code, ...extra } };
}

/** Maps Fastify's own errors (parsing, limits, schema validation) to problems that name what was wrong. */
function frameworkAnswer(err: FastifyError, request: FastifyRequest): ErrorAnswer | undefined {
  if (err.validation) {
    const context = err.validationContext ?? 'request';
    const errors = err.validation.map((v) => ({
      path: `${context}${v.instancePath || ''}`,
      message: describeValidation(v),
    }));
    return problem('REQUEST_INVALID', errors.map((e) => `${e.path} ${e.message}`).join('; '), { errors });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('BODY_TOO_LARGE', 'Request body is larger than the limit for this endpoint');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(
        'CONTENT_TYPE_UNSUPPORTED',
        `Content-Type '${String(request.headers['content-type']).slice(0, 100)}' is not accepted here: send application/json (or a vendor +json type, or text/plain holding JSON)`,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('BODY_EMPTY', 'Body cannot be empty when Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('REQUEST_INVALID', 'Content-Length does not match the body');
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    return { status: err.statusCode, body: { type: '/errors/REQUEST_INVALID', status: err.statusCode, title: 'BadRequestError', detail: err.message, code: err.code ?? 'REQUEST_INVALID' } };
  }
  return undefined;
}

function describeValidation(v: { keyword: string; message?: string; params: Record<string, unknown>; parentSchema?: Record<string, unknown> }): string {
  const range = rangeOf(v);
  if (range) return range;
  if (v.keyword === 'required') return `must have property '${String(v.params.missingProperty)}'`;
  if (v.keyword === 'additionalProperties') return `must not have property '${String(v.params.additionalProperty)}'`;
  if (v.keyword === 'enum') return `must be one of ${JSON.stringify(v.params.allowedValues)}`;
  return v.message ?? v.keyword;
}

/** For a number out of range (or not an integer), the whole allowed range: "must be an integer from 0 to 100". */
function rangeOf(v: { keyword: string; params: Record<string, unknown>; parentSchema?: Record<string, unknown> }): string | undefined {
  const s = v.parentSchema;
  const isNumberError = v.keyword === 'minimum' || v.keyword === 'maximum' || (v.keyword === 'type' && (v.params.type === 'integer' || v.params.type === 'number'));
  if (!s || !isNumberError || typeof s.minimum !== 'number' || typeof s.maximum !== 'number') return undefined;
  return `must be ${s.type === 'integer' ? 'an integer' : 'a number'} from ${s.minimum} to ${s.maximum}`;
}

/** The root error handler: registered once at the app root so every route, hook and plugin shares it. */
export function handleError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const answer = isDomainError(err) ? domainAnswer(err, String(request.id)) : (frameworkAnswer(err, request) ?? internalAnswer());
  // A request without its own child logger (see app.ts) names its id here.
  const unbound = (request.log as { bindings?: () => Record<string, unknown> }).bindings?.().reqId === undefined;
  if (answer.status >= 500) request.log.error({ ...(unbound ? { reqId: request.id } : {}), err }, 'request failed');
  else request.log.info({ code: (answer.body as { code?: string }).code, status: answer.status }, 'request refused');
  void reply.status(answer.status).type('application/json; charset=utf-8').send(answer.body);
}

/** Previews (/data/core/ups/preview) and estimates (/data/core/ups/estimate/{id}) of an unsaved PQL expression. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { segmentError } from '../../segments/segment.js';
import { estimateOf } from '../../segments/preview.js';
import { ERRORS } from '../schemas/problem.js';
import { EstimateObject, MessageResponse, PreviewCreateBody, PreviewCreated, PreviewPage } from '../schemas/segments.js';

const BASE = '/data/core/ups/preview';
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const MODELS = ['_xdm.context.profile', 'xdm.model.profile'];

/** Registers the preview and estimate routes. */
export function registerPreviewRoutes(app: App, { previews }: Services): void {
  app.post(BASE, { schema: { body: PreviewCreateBody, response: { 201: PreviewCreated, ...ERRORS } } }, async (request, reply) => {
    const b = request.body;
    const format = b.predicateType === undefined || b.predicateType === 'PQL' ? 'pql/text' : b.predicateType;
    if (format !== 'pql/text' && format !== 'pql/json') throw segmentError('SEGMENT_INVALID', `predicateType '${format.slice(0, 32)}' must be pql/text or pql/json`);
    if (b.predicateModel !== undefined && !MODELS.includes(b.predicateModel)) throw segmentError('SEGMENT_INVALID', `predicateModel '${b.predicateModel.slice(0, 64)}' is not supported: use _xdm.context.profile`);
    const graphType = b.graphType ?? 'pdg';
    if (graphType !== 'pdg' && graphType !== 'none') throw segmentError('SEGMENT_INVALID', `graphType '${String(graphType).slice(0, 16)}' must be pdg or none`);
    const p = await previews.create(request.ctx.tenantId, { type: 'PQL', format, value: b.predicateExpression }, graphType);
    reply.header('X-Location', `${BASE}/${p.id}`);
    return reply.status(201).send({ state: 'RUNNING', previewQueryId: p.queryId, previewQueryStatus: 'RUNNING', previewId: p.id, previewExecutionId: p.executionId });
  });

  app.get(
    `${BASE}/:id`,
    {
      schema: {
        params: Id,
        querystring: Type.Object({ offset: Type.Optional(Type.String({ pattern: '^(offset=)?\\d{1,9}$' })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: true }),
        response: { 200: PreviewPage, ...ERRORS },
      },
    },
    async (request) => {
      const p = await previews.get(request.ctx.tenantId, request.params.id);
      const offset = Number((request.query.offset ?? '0').replace('offset=', ''));
      const limit = request.query.limit ?? 1000;
      const page = p.state === 'RESULT_READY' ? p.results.slice(offset, offset + limit) : [];
      const href = (xid: string) => `/data/core/ups/access/entities?schema.name=_xdm.context.profile&entityId=${encodeURIComponent(xid)}`;
      const more = p.state === 'RESULT_READY' && offset + limit < p.results.length;
      return {
        state: p.state,
        results: page.map((person) => ({
          objectId: person.objectId,
          _href: href(person.objectId),
          identities: person.identities.map((i) => ({ namespace: { code: i.namespace }, id: i.id, ...(i.xid ? { xid: i.xid } : {}) })),
          relatedObjects: person.identities.slice(1).filter((i) => i.xid).map((i) => ({ objectId: i.xid!, _href: href(i.xid!) })),
        })),
        page: { offset, size: page.length, totalCount: p.scan.matched, listed: p.results.length },
        link: more ? `${BASE}/${p.id}?offset=${offset + limit}&limit=${limit}` : '',
        ...(p.error === undefined ? {} : { error: { description: p.error } }),
      };
    },
  );

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 200: MessageResponse, ...ERRORS } } }, async (request) => {
    await previews.delete(request.ctx.tenantId, request.params.id);
    return { status: true, message: `Preview '${request.params.id}' was cancelled and deleted` };
  });

  app.get('/data/core/ups/estimate/:id', { schema: { params: Id, response: { 200: EstimateObject, ...ERRORS } } }, async (request) => {
    const p = await previews.get(request.ctx.tenantId, request.params.id);
    const e = estimateOf(p);
    return {
      estimatedSize: e.estimatedSize,
      numRowsToRead: p.totalRows,
      totalRows: p.totalRows,
      profilesReadSoFar: e.read,
      profilesMatchedSoFar: e.matched,
      standardError: e.standardError,
      confidenceInterval: '95%',
      // ±1.96 standard errors: the 95% interval of the estimate, in people.
      estimatedSizeRange: { low: Math.max(0, Math.floor(e.estimatedSize - 1.96 * e.standardError)), high: Math.ceil(e.estimatedSize + 1.96 * e.standardError) },
      estimatedNamespaceDistribution: Object.entries(e.byNamespace).map(([namespace, n]) => ({ namespace, profilesMatchedSoFar: n })),
      state: p.state === 'RUNNING' && p.sample.read === 0 && p.totalRows === 0 ? 'RUNNING' : p.state === 'FAILED' ? 'FAILED' : 'RESULT_READY',
      error: { description: p.error ?? '', traceback: '' },
      _links: { preview: `${BASE}/${p.id}` },
    };
  });
}

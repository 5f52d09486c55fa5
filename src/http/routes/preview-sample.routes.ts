/** Preview sample status (/data/core/ups/previewsamplestatus) and its five reports, in AEP's shapes and odd types. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import { DomainError } from '../../shared/errors.js';
import type { Sample } from '../../jobs/sample/sample.service.js';
import { AnyObject, ERRORS } from '../schemas/problem.js';

const BASE = '/data/core/ups/previewsamplestatus';
const DateQuery = Type.Object({ date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' })) });

/** "2020-08-01 17:57:57.0", the status answer's time format. */
const statusTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '.0');
/** "2020-08-01T17:57:58.697", the reports' time format. */
const reportTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '');
const percent = (n: number, of: number) => (of === 0 ? 0 : Math.round((10_000 * n) / of) / 100);

/** Registers the preview sample routes. */
export function registerPreviewSampleRoutes(app: App, { samples, datasets, namespaces, mergePolicies }: Services): void {
  const report = async (tenantId: number, date: string | undefined): Promise<Sample> => {
    const sample = await samples.latest(tenantId, date);
    if (!sample) throw new DomainError('PREVIEW_REPORT_NOT_FOUND', date === undefined ? 'No preview sample has run in this sandbox yet' : `No preview sample report for ${date}`);
    return sample;
  };

  app.get(BASE, { schema: { response: { 200: AnyObject, ...ERRORS } } }, async (request) => {
    const { last, running } = await samples.status(request.ctx.tenantId);
    const policy = await mergePolicies.effective(request.ctx.tenantId, undefined);
    const docs = (last?.fragments ?? 0) + (last?.counts.totalEvents ?? 0);
    return {
      numRowsToRead: String(last?.counts.totalRows ?? 0),
      sampleJobRunning: { status: running !== undefined, submissionTimestamp: running ? statusTime(running.since) : last ? statusTime(last.sampledAt) : null },
      cosmosDocCount: `"${docs}"`,
      totalFragmentCount: docs,
      lastSuccessfulBatchTimestamp: last?.lastBatch ? `"${last.lastBatch.at}"` : '"null"',
      streamingDriven: '"false"',
      totalRows: String(last?.counts.totalRows ?? 0),
      lastBatchId: last?.lastBatch ? `"${last.lastBatch.id}"` : '"null"',
      status: last ? 'TASK_FINISHED' : running ? 'TASK_SCHEDULED' : 'NOT_STARTED',
      samplingRatio: 1.0,
      mergeStrategy: `${policy.attributeMerge}_${policy.identityGraph === 'pdg' ? 'auto' : 'none'}`,
      lastSampledTimestamp: last ? statusTime(last.sampledAt) : null,
    };
  });

  // Beyond AEP: ask for a sample now rather than wait for ingestion to move the profile count past 5%.
  app.post(BASE, { schema: { body: Type.Optional(Type.Object({}, { additionalProperties: false })), response: { 202: AnyObject, ...ERRORS } } }, async (request, reply) => {
    await samples.requestNow(request.ctx.tenantId);
    return reply.status(202).send({ status: 'TASK_SCHEDULED' });
  });

  app.get(`${BASE}/report/dataset`, { schema: { querystring: DateQuery, response: { 200: AnyObject, ...ERRORS } } }, async (request) => {
    const s = await report(request.ctx.tenantId, request.query.date);
    const at = reportTime(s.sampledAt);
    const data = [];
    for (const [id, n] of Object.entries(s.counts.byDataset).sort((a, b) => b[1] - a[1])) {
      const d = await datasets.get(request.ctx.tenantId, id).catch(() => undefined);
      data.push({
        sampleCount: n,
        samplePercentage: percent(n, s.counts.totalRows),
        fullIDsCount: n,
        fullIDsPercentage: percent(n, s.counts.totalRows),
        name: d?.name ?? '(deleted dataset)',
        description: String(d?.body.description ?? ''),
        value: id,
        streamingIngestionEnabled: String(s.streamingDatasets.includes(id)),
        createdUser: String(d?.body.createdUser ?? ''),
        reportTimestamp: at,
      });
    }
    return { data, reportTimestamp: at };
  });

  app.get(`${BASE}/report/namespace`, { schema: { querystring: DateQuery, response: { 200: AnyObject, ...ERRORS } } }, async (request) => {
    const s = await report(request.ctx.tenantId, request.query.date);
    const index = await namespaces.index(request.ctx.tenantId);
    const at = reportTime(s.sampledAt);
    const data = Object.entries(s.counts.byNamespace)
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => ({
        sampleCount: n,
        samplePercentage: percent(n, s.counts.totalRows),
        reportTimestamp: at,
        fullIDsFragmentCount: s.fragmentsByNamespace[code] ?? 0,
        fullIDsCount: s.identitiesByNamespace[code] ?? n,
        fullIDsPercentage: percent(n, s.counts.totalRows),
        code,
        value: String(index.byCode.get(code.toLowerCase())?.id ?? ''),
      }));
    return { data, reportTimestamp: at };
  });

  for (const [path, pick] of [
    ['dataset/overlap', (s: Sample) => s.counts.datasetOverlap],
    ['namespace/overlap', (s: Sample) => s.counts.namespaceOverlap],
  ] as const) {
    app.get(`${BASE}/report/${path}`, { schema: { querystring: DateQuery, response: { 200: AnyObject, ...ERRORS } } }, async (request) => {
      const s = await report(request.ctx.tenantId, request.query.date);
      return { data: pick(s), reportTimestamp: reportTime(s.sampledAt) };
    });
  }

  app.get(`${BASE}/report/unknownProfiles`, { schema: { response: { 200: AnyObject, ...ERRORS } } }, async (request) => {
    const s = await report(request.ctx.tenantId, undefined);
    return { data: { totalNumberOfProfiles: s.counts.totalRows, totalNumberOfEvents: s.counts.totalEvents, unknownProfiles: s.counts.unknown }, reportTimestamp: reportTime(s.sampledAt) };
  });
}

/** Segment schedules (/data/core/ups/config/schedules): daily batch segmentation on a Quartz cron. */
import { Type } from 'typebox';
import type { App, Services } from '../app.js';
import type { Schedule } from '../../segments/schedule.service.js';
import { ERRORS, empty } from '../schemas/problem.js';
import { ScheduleBody, ScheduleList, ScheduleObject, SchedulePatchBody } from '../schemas/segments.js';

const BASE = '/data/core/ups/config/schedules';
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

function present(s: Schedule) {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    schedule: s.schedule,
    state: s.state,
    properties: { segments: [...s.properties.segments] },
    ...(s.nextRunAt === null ? {} : { nextRunTime: new Date(s.nextRunAt).toISOString() }),
    createEpoch: Math.floor(s.createdAt / 1000),
    updateEpoch: Math.floor(s.updatedAt / 1000),
  };
}

/** Registers the schedule routes. */
export function registerScheduleRoutes(app: App, { schedules }: Services): void {
  app.get(
    BASE,
    {
      schema: {
        querystring: Type.Object({ start: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }, { additionalProperties: true }),
        response: { 200: ScheduleList, ...ERRORS },
      },
    },
    async (request) => {
      const all = await schedules.list(request.ctx.tenantId);
      const start = request.query.start ?? 0;
      const limit = request.query.limit ?? 100;
      const page = all.slice(start, start + limit);
      return { _page: { totalCount: all.length, pageSize: page.length, ...(start + limit < all.length ? { next: String(start + limit) } : {}) }, children: page.map(present) };
    },
  );

  app.post(BASE, { schema: { body: ScheduleBody, response: { 200: ScheduleObject, ...ERRORS } } }, async (request) => present(await schedules.create(request.ctx.tenantId, request.body)));

  app.get(`${BASE}/:id`, { schema: { params: Id, response: { 200: ScheduleObject, ...ERRORS } } }, async (request) => present(await schedules.get(request.ctx.tenantId, request.params.id)));

  app.patch(`${BASE}/:id`, { schema: { params: Id, body: SchedulePatchBody, response: { 204: empty('The schedule was updated'), ...ERRORS } } }, async (request, reply) => {
    await schedules.patch(request.ctx.tenantId, request.params.id, request.body);
    return reply.status(204).send();
  });

  app.delete(`${BASE}/:id`, { schema: { params: Id, response: { 204: empty('The schedule was deleted'), ...ERRORS } } }, async (request, reply) => {
    await schedules.delete(request.ctx.tenantId, request.params.id);
    return reply.status(204).send();
  });
}

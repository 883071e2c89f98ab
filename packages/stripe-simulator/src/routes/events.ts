// /v1/events: lets the shop re-fetch an event by id (a common way to
// double-check a webhook) and list recent ones.
import type { FastifyInstance } from 'fastify';
import { resourceMissing } from '../errors';
import { optionalInteger, optionalString } from '../form';
import { apiGet } from './api';
import type { RouteDeps } from './api';

export function registerEventRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { store } = deps;

  apiGet(app, '/v1/events/:id', ({ params }) => {
    const id = params.id ?? '';
    const stored = store.events.get(id);
    if (!stored) throw resourceMissing('event', id, 'id');
    return stored.event;
  });

  apiGet(app, '/v1/events', ({ data }) => {
    const limit = Math.min(Math.max(optionalInteger(data.limit, 'limit') ?? 10, 1), 100);
    const type = optionalString(data.type, 'type');
    const all = [...store.events.values()]
      .map((s) => s.event)
      .filter((e) => type === null || e.type === type)
      .reverse();
    return { object: 'list', data: all.slice(0, limit), has_more: all.length > limit, url: '/v1/events' };
  });
}

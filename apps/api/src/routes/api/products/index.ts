import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deferredChildLoggerFactory } from '../../../lib/deferred-child-logger';
import { HttpError, notFound } from '../../../lib/http-error';
import { errorResponses } from '../../../schemas/error';
import {
  ProductDto,
  ProductIdParams,
  ProductListQuery,
  ProductPage,
  ProductSearchQuery,
} from '../../../schemas/products';
import { catalogFor, catalogReadsFor, registerStockGauge, type CatalogOutcome } from '../../../services/catalog/index';

/**
 * Catalog reads are public, cached and frequent: they have their own per-IP limit class, counted in
 * the same Redis round trip as the cache read (services/catalog/catalog-reads.ts), instead of the
 * general limiter's; and one cheaper request log line (lib/log-controller.ts).
 */
export const CATALOG_READ_CONFIG = { rateLimit: false, catalogRead: true } as const;

/**
 * Shared caches may store the answers but must revalidate every time (ETag → 304), so a write is
 * visible on the next read through them too.
 */
const CACHE_CONTROL = 'public, no-cache';

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch === etag || ifNoneMatch === '*') return true;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === etag || t === `W/${etag}`;
  });
}

/** Sends a catalog outcome: the cached bytes as they are, a 304, a 404 or a 429, with the limit headers. */
function send(request: FastifyRequest, reply: FastifyReply, outcome: CatalogOutcome, max: number, what: string) {
  const reset = Math.max(0, Math.ceil(outcome.ttlMs / 1000));
  void reply
    .header('x-ratelimit-limit', max)
    .header('x-ratelimit-remaining', Math.max(0, max - outcome.count))
    .header('x-ratelimit-reset', reset);
  const { answer } = outcome;
  if (answer === 'limited') {
    throw new HttpError(429, 'RATE_LIMITED', `Too many requests; retry in ${reset} s`, undefined, {
      'retry-after': String(reset),
    });
  }
  if (!answer.body) throw notFound(what);
  void reply.header('cache-control', CACHE_CONTROL).header('etag', answer.etag);
  if (matches(request.headers['if-none-match'], answer.etag)) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(answer.body);
}

/**
 * /api/products: public catalog reads, served from the cache tiers with MongoDB behind them (see
 * services/catalog/). Only active, non-deleted products are ever shown.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  // Nothing writes through the request logger on a normal read: make it only when something does.
  app.setChildLoggerFactory(deferredChildLoggerFactory);
  const catalog = catalogFor(app.deps, app.log);
  const reads = catalogReadsFor(app.deps, app.log);
  const max = reads.options.max;
  registerStockGauge(app.metricsRegistry, () => catalog.repository.activeStock(), { log: app.log });

  app.get(
    '/',
    {
      config: CATALOG_READ_CONFIG,
      schema: {
        tags: ['products'],
        summary: 'List products (cursor pagination, filters, sorts)',
        description:
          'Active products, `limit` per page (default 20, max 100). Follow `nextCursor` until it is null; ' +
          'the walk stays exact while products are added. Filters: `category`, `minPrice`/`maxPrice` ' +
          '(inclusive, minor units), `inStock=true`. Answers carry an ETag (send it back as `If-None-Match` ' +
          'for a 304).',
        querystring: ProductListQuery,
        response: { 200: ProductPage, ...errorResponses },
      },
    },
    // The page is JSON text built from DTOs (served from the cache as stored): sent as-is.
    async (request, reply) =>
      send(request, reply, await reads.page(request.ip, catalog.planList(request.query)), max, 'Page'),
  );

  app.get(
    '/search',
    {
      config: CATALOG_READ_CONFIG,
      schema: {
        tags: ['products'],
        summary: 'Search products by name and category words',
        querystring: ProductSearchQuery,
        response: { 200: ProductPage, ...errorResponses },
      },
    },
    async (request, reply) =>
      send(request, reply, await reads.page(request.ip, catalog.planSearch(request.query)), max, 'Page'),
  );

  app.get(
    '/:id',
    {
      config: CATALOG_READ_CONFIG,
      schema: {
        tags: ['products'],
        summary: 'One active product',
        description: 'Answers carry an ETag (send it back as `If-None-Match` for a 304).',
        params: ProductIdParams,
        response: { 200: ProductDto, ...errorResponses },
      },
    },
    async (request, reply) => send(request, reply, await reads.product(request.ip, request.params.id), max, 'Product'),
  );
};

export default routes;

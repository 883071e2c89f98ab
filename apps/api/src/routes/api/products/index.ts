import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { notFound } from '../../../lib/http-error';
import { errorResponses } from '../../../schemas/error';
import {
  ProductDto,
  ProductIdParams,
  ProductListQuery,
  ProductPage,
  ProductSearchQuery,
} from '../../../schemas/products';
import { catalogFor, registerStockGauge } from '../../../services/catalog/index';
import type { FastifyReply } from 'fastify';
import { sendJsonText } from '../../../lib/json-text';

/**
 * /api/products: public catalog reads, served from Redis with MongoDB behind it (see
 * services/catalog/product-cache.ts). Only active, non-deleted products are ever shown.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const catalog = catalogFor(app.deps, app.log);
  registerStockGauge(app.metricsRegistry, () => catalog.repository.activeStock(), { log: app.log });

  app.get(
    '/',
    {
      schema: {
        tags: ['products'],
        summary: 'List products (cursor pagination, filters, sorts)',
        description:
          'Active products, `limit` per page (default 20, max 100). Follow `nextCursor` until it is null; ' +
          'the walk stays exact while products are added. Filters: `category`, `minPrice`/`maxPrice` ' +
          '(inclusive, minor units), `inStock=true`.',
        querystring: ProductListQuery,
        response: { 200: ProductPage, ...errorResponses },
      },
    },
    // The page is JSON text built from DTOs (served from Redis as stored): sent as-is.
    async (request, reply) => sendJsonText(reply as FastifyReply, await catalog.listProducts(request.query)),
  );

  app.get(
    '/search',
    {
      schema: {
        tags: ['products'],
        summary: 'Search products by name and category words',
        querystring: ProductSearchQuery,
        response: { 200: ProductPage, ...errorResponses },
      },
    },
    async (request, reply) => sendJsonText(reply as FastifyReply, await catalog.searchProducts(request.query)),
  );

  app.get(
    '/:id',
    {
      schema: {
        tags: ['products'],
        summary: 'One active product',
        params: ProductIdParams,
        response: { 200: ProductDto, ...errorResponses },
      },
    },
    async (request) => {
      const product = await catalog.getProduct(request.params.id);
      if (!product) throw notFound('Product');
      return product;
    },
  );
};

export default routes;

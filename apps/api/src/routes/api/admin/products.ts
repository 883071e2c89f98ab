import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../../lib/http-error';
import { errorResponses } from '../../../schemas/error';
import { ProductCreateBody, ProductDto, ProductIdParams, ProductUpdateBody } from '../../../schemas/products';
import { catalogFor } from '../../../services/catalog/index';

/**
 * /api/admin/products (admin role only). Every write invalidates the product's cached copy and all
 * cached list/search pages before it answers, so the next shopper read shows the change.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const catalog = catalogFor(app.deps, app.log);
  const admin = { tags: ['admin'], security: [{ bearerAuth: [] }] };

  app.post(
    '/',
    {
      onRequest: app.requireAdmin,
      schema: {
        ...admin,
        summary: 'Create a product',
        body: ProductCreateBody,
        response: { 201: ProductDto, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const product = await catalog.createProduct({
        name: body.name,
        description: body.description ?? '',
        category: body.category,
        price: body.price,
        currency: body.currency,
        stock: body.stock,
        active: body.active ?? true,
        images: body.images ?? [],
        attributes: body.attributes ?? {},
      });
      return reply.status(201).send(product);
    },
  );

  app.put(
    '/:id',
    {
      onRequest: app.requireAdmin,
      schema: {
        ...admin,
        summary: 'Update a product (the fields sent replace the stored ones)',
        params: ProductIdParams,
        body: ProductUpdateBody,
        response: { 200: ProductDto, ...errorResponses },
      },
    },
    async (request) => {
      const product = await catalog.updateProduct(request.params.id, request.body);
      if (!product) throw notFound('Product');
      return product;
    },
  );

  app.delete(
    '/:id',
    {
      onRequest: app.requireAdmin,
      schema: {
        ...admin,
        summary: 'Delete a product (soft: hidden from shoppers, kept for orders that reference it)',
        params: ProductIdParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!(await catalog.deleteProduct(request.params.id))) throw notFound('Product');
      return reply.status(204).send(null);
    },
  );
};

export default routes;

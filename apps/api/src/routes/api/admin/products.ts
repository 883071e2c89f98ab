import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../../lib/http-error';
import { errorResponses } from '../../../schemas/error';
import { StockChangeBody, StockLevels } from '../../../schemas/inventory';
import { AdminProductDto, ProductCreateBody, ProductIdParams, ProductUpdateBody } from '../../../schemas/products';
import { catalogFor } from '../../../services/catalog/index';
import {
  adminProduct,
  changeProductStock,
  ObjectId,
  stockLevels,
  stockRequestFromBody,
} from '../../../services/catalog/stock-service';

/**
 * /api/admin/products (admin role only). Every write invalidates the product's cached copy and all
 * cached list/search pages before it answers, so the next shopper read shows the change. Stock is
 * changed as audited deltas (see services/catalog/stock-service.ts): never a plain overwrite.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const catalog = catalogFor(app.deps, app.log);
  const admin = { tags: ['admin'], security: [{ bearerAuth: [] }] };

  app.post(
    '/',
    {
      schema: {
        ...admin,
        summary: 'Create a product',
        body: ProductCreateBody,
        response: { 201: AdminProductDto, ...errorResponses },
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
      return reply.status(201).send(await adminProduct(app.deps, new ObjectId(product.id)));
    },
  );

  app.put(
    '/:id',
    {
      schema: {
        ...admin,
        summary: 'Update a product (the fields sent replace the stored ones)',
        params: ProductIdParams,
        body: ProductUpdateBody,
        response: { 200: AdminProductDto, ...errorResponses },
      },
    },
    async (request) => {
      const { stock, expectedOnHand, ...fields } = request.body;
      const id = new ObjectId(request.params.id);
      if (stock !== undefined) {
        await changeProductStock(app.deps, id, {
          onHand: stock,
          ...(expectedOnHand !== undefined ? { expectedOnHand } : {}),
          reason: 'product edit',
          by: request.user.sub,
        });
      }
      if (Object.keys(fields).length > 0 && !(await catalog.updateProduct(request.params.id, fields))) {
        throw notFound('Product');
      }
      return adminProduct(app.deps, id);
    },
  );

  app.get(
    '/:id/stock',
    {
      schema: {
        ...admin,
        summary: "A product's inventory: on hand, reserved, available, and its latest stock changes",
        params: ProductIdParams,
        response: { 200: StockLevels, ...errorResponses },
      },
    },
    async (request) => stockLevels(app.deps, new ObjectId(request.params.id)),
  );

  app.post(
    '/:id/stock',
    {
      schema: {
        ...admin,
        summary: 'Change stock: set units on hand (optionally against the count you saw) or apply a delta, with a reason',
        params: ProductIdParams,
        body: StockChangeBody,
        response: { 200: StockLevels, ...errorResponses },
      },
    },
    async (request) => {
      const id = new ObjectId(request.params.id);
      await changeProductStock(app.deps, id, stockRequestFromBody(request.body, request.user.sub));
      return stockLevels(app.deps, id);
    },
  );

  app.delete(
    '/:id',
    {
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

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errorResponses } from '../../../schemas/error';
import { AdminOrderList, AdminOrderListQuery } from '../../../schemas/orders';
import { listOrders } from '../../../services/orders/list-orders';
import { toOrderDto } from '../../../services/orders/order-dto';

/** GET /api/admin/orders: every order, newest first, optionally by status. */
const orders: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['admin'],
        summary: 'All orders (filter by status)',
        security: [{ bearerAuth: [] }],
        querystring: AdminOrderListQuery,
        response: { 200: AdminOrderList, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const { docs, nextCursor } = await listOrders(app.deps.database.collections, status ? { status } : {}, {
        limit,
        cursor,
      });
      return {
        items: docs.map((o) => ({ ...toOrderDto(o), userId: o.userId.toHexString() })),
        nextCursor,
        limit,
      };
    },
  );
};

export default orders;

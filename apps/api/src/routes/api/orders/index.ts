import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdempotencyHeaders, IdParams } from '../../../schemas/common';
import { errorResponses } from '../../../schemas/error';
import { CreateOrderBody, Order, OrderList, OrderListQuery } from '../../../schemas/orders';
import { parseObjectId } from '../../../lib/cursor';
import { parseIdempotencyKey, withIdempotency } from '../../../services/idempotency';
import { orderLinesFromCart, clearCartAfterOrder } from '../../../services/orders/cart-lines';
import { listOrders } from '../../../services/orders/list-orders';
import { toOrderDto } from '../../../services/orders/order-dto';
import { cancelOrder, findOwnOrder, placeOrder } from '../../../services/orders/order-service';
import { ObjectId } from '@simple-shop/db';

/** /api/orders: the caller's own orders. */
const orders: FastifyPluginAsyncTypebox = async (app) => {
  const security = [{ bearerAuth: [] }];

  app.post(
    '/',
    {
      onRequest: app.authenticate,
      // No body at all means "order my cart", like an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags: ['orders'],
        summary: 'Create an order from the cart (or explicit items); holds its stock',
        security,
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: { 201: Order, ...errorResponses },
      },
    },
    async (request, reply) => {
      const userId = request.user.sub;
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      const body = request.body ?? {};
      const result = await withIdempotency(
        app.deps.database.collections,
        { route: 'orders.create', userId, key, body },
        async () => {
          const cart = body.items ? undefined : await orderLinesFromCart(app.deps, userId);
          const lines =
            cart?.lines ??
            (body.items ?? []).map((i) => ({ productId: new ObjectId(i.productId), quantity: i.quantity }));
          const order = await placeOrder(app.deps, userId, lines);
          if (cart) await clearCartAfterOrder(app.deps, userId, cart.version, request.log);
          await app.afterStockChange(order.items.map((i) => i.productId.toHexString()));
          app.shopMetrics.ordersCreated.inc();
          request.log.info(
            { orderId: order._id.toHexString(), total: order.total, currency: order.currency },
            'order created',
          );
          return { statusCode: 201, body: toOrderDto(order) };
        },
        { leaseMs: app.deps.config.IDEMPOTENCY_LEASE_SECONDS * 1000 },
      );
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(result.statusCode).send(result.body as never);
    },
  );

  app.get(
    '/',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['orders'],
        summary: 'My orders, newest first',
        security,
        querystring: OrderListQuery,
        response: { 200: OrderList, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const { docs, nextCursor } = await listOrders(
        app.deps.database.collections,
        { userId: new ObjectId(request.user.sub) },
        { limit, cursor },
      );
      return { items: docs.map(toOrderDto), nextCursor, limit };
    },
  );

  app.get(
    '/:id',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['orders'],
        summary: 'One of my orders',
        security,
        params: IdParams,
        response: { 200: Order, ...errorResponses },
      },
    },
    async (request) => toOrderDto(await findOwnOrder(app.deps, request.user.sub, parseObjectId(request.params.id))),
  );

  app.post(
    '/:id/cancel',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['orders'],
        summary: 'Cancel: unpaid → cancelled (stock released); paid → refunded through Stripe',
        security,
        params: IdParams,
        response: { 200: Order, ...errorResponses },
      },
    },
    async (request) => {
      const order = await findOwnOrder(app.deps, request.user.sub, parseObjectId(request.params.id));
      const { order: result, stockChanged } = await cancelOrder(app.deps, order, request.log);
      await app.afterStockChange(stockChanged);
      request.log.info({ orderId: result._id.toHexString(), status: result.status }, 'order cancel requested');
      return toOrderDto(result);
    },
  );
};

export default orders;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdempotencyHeaders, IdParams } from '../../../schemas/common';
import { errorResponses } from '../../../schemas/error';
import { AdminOrderDetail, DeliverBody, RefundBody, ShipBody } from '../../../schemas/order-desk';
import { AdminOrderList, AdminOrderListQuery } from '../../../schemas/orders';
import { parseObjectId } from '../../../lib/cursor';
import { parseIdempotencyKey, withIdempotency } from '../../../services/idempotency';
import { readAwaitingFulfilment, registerFulfilmentGauges } from '../../../services/orders/fulfilment-gauges';
import { listOrders } from '../../../services/orders/list-orders';
import {
  adminOrderFilter,
  deliverFromDesk,
  findOrder,
  orderDetail,
  refundFromDesk,
  shipFromDesk,
  toAdminOrderDto,
} from '../../../services/orders/order-desk';

/**
 * /api/admin/orders: the order desk. Every action answers with the updated order (as
 * GET /:id does) and leaves an entry on its timeline naming the admin.
 */
const orders: FastifyPluginAsyncTypebox = async (app) => {
  registerFulfilmentGauges(app.metricsRegistry, () => readAwaitingFulfilment(app.deps.database.collections), {
    log: app.log,
    slaSeconds: app.deps.config.FULFILMENT_SLA_HOURS * 3600,
  });
  const common = { tags: ['admin'], security: [{ bearerAuth: [] }] };

  app.get(
    '/',
    {
      schema: {
        ...common,
        summary: 'All orders, newest first (filter by status, fulfilment, creation date, customer email)',
        querystring: AdminOrderListQuery,
        response: { 200: AdminOrderList, ...errorResponses },
      },
    },
    async (request) => {
      const { limit, cursor, ...filters } = request.query;
      const filter = await adminOrderFilter(app.deps.database.collections, filters);
      if (!filter) return { items: [], nextCursor: null, limit };
      const { docs, nextCursor } = await listOrders(app.deps.database.collections, filter, { limit, cursor });
      return { items: docs.map(toAdminOrderDto), nextCursor, limit };
    },
  );

  app.get(
    '/:id',
    {
      onRequest: app.requireAdmin,
      schema: {
        ...common,
        summary: 'One order: lines, payments with Stripe ids, refunds, fulfilment and timeline',
        params: IdParams,
        response: { 200: AdminOrderDetail, ...errorResponses },
      },
    },
    async (request) => orderDetail(app.deps, await findOrder(app.deps, parseObjectId(request.params.id))),
  );

  app.post(
    '/:id/ship',
    {
      onRequest: app.requireAdmin,
      schema: {
        ...common,
        summary: 'Mark a paid order shipped with its tracking (409 if not paid or already shipped)',
        params: IdParams,
        body: ShipBody,
        response: { 200: AdminOrderDetail, ...errorResponses },
      },
    },
    async (request) => {
      const orderId = parseObjectId(request.params.id);
      const order = await shipFromDesk(app.deps, orderId, request.body, request.user.sub, request.log);
      return orderDetail(app.deps, order);
    },
  );

  app.post(
    '/:id/deliver',
    {
      onRequest: app.requireAdmin,
      // No body at all is the usual call.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        ...common,
        summary: 'Record the delivery of a shipped order (409 otherwise)',
        params: IdParams,
        body: DeliverBody,
        response: { 200: AdminOrderDetail, ...errorResponses },
      },
    },
    async (request) => {
      const orderId = parseObjectId(request.params.id);
      const order = await deliverFromDesk(app.deps, orderId, request.user.sub, request.log, request.body?.note);
      return orderDetail(app.deps, order);
    },
  );

  app.post(
    '/:id/refund',
    {
      onRequest: app.requireAdmin,
      schema: {
        ...common,
        summary: 'Refund a paid order through Stripe, fully or in part; never more than was paid in total',
        params: IdParams,
        headers: IdempotencyHeaders,
        body: RefundBody,
        response: { 200: AdminOrderDetail, ...errorResponses },
      },
    },
    async (request, reply) => {
      const orderId = parseObjectId(request.params.id);
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      const result = await withIdempotency(
        app.deps.database.collections,
        { route: `admin.orders.refund:${orderId.toHexString()}`, userId: request.user.sub, key, body: request.body },
        async () => {
          const order = await findOrder(app.deps, orderId);
          const refunded = await refundFromDesk(app.deps, order, request.body, request.user.sub, key, request.log);
          await app.afterStockChange(refunded.stockChanged);
          request.log.info(
            { orderId: orderId.toHexString(), amount: request.body.amount ?? null, status: refunded.order.status },
            'order refunded from the order desk',
          );
          return { statusCode: 200, body: await orderDetail(app.deps, refunded.order) };
        },
        { leaseMs: app.deps.config.IDEMPOTENCY_LEASE_SECONDS * 1000 },
      );
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(result.statusCode).send(result.body as never);
    },
  );
};

export default orders;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseObjectId } from '../../../lib/cursor';
import { IdempotencyHeaders } from '../../../schemas/common';
import { errorResponses } from '../../../schemas/error';
import { CheckoutSession, CreateIntentBody, VerifySessionQuery, VerifySessionResult } from '../../../schemas/payments';
import { parseIdempotencyKey, withIdempotency } from '../../../services/idempotency';
import { findOwnOrder } from '../../../services/orders/order-service';
import { openCheckout, verifyCheckout } from '../../../services/payments/checkout-service';
import webhook from './webhook';

/** /api/payments: Stripe Checkout for the caller's orders. The webhook route lives in webhook.ts. */
const payments: FastifyPluginAsyncTypebox = async (app) => {
  const security = [{ bearerAuth: [] }];
  await app.register(webhook);

  app.post(
    '/create-intent',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['payments'],
        summary: 'Open (or return the open) Stripe Checkout Session of an unpaid order',
        security,
        headers: IdempotencyHeaders,
        body: CreateIntentBody,
        response: { 200: CheckoutSession, 201: CheckoutSession, ...errorResponses },
      },
    },
    async (request, reply) => {
      const userId = request.user.sub;
      const key = parseIdempotencyKey(request.headers['idempotency-key']);
      const result = await withIdempotency(
        app.deps.database.collections,
        { route: 'payments.create-intent', userId, key, body: request.body },
        async () => {
          const order = await findOwnOrder(app.deps, userId, parseObjectId(request.body.orderId, 'orderId'));
          const session = await openCheckout(app.deps, order);
          request.log.info({ orderId: request.body.orderId, sessionId: session.sessionId }, 'checkout session ready');
          return { statusCode: 201, body: session };
        },
        { leaseMs: app.deps.config.IDEMPOTENCY_LEASE_SECONDS * 1000 },
      );
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(result.statusCode).send(result.body as never);
    },
  );

  app.get(
    '/verify-session',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['payments'],
        summary: 'What Stripe says about my checkout session (completes the order if Stripe says paid)',
        security,
        querystring: VerifySessionQuery,
        response: { 200: VerifySessionResult, ...errorResponses },
      },
    },
    async (request) => verifyCheckout(app.deps, request.user.sub, request.query.session_id, request.id),
  );
};

export default payments;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../../../schemas/error';
import { ingestStripeWebhook } from '../../../services/payments/webhook-ingest';

/**
 * POST /api/payments/webhook — Stripe's door. It only verifies and hands off (Medusa-style):
 * 2xx once the event is durably recorded; everything else happens in the worker.
 */
const webhook: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/webhook',
    {
      config: { rawBody: true, rateLimit: false },
      schema: {
        tags: ['payments'],
        summary: 'Stripe webhook endpoint (signature verified on the raw body)',
        headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String({ maxLength: 4096 })) }),
        body: Type.Object(
          { id: Type.Optional(Type.String()), type: Type.Optional(Type.String()) },
          { additionalProperties: true, description: 'A Stripe event; only its verified raw bytes are used' },
        ),
        response: {
          200: Type.Object({ received: Type.Literal(true), duplicate: Type.Boolean() }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const raw = typeof request.rawBody === 'string' ? request.rawBody : (request.rawBody?.toString('utf8') ?? '');
      const result = await ingestStripeWebhook(app, raw, request.headers['stripe-signature'], request.log, request.id);
      return { received: true as const, duplicate: result === 'duplicate' };
    },
  );
};

export default webhook;

import { webhookJobId } from '@simple-shop/queue';
import { verifyStripeEvent } from '@simple-shop/payments';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { HttpError } from '../../lib/http-error';

const RETENTION_MS = 30 * 24 * 3600 * 1000;

export type IngestResult = 'accepted' | 'duplicate';

/**
 * The whole of webhook ingest: verify, record durably, queue, answer. Processing is the worker's.
 * - bad signature → 400, counted and logged with the reason, nothing stored;
 * - MongoDB down → the insert throws → 5xx, so Stripe retries later;
 * - Redis down → the event stays `received` and the worker's sweeper queues it later;
 * - duplicate delivery → 200 no-op (and a second chance to queue a still-unqueued event).
 * Cost: 2 MongoDB commands (insert, mark queued) and 1 Redis round trip (the job add).
 */
export async function ingestStripeWebhook(
  app: FastifyInstance,
  rawBody: string,
  signature: string | undefined,
  log: FastifyBaseLogger,
  correlationId: string,
): Promise<IngestResult> {
  const { config, database } = app.deps;
  if (!config.STRIPE_WEBHOOK_SECRET) {
    throw new HttpError(503, 'WEBHOOKS_DISABLED', 'Stripe webhooks are not configured on this server');
  }

  let event;
  try {
    event = verifyStripeEvent(rawBody, signature, config.STRIPE_WEBHOOK_SECRET);
  } catch (error) {
    app.shopMetrics.webhookEvents.inc({ result: 'bad_signature' });
    log.warn(
      { reason: (error as Error).message, hasSignature: Boolean(signature) },
      'stripe webhook rejected: bad signature',
    );
    throw new HttpError(400, 'INVALID_SIGNATURE', 'Stripe signature verification failed');
  }

  const now = new Date();
  const events = database.collections.webhookEvents;
  try {
    await events.insertOne({
      _id: event.id,
      type: event.type,
      payload: rawBody,
      status: 'received',
      attempts: 0,
      receivedAt: now,
      expiresAt: new Date(now.getTime() + RETENTION_MS),
    });
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
    app.shopMetrics.webhookEvents.inc({ result: 'duplicate' });
    const existing = await events.findOne({ _id: event.id });
    if (existing?.status === 'received') await enqueue(app, event.id, event.type, log, correlationId);
    log.info({ eventId: event.id, type: event.type }, 'stripe webhook duplicate ignored');
    return 'duplicate';
  }

  app.shopMetrics.webhookEvents.inc({ result: 'accepted' });
  await enqueue(app, event.id, event.type, log, correlationId);
  log.info({ eventId: event.id, type: event.type }, 'stripe webhook recorded');
  return 'accepted';
}

async function enqueue(
  app: FastifyInstance,
  eventId: string,
  type: string,
  log: FastifyBaseLogger,
  correlationId: string,
) {
  try {
    await app.deps.queues.stripeEvents.add(
      'webhook',
      { kind: 'webhook', eventId, type, correlationId },
      { jobId: webhookJobId(eventId) },
    );
    await app.deps.database.collections.webhookEvents.updateOne(
      { _id: eventId, status: 'received' },
      { $set: { status: 'queued', queuedAt: new Date() } },
    );
  } catch (error) {
    // Recorded is what Stripe needs to hear 2xx; the sweeper queues `received` events later.
    log.warn({ eventId, err: error }, 'stripe webhook recorded but not queued (queue unavailable)');
  }
}

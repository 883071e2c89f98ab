import { ObjectId } from '@simple-shop/db';
import { PermanentOutcomeError } from '@simple-shop/order-outcomes';
import { STRIPE_API_VERSION } from '@simple-shop/payments';
import type { StripeEventPayload } from '@simple-shop/queue';
import { UnrecoverableError, type Job } from 'bullmq';
import type { WorkerDependencies } from '../deps';
import { completeSession } from '../fulfilment/complete-session';
import type { FulfilmentContext } from '../fulfilment/context';
import { PermanentError } from '../fulfilment/errors';
import { handleStripeEvent } from '../fulfilment/handle-event';
import type { WorkerMetrics } from '../metrics';
import { readStoredEvent } from './stripe-event-payload';

const errorText = (error: unknown) =>
  (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 1000);

/**
 * `stripe-events` queue. Webhook jobs process the durable record in `webhook-events`; session jobs
 * ask Stripe about a session and complete it through the same path. Idempotent end to end: a
 * processed event is skipped, and every fulfilment step is guarded. A failed attempt is logged on
 * the event; the last one (or a permanent error) parks the event in `failed-webhooks`.
 */
export function stripeEventsHandler(deps: WorkerDependencies, metrics: WorkerMetrics) {
  return async (job: Job<StripeEventPayload>) => {
    const log = deps.logger.child({
      queue: 'stripe-events',
      jobId: job.id,
      correlationId: job.data.correlationId,
      attempt: job.attemptsMade + 1,
    });
    const ctx: FulfilmentContext = {
      deps,
      metrics,
      log,
      ...(job.data.correlationId ? { correlationId: job.data.correlationId } : {}),
    };
    if (deps.config.FAULT_PROCESSING_DELAY_MS > 0)
      await new Promise((r) => setTimeout(r, deps.config.FAULT_PROCESSING_DELAY_MS));
    try {
      return job.data.kind === 'session'
        ? await processSession(ctx, job.data.sessionId)
        : await processWebhook(ctx, job, job.data.eventId);
    } catch (error) {
      const permanent = error instanceof PermanentError || error instanceof PermanentOutcomeError;
      const final = permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (job.data.kind === 'webhook') await recordFailure(ctx, job, job.data.eventId, error, final);
      log.warn({ err: error, final }, final ? 'stripe job failed for good' : 'stripe job failed; will retry');
      if (permanent) throw new UnrecoverableError((error as Error).message);
      throw error;
    }
  };
}

async function processSession(ctx: FulfilmentContext, sessionId: string) {
  if (!ctx.deps.stripe) throw new PermanentError('Stripe is not configured');
  const session = await ctx.deps.stripe.checkout.sessions.retrieve(sessionId);
  return { outcome: await completeSession(ctx, session) };
}

async function processWebhook(ctx: FulfilmentContext, job: Job<StripeEventPayload>, eventId: string) {
  const { webhookEvents, failedWebhooks } = ctx.deps.database.collections;
  const record = await webhookEvents.findOne({ _id: eventId });
  if (!record) throw new PermanentError(`event ${eventId} was never recorded`);
  if (record.status === 'processed' || record.status === 'ignored') {
    ctx.metrics.webhookEvents.inc({ result: 'duplicate' });
    return { outcome: 'duplicate' };
  }
  const { event, apiVersion, pinnedVersion } = readStoredEvent(eventId, record.payload);
  if (!pinnedVersion) {
    // Processed anyway (its fields were checked), but the endpoint should be on the pinned version.
    ctx.metrics.eventApiVersionMismatch.inc({ api_version: apiVersion ?? 'unknown' });
    ctx.log.warn(
      { eventId, type: event.type, apiVersion, pinnedApiVersion: STRIPE_API_VERSION },
      'stripe event rendered in another API version than the pinned one; check the webhook endpoint version',
    );
  }
  ctx.metrics.eventAge.observe({ type: event.type }, Math.max(0, Date.now() / 1000 - event.created));

  const { ignored, outcome } = await handleStripeEvent(
    { ...ctx, log: ctx.log.child({ eventId, type: event.type }) },
    event,
  );
  const now = new Date();
  await webhookEvents.updateOne(
    { _id: eventId },
    { $set: { status: ignored ? 'ignored' : 'processed', processedAt: now, outcome }, $inc: { attempts: 1 } },
  );
  if (job.data.kind === 'webhook' && job.data.replay !== undefined) {
    await failedWebhooks.updateOne({ eventId, resolvedAt: { $exists: false } }, { $set: { resolvedAt: now } });
  }
  ctx.metrics.webhookEvents.inc({ result: ignored ? 'ignored' : 'processed' });
  return { outcome };
}

async function recordFailure(
  ctx: FulfilmentContext,
  job: Job<StripeEventPayload>,
  eventId: string,
  error: unknown,
  final: boolean,
) {
  const { webhookEvents, failedWebhooks } = ctx.deps.database.collections;
  const at = new Date();
  const attempt = job.attemptsMade + 1;
  try {
    const updated = await webhookEvents.findOneAndUpdate(
      { _id: eventId },
      {
        $set: { lastError: errorText(error), ...(final ? { status: 'failed' as const } : {}) },
        $inc: { attempts: 1 },
        $addToSet: { attemptLog: { attempt, at, error: errorText(error) } },
      },
      { returnDocument: 'after' },
    );
    ctx.metrics.webhookEvents.inc({ result: final ? 'dead_lettered' : 'failed' });
    if (!final) return;
    await failedWebhooks.updateOne(
      { eventId },
      {
        $set: {
          type: updated?.type ?? 'unknown',
          error: errorText(error),
          attempts: (updated?.attemptLog ?? []).map((a) => ({ at: a.at, error: a.error })),
          failedAt: at,
        },
        $unset: { resolvedAt: '' },
        $setOnInsert: { _id: new ObjectId() },
      },
      { upsert: true },
    );
    ctx.log.error(
      { eventId, alert: 'webhook_dead_lettered' },
      'stripe event moved to failed-webhooks after its last attempt',
    );
  } catch (recordError) {
    ctx.log.error({ err: recordError, eventId }, 'could not record a failed attempt');
  }
}

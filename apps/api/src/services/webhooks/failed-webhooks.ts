import { webhookReplayJobId } from '@simple-shop/queue';
import type { FailedWebhookDoc, ObjectId } from '@simple-shop/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Collection, Filter } from 'mongodb';
import type { AppDependencies } from '../../deps';
import { decodeTimeCursor, encodeTimeCursor } from '../../lib/cursor';
import { HttpError, notFound } from '../../lib/http-error';
import type { FailedWebhook, FailedWebhookStatus } from '../../schemas/failed-webhooks';

/** The dead letter, with the replay fields the route keeps on it (see schemas/failed-webhooks.ts). */
export type ReplayableFailedWebhookDoc = FailedWebhookDoc;

/** A replay job in one of these states is still going to run: replaying again would double it. */
const PENDING_JOB_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/**
 * A replay whose job is not in Redis (yet) counts as pending this long after it was accepted, so a
 * replay racing with the previous one's enqueue cannot queue a second job; after it, the job is gone
 * (removed, or lost with a crash between the claim and the enqueue) and replaying is allowed again.
 */
const UNKNOWN_JOB_GRACE_MS = 60_000;

const STATUS_FILTERS: Record<FailedWebhookStatus, Filter<ReplayableFailedWebhookDoc>> = {
  open: { resolvedAt: { $exists: false }, replayedAt: { $exists: false } },
  replayed: { resolvedAt: { $exists: false }, replayedAt: { $exists: true } },
  resolved: { resolvedAt: { $exists: true } },
};

function collection(deps: AppDependencies): Collection<ReplayableFailedWebhookDoc> {
  return deps.database.collections.failedWebhooks;
}

function statusOf(doc: ReplayableFailedWebhookDoc): FailedWebhookStatus {
  if (doc.resolvedAt) return 'resolved';
  return doc.replayedAt ? 'replayed' : 'open';
}

export function toFailedWebhookDto(doc: ReplayableFailedWebhookDoc): FailedWebhook {
  return {
    id: doc._id.toHexString(),
    eventId: doc.eventId,
    type: doc.type,
    error: doc.error,
    attempts: (doc.attempts ?? []).map((a) => ({ at: a.at.toISOString(), error: a.error })),
    failedAt: doc.failedAt.toISOString(),
    ...(doc.replayedAt ? { replayedAt: doc.replayedAt.toISOString() } : {}),
    ...(doc.resolvedAt ? { resolvedAt: doc.resolvedAt.toISOString() } : {}),
    replayCount: doc.replayCount ?? 0,
    ...(doc.replayJobId ? { lastReplayJobId: doc.replayJobId } : {}),
    status: statusOf(doc),
  };
}

/** One page of dead letters, newest first on (failedAt, _id), with a keyset cursor to the next. */
export async function listFailedWebhooks(
  deps: AppDependencies,
  query: { limit: number; cursor?: string | undefined; status?: FailedWebhookStatus | undefined },
): Promise<{ docs: ReplayableFailedWebhookDoc[]; nextCursor: string | null }> {
  const filter: Filter<ReplayableFailedWebhookDoc> = { ...(query.status ? STATUS_FILTERS[query.status] : {}) };
  if (query.cursor) {
    const after = decodeTimeCursor(query.cursor);
    filter.$or = [{ failedAt: { $lt: after.createdAt } }, { failedAt: after.createdAt, _id: { $lt: after.id } }];
  }
  const docs = await collection(deps)
    .find(filter)
    .sort({ failedAt: -1, _id: -1 })
    .limit(query.limit + 1)
    .toArray();
  const page = docs.slice(0, query.limit);
  const last = page.at(-1);
  return {
    docs: page,
    nextCursor: docs.length > query.limit && last ? encodeTimeCursor(last.failedAt, last._id) : null,
  };
}

async function replayStillPending(deps: AppDependencies, doc: ReplayableFailedWebhookDoc, now: Date) {
  if (!doc.replayJobId) return false;
  const state = await deps.queues.stripeEvents.queue.getJobState(doc.replayJobId);
  if (PENDING_JOB_STATES.has(state)) return true;
  if (state === 'unknown') return !!doc.replayedAt && now.getTime() - doc.replayedAt.getTime() < UNKNOWN_JOB_GRACE_MS;
  return false; // completed (without resolving it) or failed for good: a new replay may run
}

/**
 * Replays a dead letter at most once at a time. The claim is a compare-and-set on `replayCount`
 * (a guarded single-document update), so of concurrent replays exactly one wins and queues a job;
 * the job ID carries the count, so even a repeated enqueue of the same replay is one BullMQ job.
 * Order: claim → `webhook-events` back to `received` → enqueue; a failed enqueue undoes the claim.
 */
export async function replayFailedWebhook(
  deps: AppDependencies,
  id: ObjectId,
  context: { correlationId: string; log: FastifyBaseLogger },
): Promise<{ id: string; eventId: string; jobId: string; replayCount: number }> {
  const failed = collection(deps);
  const { webhookEvents } = deps.database.collections;
  const now = new Date();

  const doc = await failed.findOne({ _id: id });
  if (!doc) throw notFound('Failed webhook');
  if (doc.resolvedAt) throw new HttpError(409, 'ALREADY_RESOLVED', 'This failed webhook was already resolved');
  if (await replayStillPending(deps, doc, now)) {
    throw new HttpError(409, 'REPLAY_PENDING', 'A replay of this webhook is still queued or running', {
      jobId: doc.replayJobId,
    });
  }
  if (!(await webhookEvents.findOne({ _id: doc.eventId }))) {
    throw new HttpError(
      409,
      'EVENT_NOT_STORED',
      'The webhook event is no longer stored (kept 30 days); replay it from Stripe',
    );
  }

  const seen = doc.replayCount ?? 0;
  const replayCount = seen + 1;
  const jobId = webhookReplayJobId(doc.eventId, replayCount);
  const versionGuard: Filter<ReplayableFailedWebhookDoc> =
    seen === 0 ? { $or: [{ replayCount: { $exists: false } }, { replayCount: 0 }] } : { replayCount: seen };
  // A guarded updateOne is the claim (atomic on MongoDB and on the offline stand-in alike).
  const claimed = await failed.updateOne(
    { _id: id, resolvedAt: { $exists: false }, ...versionGuard },
    { $set: { replayCount, replayJobId: jobId, replayedAt: now } },
  );
  if (claimed.modifiedCount !== 1) {
    throw new HttpError(409, 'REPLAY_IN_PROGRESS', 'Another replay of this webhook was accepted at the same time');
  }

  try {
    await webhookEvents.updateOne({ _id: doc.eventId }, { $set: { status: 'received' } });
    await deps.queues.stripeEvents.add(
      'webhook',
      { kind: 'webhook', eventId: doc.eventId, type: doc.type, replay: replayCount, correlationId: context.correlationId },
      { jobId },
    );
  } catch (error) {
    context.log.error({ err: error, eventId: doc.eventId, jobId }, 'webhook replay could not be queued');
    // Release the claim so the admin can simply try again (the count stays: job IDs are never reused),
    // and put the event back to `failed`: left `received`, reconciliation would queue it as a plain
    // webhook job, which does not resolve this dead letter.
    await failed.updateOne({ _id: id, replayJobId: jobId }, { $unset: { replayJobId: '' } }).catch(() => undefined);
    await webhookEvents
      .updateOne({ _id: doc.eventId, status: 'received' }, { $set: { status: 'failed' } })
      .catch(() => undefined);
    throw new HttpError(503, 'QUEUE_UNAVAILABLE', 'Could not queue the replay; try again', undefined, {
      'retry-after': '5',
    });
  }
  return { id: id.toHexString(), eventId: doc.eventId, jobId, replayCount };
}

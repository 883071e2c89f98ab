import { ObjectId, type FailedWebhookDoc, type WebhookEventDoc } from '@simple-shop/db';
import { webhookReplayJobId } from '@simple-shop/queue';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bearer, buildTestApp } from '../../../app.test-support';

let app: FastifyInstance;
const admin = () => bearer(app, { sub: new ObjectId().toHexString(), role: 'admin' });
const customer = () => bearer(app, { sub: new ObjectId().toHexString(), role: 'customer' });

beforeAll(async () => {
  app = await buildTestApp();
});
afterAll(async () => {
  await app?.close();
});
beforeEach(async () => {
  const { collections } = app.deps.database;
  await collections.failedWebhooks.deleteMany({});
  await collections.webhookEvents.deleteMany({});
  await app.deps.queues.stripeEvents.queue.obliterate({ force: true });
});

let seq = 0;
function failedDoc(overrides: Partial<FailedWebhookDoc> = {}): FailedWebhookDoc {
  seq += 1;
  const failedAt = overrides.failedAt ?? new Date(Date.UTC(2025, 0, 1, 12, 0, seq));
  return {
    _id: new ObjectId(),
    eventId: `evt_test_${seq}_${Math.random().toString(36).slice(2, 8)}`,
    type: 'checkout.session.completed',
    error: 'amount mismatch',
    attempts: [
      { at: new Date(failedAt.getTime() - 2000), error: 'mongo timeout' },
      { at: failedAt, error: 'amount mismatch' },
    ],
    failedAt,
    ...overrides,
  };
}

function eventDoc(failed: FailedWebhookDoc, overrides: Partial<WebhookEventDoc> = {}): WebhookEventDoc {
  return {
    _id: failed.eventId,
    type: failed.type,
    payload: JSON.stringify({ id: failed.eventId, type: failed.type }),
    status: 'failed',
    attempts: 8,
    lastError: failed.error,
    receivedAt: new Date(failed.failedAt.getTime() - 60_000),
    expiresAt: new Date(Date.now() + 30 * 86_400_000),
    ...overrides,
  };
}

async function seed(docs: FailedWebhookDoc[], withEvents = true) {
  const { collections } = app.deps.database;
  await collections.failedWebhooks.insertMany(docs);
  if (withEvents) await collections.webhookEvents.insertMany(docs.map((d) => eventDoc(d)));
}

const replay = (id: string, headers = admin()) =>
  app.inject({ method: 'POST', url: `/api/admin/failed-webhooks/${id}/replay`, headers });

async function stripeJobs() {
  const jobs = await app.deps.queues.stripeEvents.queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
  return jobs.map((j) => ({ id: j.id, name: j.name, data: j.data as Record<string, unknown> }));
}

describe('GET /api/admin/failed-webhooks', () => {
  it('lists dead letters newest first with every field, paging by cursor without repeats', async () => {
    const docs = Array.from({ length: 5 }, () => failedDoc());
    const sameTime = failedDoc({ failedAt: docs[4]!.failedAt }); // tie on failedAt: ordered by _id
    const resolved = failedDoc({
      replayedAt: new Date('2025-01-02T00:00:00Z'),
      resolvedAt: new Date('2025-01-02T00:01:00Z'),
    });
    await seed([...docs, sameTime, resolved]);

    const first = await app.inject({ method: 'GET', url: '/api/admin/failed-webhooks?limit=3', headers: admin() });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.limit).toBe(3);
    expect(page1.items.map((i: { eventId: string }) => i.eventId)).toEqual([
      resolved.eventId,
      sameTime.eventId,
      docs[4]!.eventId,
    ]);
    expect(page1.items[0]).toEqual({
      id: resolved._id.toHexString(),
      eventId: resolved.eventId,
      type: 'checkout.session.completed',
      error: 'amount mismatch',
      attempts: resolved.attempts.map((a) => ({ at: a.at.toISOString(), error: a.error })),
      failedAt: resolved.failedAt.toISOString(),
      replayedAt: '2025-01-02T00:00:00.000Z',
      resolvedAt: '2025-01-02T00:01:00.000Z',
      replayCount: 0,
      status: 'resolved',
    });
    expect(page1.items[2]).not.toHaveProperty('replayedAt');
    expect(page1.items[2].status).toBe('open');
    expect(typeof page1.nextCursor).toBe('string');

    const second = await app.inject({
      method: 'GET',
      url: `/api/admin/failed-webhooks?limit=3&cursor=${page1.nextCursor}`,
      headers: admin(),
    });
    const page2 = second.json();
    expect(page2.items.map((i: { eventId: string }) => i.eventId)).toEqual(
      [docs[3], docs[2], docs[1]].map((d) => d!.eventId),
    );
    const third = await app.inject({
      method: 'GET',
      url: `/api/admin/failed-webhooks?limit=3&cursor=${page2.nextCursor}`,
      headers: admin(),
    });
    expect(third.json().items.map((i: { eventId: string }) => i.eventId)).toEqual([docs[0]!.eventId]);
    expect(third.json().nextCursor).toBeNull();
  });

  it('filters by status', async () => {
    const open = failedDoc();
    const replayed = failedDoc({ replayedAt: new Date() });
    const resolved = failedDoc({ replayedAt: new Date(), resolvedAt: new Date() });
    await seed([open, replayed, resolved]);
    for (const [status, doc] of [
      ['open', open],
      ['replayed', replayed],
      ['resolved', resolved],
    ] as const) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/admin/failed-webhooks?status=${status}`,
        headers: admin(),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([
        [doc._id.toHexString(), status],
      ]);
    }
  });

  it('validates the query and requires an admin', async () => {
    for (const query of ['status=lost', 'limit=0', 'limit=101', 'cursor=%25%25', 'extra=1']) {
      const res = await app.inject({ method: 'GET', url: `/api/admin/failed-webhooks?${query}`, headers: admin() });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code, query).toBe('VALIDATION_ERROR');
    }
    const badCursor = await app.inject({
      method: 'GET',
      url: '/api/admin/failed-webhooks?cursor=abc',
      headers: admin(),
    });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().error.code).toBe('INVALID_CURSOR');
    expect(
      (await app.inject({ method: 'GET', url: '/api/admin/failed-webhooks', headers: customer() })).statusCode,
    ).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/api/admin/failed-webhooks' })).statusCode).toBe(401);
  });
});

describe('POST /api/admin/failed-webhooks/:id/replay', () => {
  it('resets the event to received, queues one job with the event and records the replay', async () => {
    const doc = failedDoc();
    await seed([doc]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/admin/failed-webhooks/${doc._id.toHexString()}/replay`,
      headers: { ...admin(), 'x-request-id': 'replay-req-1' },
    });
    expect(res.statusCode).toBe(202);
    const jobId = webhookReplayJobId(doc.eventId, 1);
    expect(res.json()).toEqual({ id: doc._id.toHexString(), eventId: doc.eventId, jobId, replayCount: 1 });

    expect(await stripeJobs()).toEqual([
      {
        id: jobId,
        name: 'webhook',
        data: {
          kind: 'webhook',
          eventId: doc.eventId,
          type: 'checkout.session.completed',
          replay: 1,
          correlationId: 'replay-req-1',
        },
      },
    ]);
    const event = await app.deps.database.collections.webhookEvents.findOne({ _id: doc.eventId });
    expect(event?.status).toBe('received');
    const stored = await app.deps.database.collections.failedWebhooks.findOne({ _id: doc._id });
    expect(stored?.replayedAt).toBeInstanceOf(Date);
    expect(stored).toMatchObject({ replayCount: 1, replayJobId: jobId });
    expect(stored?.resolvedAt).toBeUndefined();

    const listed = await app.inject({ method: 'GET', url: '/api/admin/failed-webhooks', headers: admin() });
    expect(listed.json().items[0]).toMatchObject({ status: 'replayed', replayCount: 1, lastReplayJobId: jobId });
  });

  it('two concurrent replays queue exactly one job; replaying again while it is queued is 409', async () => {
    const doc = failedDoc();
    await seed([doc]);
    const id = doc._id.toHexString();
    const results = await Promise.all(Array.from({ length: 5 }, () => replay(id)));
    const accepted = results.filter((r) => r.statusCode === 202);
    expect(accepted).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 202)) {
      expect(r.statusCode).toBe(409);
      expect(['REPLAY_IN_PROGRESS', 'REPLAY_PENDING']).toContain(r.json().error.code);
    }
    expect((await stripeJobs()).map((j) => j.id)).toEqual([webhookReplayJobId(doc.eventId, 1)]);
    expect((await app.deps.database.collections.failedWebhooks.findOne({ _id: doc._id }))?.replayCount).toBe(1);

    const again = await replay(id);
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'REPLAY_PENDING', details: { jobId: webhookReplayJobId(doc.eventId, 1) } });
    expect(await stripeJobs()).toHaveLength(1);
  });

  it('replays again with a new job id once the previous replay has failed for good', async () => {
    const doc = failedDoc();
    await seed([doc]);
    const id = doc._id.toHexString();
    expect((await replay(id)).statusCode).toBe(202);
    // The worker's last attempt of the replay fails: the job leaves the pending states.
    const job = await app.deps.queues.stripeEvents.queue.getJob(webhookReplayJobId(doc.eventId, 1));
    await job!.remove();
    await app.deps.database.collections.failedWebhooks.updateOne(
      { _id: doc._id },
      { $set: { replayedAt: new Date(Date.now() - 120_000), failedAt: new Date() } },
    );
    await app.deps.database.collections.webhookEvents.updateOne({ _id: doc.eventId }, { $set: { status: 'failed' } });

    const second = await replay(id);
    expect(second.statusCode).toBe(202);
    expect(second.json()).toMatchObject({ jobId: webhookReplayJobId(doc.eventId, 2), replayCount: 2 });
    expect((await stripeJobs()).map((j) => j.id)).toEqual([webhookReplayJobId(doc.eventId, 2)]);
    expect((await app.deps.database.collections.webhookEvents.findOne({ _id: doc.eventId }))?.status).toBe('received');
  });

  it('refuses a resolved dead letter (409) and writes nothing', async () => {
    const doc = failedDoc({
      replayedAt: new Date('2025-01-02T00:00:00Z'),
      resolvedAt: new Date('2025-01-02T00:01:00Z'),
    });
    await seed([doc]);
    await app.deps.database.collections.webhookEvents.updateOne(
      { _id: doc.eventId },
      { $set: { status: 'processed' } },
    );
    const res = await replay(doc._id.toHexString());
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('ALREADY_RESOLVED');
    expect(await stripeJobs()).toEqual([]);
    expect((await app.deps.database.collections.webhookEvents.findOne({ _id: doc.eventId }))?.status).toBe('processed');
    const stored = await app.deps.database.collections.failedWebhooks.findOne({ _id: doc._id });
    expect(stored?.replayedAt).toEqual(new Date('2025-01-02T00:00:00Z'));
    expect(stored).not.toHaveProperty('replayCount');
  });

  it('refuses when the event is no longer stored (409) and writes nothing', async () => {
    const doc = failedDoc();
    await seed([doc], false);
    const res = await replay(doc._id.toHexString());
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('EVENT_NOT_STORED');
    expect(await stripeJobs()).toEqual([]);
    const stored = await app.deps.database.collections.failedWebhooks.findOne({ _id: doc._id });
    expect(stored).not.toHaveProperty('replayedAt');
  });

  it('answers 404 for an unknown id, 400 for a malformed one, 403 for a customer, 401 anonymous', async () => {
    const doc = failedDoc();
    await seed([doc]);
    const unknown = await replay(new ObjectId().toHexString());
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');
    const malformed = await replay('not-an-id');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('VALIDATION_ERROR');
    const forbidden = await replay(doc._id.toHexString(), customer());
    expect(forbidden.statusCode).toBe(403);
    const anonymous = await app.inject({
      method: 'POST',
      url: `/api/admin/failed-webhooks/${doc._id.toHexString()}/replay`,
    });
    expect(anonymous.statusCode).toBe(401);

    expect(await stripeJobs()).toEqual([]);
    expect((await app.deps.database.collections.webhookEvents.findOne({ _id: doc.eventId }))?.status).toBe('failed');
    expect(await app.deps.database.collections.failedWebhooks.findOne({ _id: doc._id })).not.toHaveProperty(
      'replayedAt',
    );
  });
});

/**
 * Idempotency-Key leases against the real database: a claim left behind by a request that never
 * finished (a crashed process) blocks retries only for its lease, then a retry with the same body
 * takes it over. Lease expiry is shown by moving the service's clock, not by waiting.
 */
import { ObjectId, type Collections } from '@simple-shop/db';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../lib/http-error';
import { insertProducts, productDoc } from '../products.test-support';
import { bearer, buildTestApp } from '../app.test-support';
import { requestHashOf, withIdempotency, type StoredResponse } from './idempotency';

const LEASE_MS = 60_000;
const afterTheLease = () => new Date(Date.now() + LEASE_MS + 1000);

let app: FastifyInstance;
let collections: Collections;
beforeAll(async () => {
  app = await buildTestApp({ IDEMPOTENCY_LEASE_SECONDS: String(LEASE_MS / 1000) });
  collections = app.deps.database.collections;
});
afterAll(async () => {
  await app?.close();
});

let keys = 0;
const scopeFor = (body: unknown = { sku: 'a' }) => ({
  route: 'test.create',
  userId: 'u1',
  key: `key-${(keys += 1)}`,
  body,
});

/** A request that claims its key and then never finishes, as if its process died mid-way. */
async function crashAfterClaim(scope: ReturnType<typeof scopeFor>) {
  let finish: (response: StoredResponse) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const pending = new Promise<StoredResponse>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const first = withIdempotency(collections, scope, () => pending, { leaseMs: LEASE_MS });
  first.catch(() => undefined);
  const id = `${scope.route}:${scope.userId}:${scope.key}`;
  for (let i = 0; i < 200 && !(await collections.idempotencyKeys.findOne({ _id: id })); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const doc = await collections.idempotencyKeys.findOne({ _id: id });
  expect(doc).toMatchObject({ status: 'in_progress' });
  return { id, first, finish, fail };
}

const answer = (id: string): StoredResponse => ({ statusCode: 201, body: { id } });

describe('Idempotency-Key leases', () => {
  it('a crashed claim gets 409 within its lease; after it a retry with the same body takes over, and later retries replay that answer', async () => {
    const scope = scopeFor();
    const { id } = await crashAfterClaim(scope);
    const claim = await collections.idempotencyKeys.findOne({ _id: id });
    expect(claim!.leaseExpiresAt!.getTime() - claim!.createdAt.getTime()).toBe(LEASE_MS);

    let runs = 0;
    const retry = () => {
      runs += 1;
      return Promise.resolve(answer('second'));
    };
    const early = withIdempotency(collections, scope, retry, { leaseMs: LEASE_MS, waitMs: 0 });
    await expect(early).rejects.toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_IN_PROGRESS' });
    expect(runs).toBe(0);

    const takeover = await withIdempotency(collections, scope, retry, { leaseMs: LEASE_MS, now: afterTheLease });
    expect(takeover).toEqual({ ...answer('second'), replayed: false });
    expect(runs).toBe(1);

    const replay = await withIdempotency(collections, scope, retry, { leaseMs: LEASE_MS });
    expect(replay).toEqual({ ...answer('second'), replayed: true });
    expect(runs).toBe(1);
  });

  it('an expired claim is not taken over by a request with another body (422)', async () => {
    const scope = scopeFor({ sku: 'a' });
    await crashAfterClaim(scope);
    const other = withIdempotency(collections, { ...scope, body: { sku: 'b' } }, () => Promise.resolve(answer('x')), {
      leaseMs: LEASE_MS,
      now: afterTheLease,
    });
    await expect(other).rejects.toMatchObject({ statusCode: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('two retries after the lease: exactly one takes over and runs, the other replays its answer', async () => {
    const scope = scopeFor();
    await crashAfterClaim(scope);
    let runs = 0;
    const run = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      return answer(`run-${runs}`);
    };
    const options = { leaseMs: LEASE_MS, now: afterTheLease };
    const [a, b] = await Promise.all([
      withIdempotency(collections, scope, run, options),
      withIdempotency(collections, scope, run, options),
    ]);
    expect(runs).toBe(1);
    expect([a.body, b.body]).toEqual([answer('run-1').body, answer('run-1').body]);
    expect([a.replayed, b.replayed].sort()).toEqual([false, true]);
  });

  it('the original request finishing after losing its claim can neither overwrite nor free the new owner’s claim', async () => {
    const scope = scopeFor();
    const original = await crashAfterClaim(scope);
    await withIdempotency(collections, scope, () => Promise.resolve(answer('retry')), {
      leaseMs: LEASE_MS,
      now: afterTheLease,
    });
    original.finish(answer('late original'));
    await original.first;
    expect((await collections.idempotencyKeys.findOne({ _id: original.id }))!.response).toEqual(answer('retry'));

    const scope2 = scopeFor();
    const failing = await crashAfterClaim(scope2);
    let release: () => void = () => undefined;
    const takeover = withIdempotency(
      collections,
      scope2,
      () => new Promise<StoredResponse>((resolve) => (release = () => resolve(answer('retry-2')))),
      { leaseMs: LEASE_MS, now: afterTheLease },
    );
    // Wait until the retry holds the claim (its lease is measured from the moved clock).
    const takenOver = async () =>
      ((await collections.idempotencyKeys.findOne({ _id: failing.id }))?.leaseExpiresAt?.getTime() ?? 0) >
      Date.now() + LEASE_MS;
    while (!(await takenOver())) await new Promise((resolve) => setTimeout(resolve, 10));
    failing.fail(new HttpError(500, 'INTERNAL_ERROR', 'boom'));
    await failing.first.catch(() => undefined);
    expect(await collections.idempotencyKeys.findOne({ _id: failing.id })).toMatchObject({ status: 'in_progress' });
    release();
    expect(await takeover).toEqual({ ...answer('retry-2'), replayed: false });
  });

  it('a claim written before leases existed (no lease field) is taken over once its lease from creation is over', async () => {
    const scope = scopeFor();
    const id = `${scope.route}:${scope.userId}:${scope.key}`;
    const createdAt = new Date(Date.now() - LEASE_MS - 1000);
    await collections.idempotencyKeys.insertOne({
      _id: id,
      requestHash: requestHashOf(scope.body),
      status: 'in_progress',
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 24 * 3600 * 1000),
    });
    const result = await withIdempotency(collections, scope, () => Promise.resolve(answer('new')), {
      leaseMs: LEASE_MS,
    });
    expect(result).toEqual({ ...answer('new'), replayed: false });
  });
});

describe('POST /api/orders after a crash that left its Idempotency-Key claimed', () => {
  it('answers 409 while the lease runs and creates the order once the lease (IDEMPOTENCY_LEASE_SECONDS) is over', async () => {
    const [product] = await insertProducts(app.deps.database, [productDoc({ stock: 3 })]);
    const userId = new ObjectId().toHexString();
    const headers = { ...bearer(app, { sub: userId, role: 'customer' }), 'idempotency-key': 'crashed-order' };
    const payload = { items: [{ productId: product!._id.toHexString(), quantity: 1 }] };
    // What the crashed request left: its claim, leased from now.
    const now = new Date();
    const claim = {
      _id: `orders.create:${userId}:crashed-order`,
      requestHash: requestHashOf(payload),
      status: 'in_progress' as const,
      owner: 'crashed-process',
      leaseExpiresAt: new Date(now.getTime() + LEASE_MS),
      createdAt: now,
      expiresAt: new Date(now.getTime() + 24 * 3600 * 1000),
    };
    await collections.idempotencyKeys.insertOne(claim);
    const blocked = await app.inject({ method: 'POST', url: '/api/orders', headers, payload });
    expect([blocked.statusCode, blocked.json().error.code]).toEqual([409, 'IDEMPOTENCY_IN_PROGRESS']);

    // The lease runs out (moved back rather than waited for).
    await collections.idempotencyKeys.updateOne(
      { _id: claim._id },
      { $set: { leaseExpiresAt: new Date(Date.now() - 1) } },
    );
    const retried = await app.inject({ method: 'POST', url: '/api/orders', headers, payload });
    expect(retried.statusCode).toBe(201);
    const replayed = await app.inject({ method: 'POST', url: '/api/orders', headers, payload });
    expect(replayed.json().id).toBe(retried.json().id);
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(await collections.orders.countDocuments({ userId: new ObjectId(userId) })).toBe(1);
  });
});

describe('Idempotency-Key lease edges', () => {
  /** A clock stopped at `at` that counts how often the claim loop looked at the key. */
  const stoppedClock = (at: Date) => {
    const clock = { looks: 0, now: () => ((clock.looks += 1), at) };
    return clock;
  };

  it('a claim written before leases existed still blocks a retry within its lease from creation (409)', async () => {
    const scope = scopeFor();
    const id = `${scope.route}:${scope.userId}:${scope.key}`;
    const createdAt = new Date(Date.now() - LEASE_MS / 2);
    const legacy = {
      _id: id,
      requestHash: requestHashOf(scope.body),
      status: 'in_progress' as const,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + 24 * 3600 * 1000),
    };
    await collections.idempotencyKeys.insertOne(legacy);
    let runs = 0;
    const clock = stoppedClock(new Date());
    const retry = withIdempotency(collections, scope, () => Promise.resolve(answer(`run-${(runs += 1)}`)), {
      leaseMs: LEASE_MS,
      waitMs: 0,
      now: clock.now,
    });
    await expect(retry).rejects.toMatchObject({
      statusCode: 409,
      code: 'IDEMPOTENCY_IN_PROGRESS',
      message: 'A request with this Idempotency-Key is still in progress',
    });
    expect(runs).toBe(0);
    // No wait was granted: one look, then the answer.
    expect(clock.looks).toBe(1);
    expect(await collections.idempotencyKeys.findOne({ _id: id })).toEqual(legacy);
  });

  it('a lease ending exactly now is over: the retry takes the claim', async () => {
    const scope = scopeFor();
    const { id } = await crashAfterClaim(scope);
    const leaseEnd = (await collections.idempotencyKeys.findOne({ _id: id }))!.leaseExpiresAt!;
    const clock = stoppedClock(leaseEnd);
    const result = await withIdempotency(collections, scope, () => Promise.resolve(answer('on-the-dot')), {
      leaseMs: LEASE_MS,
      waitMs: 0,
      now: clock.now,
    });
    expect(result).toEqual({ ...answer('on-the-dot'), replayed: false });
    expect(clock.looks).toBe(1);
  });

  it('another body under the key is refused with a message that says so', async () => {
    const scope = scopeFor({ sku: 'a' });
    await withIdempotency(collections, scope, () => Promise.resolve(answer('first')), { leaseMs: LEASE_MS });
    await expect(
      withIdempotency(collections, { ...scope, body: { sku: 'b' } }, () => Promise.resolve(answer('x')), {
        leaseMs: LEASE_MS,
      }),
    ).rejects.toMatchObject({
      statusCode: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
      message: 'This Idempotency-Key was used with a different request body',
    });
  });

  it('a duplicate of a running request pauses 25 ms after each look while it waits, not a busy loop', async () => {
    const scope = scopeFor();
    await crashAfterClaim(scope);
    const clock = stoppedClock(new Date());
    // The pauses are counted as the timers they schedule (the timers still run).
    const timers = vi.spyOn(globalThis, 'setTimeout');
    let pauses: number;
    try {
      await expect(
        withIdempotency(collections, scope, () => Promise.resolve(answer('x')), {
          leaseMs: LEASE_MS,
          waitMs: 200,
          now: clock.now,
        }),
      ).rejects.toMatchObject({ statusCode: 409, code: 'IDEMPOTENCY_IN_PROGRESS' });
      pauses = timers.mock.calls.filter(([, ms]) => ms === 25).length;
    } finally {
      timers.mockRestore();
    }
    // At least the first look and the one after its pause; every look but the last is followed by one.
    expect(clock.looks).toBeGreaterThanOrEqual(2);
    expect(pauses).toBe(clock.looks - 1);
  });
});

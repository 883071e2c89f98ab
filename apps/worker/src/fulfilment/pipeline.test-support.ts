/** Shared steps of the end-to-end webhook pipeline tests (real API and worker processes). */
import { ObjectId, type ProductDoc } from '@simple-shop/db';
import { bullPrefix, createRedis } from '@simple-shop/queue';
import { productDoc, waitFor, type Stack } from '@simple-shop/testing';
import { Queue } from 'bullmq';
import { expect } from 'vitest';

export async function insertProduct(stack: Stack, overrides: Partial<ProductDoc> = {}): Promise<ProductDoc> {
  const product = productDoc({
    name: `Pipeline product ${Math.random().toString(36).slice(2, 7)}`,
    description: 'for pipeline tests',
    price: 2500,
    stock: 5,
    ...overrides,
  });
  await stack.database.collections.products.insertOne(product);
  return product;
}

export async function api<T = Record<string, unknown>>(
  stack: Stack,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** A customer with an order for `quantity` of `product` and its open Checkout Session. */
export async function orderWithSession(stack: Stack, product: ProductDoc, quantity = 1) {
  const user = await stack.createUser();
  const order = await api<{ id: string; total: number }>(stack, 'POST', '/api/orders', user.headers, {
    items: [{ productId: product._id.toHexString(), quantity }],
  });
  if (order.status !== 201) throw new Error(`order failed: ${order.status} ${JSON.stringify(order.body)}`);
  const session = await api<{ sessionId: string; url: string }>(
    stack,
    'POST',
    '/api/payments/create-intent',
    user.headers,
    {
      orderId: order.body.id,
    },
  );
  if (session.status !== 201)
    throw new Error(`create-intent failed: ${session.status} ${JSON.stringify(session.body)}`);
  return { user, orderId: new ObjectId(order.body.id), sessionId: session.body.sessionId, total: order.body.total };
}

export async function productState(stack: Stack, id: ObjectId) {
  const doc = await stack.database.collections.products.findOne({ _id: id });
  return { stock: doc?.stock, held: Object.values(doc?.holds ?? {}).reduce((a, b) => a + b, 0) };
}

export interface QueueObserver {
  stripeEvents: Queue;
  emails: Queue;
  /** The BullMQ state of a job of the stripe-events queue ('unknown' when it does not exist). */
  stateOf(jobId: string): Promise<string>;
  /**
   * Resolves once the stripe-events and emails queues have nothing waiting, delayed or active: every
   * job queued so far has ended (completed or failed). Wait on this, then assert that nothing more
   * happened, instead of sleeping.
   */
  drained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Reads the stack's queues from the test (same Redis and key prefix as its processes). */
export function observeQueues(stack: Stack): QueueObserver {
  const redis = createRedis(stack.env.REDIS_URL, 'client', 'test-queue-observer');
  const prefix = bullPrefix(stack.env.REDIS_KEY_PREFIX);
  const stripeEvents = new Queue('stripe-events', { connection: redis, prefix });
  const emails = new Queue('emails', { connection: redis, prefix });
  const busy = async (queue: Queue) => {
    const counts = await queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };
  return {
    stripeEvents,
    emails,
    stateOf: async (jobId) => (await stripeEvents.getJob(jobId))?.getState() ?? 'unknown',
    drained: async (timeoutMs = 30_000) => {
      await waitFor(
        async () => {
          expect(await busy(stripeEvents)).toBe(0);
          expect(await busy(emails)).toBe(0);
        },
        { timeoutMs },
      );
    },
    close: async () => {
      await Promise.all([stripeEvents.close(), emails.close()]);
      redis.disconnect();
    },
  };
}

import { describeRealMongo, startStack, waitFor, type Stack } from '@simple-shop/testing';
import { afterAll, expect, it } from 'vitest';
import { api, insertProduct } from './pipeline.test-support';

/**
 * A flash sale on a real replica set: 2 APIs and 2 workers, 200 shoppers ordering one product with
 * 50 units, every accepted order paid at once. The inventory model keeps the product out of the
 * payment transactions, so they do not conflict with each other or with the orders being placed;
 * the bound on transaction attempts is what shows it (a product written in them would make the
 * hottest transactions restart again and again).
 */
const SHOPPERS = 200;
const UNITS = 50;
/** Reported in docs/operations.md; each payment transaction writes only its own order's documents. */
const MAX_TRANSACTION_ATTEMPTS = 2;

let stack: Stack;
afterAll(async () => stack?.stop());

/** The value of an unlabelled-or-labelled single series in Prometheus text. */
const metricValue = (text: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

describeRealMongo('hot product under contention', () => {
  it('200 orders for 50 units: exactly 50 paid, 150 refused, nothing lost or doubled, transactions barely retried', async () => {
    stack = await startStack({ apis: 2, workers: 2, env: { RATE_LIMIT_MAX: '100000' } });
    const product = await insertProduct(stack, { stock: UNITS, reserved: 0, price: 1500 });
    const users = await Promise.all(Array.from({ length: SHOPPERS }, () => stack.createUser()));

    const placed = await Promise.all(
      users.map(async (user, i) => {
        const via = stack.apis[i % stack.apis.length]!.url;
        const res = await fetch(`${via}/api/orders`, {
          method: 'POST',
          headers: { ...user.headers, 'content-type': 'application/json' },
          body: JSON.stringify({ items: [{ productId: product._id.toHexString(), quantity: 1 }] }),
        });
        return { user, status: res.status, body: (await res.json()) as { id?: string; error?: { code: string } } };
      }),
    );
    const accepted = placed.filter((p) => p.status === 201);
    expect(accepted).toHaveLength(UNITS);
    expect(placed.filter((p) => p.status === 409 && p.body.error?.code === 'INSUFFICIENT_STOCK')).toHaveLength(
      SHOPPERS - UNITS,
    );

    const sessions = await Promise.all(
      accepted.map(async (p) => {
        const res = await api<{ sessionId: string }>(stack, 'POST', '/api/payments/create-intent', p.user.headers, {
          orderId: p.body.id,
        });
        expect(res.status).toBe(201);
        return res.body.sessionId;
      }),
    );
    await Promise.all(sessions.map((id) => stack.sim.pay(id)));

    const { orders, payments, reservations, emailOutbox, products } = stack.database.collections;
    await waitFor(async () => expect(await orders.countDocuments({ status: 'paid' })).toBe(UNITS), { timeoutMs: 120_000 });
    await waitFor(
      async () => expect(await reservations.countDocuments({ productId: product._id, settled: true })).toBe(UNITS),
      { timeoutMs: 30_000 },
    );
    expect(await orders.countDocuments({})).toBe(UNITS);
    expect(await payments.countDocuments({ status: 'succeeded' })).toBe(UNITS);
    expect(await emailOutbox.countDocuments({ kind: 'order_confirmation' })).toBe(UNITS);
    expect(await reservations.countDocuments({ productId: product._id, status: 'consumed' })).toBe(UNITS);
    expect(await products.findOne({ _id: product._id })).toMatchObject({ stock: 0, reserved: 0, holds: {} });

    const workerMetrics = await Promise.all(
      stack.workers.map(async (w) => {
        const line = await w.waitForLine(/worker http listening/);
        const port = new URL(String((JSON.parse(line) as { address: string }).address)).port;
        return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      }),
    );
    const attempts = workerMetrics.map((text) => metricValue(text, 'mongodb_transaction_max_attempts'));
    const retries = workerMetrics.map((text) => metricValue(text, 'mongodb_transaction_retries_total'));
    console.log(`transaction attempts (max per worker): ${attempts.join(', ')}; retries: ${retries.join(', ')}`);
    for (const max of attempts) expect(max).toBeLessThanOrEqual(MAX_TRANSACTION_ATTEMPTS);
  }, 300_000);
});

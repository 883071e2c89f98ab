import { ObjectId } from '@simple-shop/db';
import { startStack, waitFor, type Stack } from '@simple-shop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, insertProduct, orderWithSession } from './pipeline.test-support';

/**
 * After "paid", end to end with real processes: the customer pays on the simulator's hosted page,
 * the worker records the payment, an admin ships and delivers through the API, and the customer
 * gets exactly the confirmation and the "shipped" email (then one per refund).
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ env: { SHIPPING_RATES: 'usd:500,eur:450', SHIPPING_COUNTRIES: 'US,DE' } });
}, 90_000);
afterAll(async () => {
  await stack?.stop();
});

describe('the order desk end to end', () => {
  it('address collected → paid → shipped → delivered: two emails, the tracking in the second, the timeline complete', async () => {
    const product = await insertProduct(stack, { stock: 4, price: 2500 });
    const { user, orderId, sessionId } = await orderWithSession(stack, product, 2);
    const admin = await stack.createUser('admin');
    const id = orderId.toHexString();

    const session = stack.sim.sessions().find((s) => s.id === sessionId)!;
    expect(session.amount_total).toBe(2 * 2500 + 500);
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('data-shipping-address');
    const address = {
      shipping_name: 'Ada Lovelace',
      shipping_line1: '12 Market Street',
      shipping_city: 'Springfield',
      shipping_postal_code: '62701',
      shipping_state: 'IL',
      shipping_country: 'US',
    };
    const abroad = await fetch(`${session.url}/pay`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ ...address, shipping_country: 'FR' }),
    });
    expect(abroad.status).toBe(409);
    const paid = await fetch(`${session.url}/pay`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(address) });
    expect(paid.status).toBe(303);
    await waitFor(
      async () => expect((await stack.database.collections.orders.findOne({ _id: orderId }))?.status).toBe('paid'),
      { timeoutMs: 15_000 },
    );
    const payment = await stack.database.collections.payments.findOne({ sessionId });
    expect(payment?.amount).toBe(5500);

    const shipment = { carrier: 'DHL', trackingNumber: 'JD014600001', trackingUrl: 'https://track.example.com/JD014600001' };
    const shipped = await api(stack, 'POST', `/api/admin/orders/${id}/ship`, { ...admin.headers, 'content-type': 'application/json' }, shipment);
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    const delivered = await api<{ fulfilment: { status: string }; timeline: { kind: string; from?: string; to: string; by: string }[] }>(
      stack,
      'POST',
      `/api/admin/orders/${id}/deliver`,
      admin.headers,
      {},
    );
    expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
    expect(delivered.body.fulfilment.status).toBe('delivered');
    expect(delivered.body.timeline.map((e) => [e.kind, e.from ?? null, e.to])).toEqual([
      ['payment', null, 'pending_payment'],
      ['payment', 'pending_payment', 'paid'],
      ['fulfilment', 'unfulfilled', 'shipped'],
      ['fulfilment', 'shipped', 'delivered'],
    ]);
    expect(delivered.body.timeline.slice(2).every((e) => e.by === `admin:${admin.id}`)).toBe(true);

    const mails = await waitFor(
      async () => {
        const to = stack.smtp.messages().filter((m) => m.to.includes(user.email));
        expect(to).toHaveLength(2);
        return to;
      },
      { timeoutMs: 15_000 },
    );
    const shippedMail = mails.find((m) => /on its way/.test(m.subject))!;
    expect(shippedMail.text).toContain('JD014600001');
    expect(shippedMail.text).toContain('https://track.example.com/JD014600001');
    expect(shippedMail.messageId).toBe(`<order_shipped:${id}@simple-shop>`);

    const mine = await api<Record<string, unknown>>(stack, 'GET', `/api/orders/${id}`, user.headers);
    expect(mine.body).toMatchObject({
      total: 5000,
      shippingAmount: 500,
      shippingAddress: {
        name: 'Ada Lovelace',
        line1: '12 Market Street',
        city: 'Springfield',
        postalCode: '62701',
        state: 'IL',
        country: 'US',
      },
      fulfilment: { status: 'delivered', carrier: 'DHL', trackingNumber: 'JD014600001' },
    });

    // A partial refund afterwards: one more email, with the amount; Stripe's charge.refunded
    // webhook for it (not a full refund) changes nothing more.
    const refund = await api<{ refundedAmount: number; status: string }>(
      stack,
      'POST',
      `/api/admin/orders/${id}/refund`,
      { ...admin.headers, 'content-type': 'application/json', 'idempotency-key': `partial-${new ObjectId().toHexString()}` },
      { amount: 1000, reason: 'scratched', restock: false },
    );
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect(refund.body).toMatchObject({ status: 'paid', refundedAmount: 1000 });
    await waitFor(
      async () => {
        const refunded = stack.smtp.messages().filter((m) => m.to.includes(user.email) && /refunded/.test(m.subject));
        expect(refunded).toHaveLength(1);
        expect(refunded[0]!.text).toContain('10.00 USD');
      },
      { timeoutMs: 15_000 },
    );
    await stack.sim.waitForDeliveries();
    const after = await stack.database.collections.orders.findOne({ _id: orderId });
    expect([after?.status, after?.refundedAmount, after?.refunds?.length]).toEqual(['paid', 1000, 1]);
  });
});

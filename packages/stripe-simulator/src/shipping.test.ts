import { describe, expect, it } from 'vitest';
import { sessionParams, useSimulator } from './simulator.test-support';

const t = useSimulator();

const withShipping = sessionParams({
  shipping_address_collection: { allowed_countries: ['US', 'DE'] },
  shipping_options: [
    { shipping_rate_data: { type: 'fixed_amount', display_name: 'Standard', fixed_amount: { amount: 500, currency: 'usd' } } },
  ],
});

const pay = (url: string, fields: Record<string, string>) =>
  fetch(`${url}/pay`, { method: 'POST', redirect: 'manual', body: new URLSearchParams(fields) });

describe('shipping address collection', () => {
  it('adds the flat rate to amount_total and shows an address form limited to the allowed countries', async () => {
    const session = await t.stripe.checkout.sessions.create(withShipping);
    expect(session.amount_subtotal).toBe(2 * 1999 + 500);
    expect(session.amount_total).toBe(2 * 1999 + 500 + 500);
    expect(session.total_details?.amount_shipping).toBe(500);
    expect(session.shipping_cost?.amount_total).toBe(500);
    expect(session.shipping_address_collection?.allowed_countries).toEqual(['US', 'DE']);
    const html = await (await fetch(session.url!)).text();
    expect(html).toContain('data-shipping-address');
    expect(html).toContain('<option value="DE">DE</option>');
    expect(html).not.toContain('<option value="FR">');
  });

  it('records the entered address on the completed session; a country not allowed or a missing field is refused', async () => {
    const session = await t.stripe.checkout.sessions.create(withShipping);
    const address = {
      shipping_name: 'Grace Hopper',
      shipping_line1: 'Hauptstr. 1',
      shipping_city: 'Berlin',
      shipping_postal_code: '10115',
      shipping_country: 'DE',
    };
    expect((await pay(session.url!, { ...address, shipping_country: 'FR' })).status).toBe(409);
    expect((await pay(session.url!, { ...address, shipping_city: '' })).status).toBe(409);
    expect((await t.stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    expect((await pay(session.url!, address)).status).toBe(303);
    const done = await t.stripe.checkout.sessions.retrieve(session.id);
    expect(done.collected_information?.shipping_details).toEqual({
      name: 'Grace Hopper',
      address: { line1: 'Hauptstr. 1', line2: null, city: 'Berlin', postal_code: '10115', state: null, country: 'DE' },
    });
  });

  it('a session without collection has no address and no shipping cost', async () => {
    const session = await t.stripe.checkout.sessions.create(sessionParams());
    await t.sim.pay(session.id);
    const done = await t.stripe.checkout.sessions.retrieve(session.id);
    expect([done.shipping_cost, done.collected_information, done.total_details?.amount_shipping]).toEqual([null, null, 0]);
  });

  it('refuses a shipping rate in another currency', async () => {
    await expect(
      t.stripe.checkout.sessions.create(
        sessionParams({
          shipping_options: [
            { shipping_rate_data: { type: 'fixed_amount', display_name: 'X', fixed_amount: { amount: 500, currency: 'eur' } } },
          ],
        }),
      ),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
  });
});

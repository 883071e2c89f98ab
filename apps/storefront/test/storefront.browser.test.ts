import { productDoc, waitFor } from '@simple-shop/testing';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSkipReason, screenshot, startShop, watchedPage, type Shop, type WatchedPage } from './browser-support';

/**
 * The storefront, Bull Board and the API docs in real Chromium, against the real API and worker
 * processes, the Stripe simulator's hosted page and an SMTP catcher. Each test fails on any console
 * error, uncaught exception or failed request on its pages.
 */
const skip = browserSkipReason();
const PASSWORD = 'a long shopper password';

const PRODUCTS = [
  productDoc({
    name: 'Desk lamp',
    category: 'lighting',
    price: 3450,
    stock: 20,
    searchTerms: ['desk', 'lamp', 'lighting'],
  }),
  productDoc({
    name: 'Floor lamp',
    category: 'lighting',
    price: 8900,
    stock: 20,
    searchTerms: ['floor', 'lamp', 'lighting'],
  }),
  productDoc({
    name: 'Coffee mug',
    category: 'kitchen',
    price: 1250,
    stock: 50,
    searchTerms: ['coffee', 'mug', 'kitchen'],
  }),
  productDoc({
    name: 'Tea kettle',
    category: 'kitchen',
    price: 4200,
    stock: 5,
    searchTerms: ['tea', 'kettle', 'kitchen'],
  }),
];

let shop: Shop;
const pages: WatchedPage[] = [];
let counter = 0;
const uniqueEmail = (who: string) => `${who}-${Date.now().toString(36)}-${(counter += 1)}@example.test`;

async function open(): Promise<WatchedPage> {
  const watched = await watchedPage(shop.browser);
  pages.push(watched);
  return watched;
}

async function clickText(page: Page, selector: string, text: string): Promise<void> {
  const handle = await page.waitForSelector(`${selector}::-p-text(${text})`);
  await handle!.click();
}

async function register(page: Page, email: string): Promise<void> {
  await page.waitForSelector('form.auth #name');
  await page.type('#name', 'Sam Shopper');
  await page.type('#email', email);
  await page.type('#password', PASSWORD);
  await Promise.all([
    page.waitForSelector('nav button::-p-text(Log out)'),
    page.click('form.auth button[type=submit]'),
  ]);
}

/** From the cart page: Checkout → the simulator's hosted payment page. */
/** Stripe's hosted page asks for a shipping address (SHIPPING_COUNTRIES) before it takes the payment. */
async function fillShippingAddress(page: Page): Promise<void> {
  if (!(await page.$('form[data-shipping-address]'))) return;
  await page.type('input[name=shipping_name]', 'Ada Lovelace');
  await page.type('input[name=shipping_line1]', '12 Analytical Row');
  await page.type('input[name=shipping_city]', 'London');
  await page.type('input[name=shipping_postal_code]', 'N1 9GU');
}

async function checkoutToPaymentPage(page: Page): Promise<void> {
  await page.waitForSelector('table.lines tbody tr');
  await Promise.all([page.waitForNavigation(), clickText(page, 'button', 'Checkout')]);
  await page.waitForSelector('[data-session-id]');
  expect(page.url()).toMatch(new RegExp(`^${shop.stack.sim.url}/checkout/cs_`));
}

/** A registered shopper with one product in the cart, on the payment page. */
async function shopperAtPaymentPage(page: Page): Promise<string> {
  const email = uniqueEmail('shopper');
  await page.goto(`${shop.storefrontUrl}/register?next=/products/${PRODUCTS[2]!._id.toHexString()}`);
  await register(page, email);
  await page.waitForSelector('form.add-form');
  await page.click('form.add-form button[type=submit]');
  await page.waitForSelector('p[role=status]::-p-text(Added 1 to your cart)');
  await Promise.all([page.waitForSelector('table.lines'), clickText(page, 'nav a', 'Cart')]);
  await checkoutToPaymentPage(page);
  return email;
}

// Where Chromium is absent the suite is skipped, and its name says why in the report.
describe.skipIf(skip)(skip ? `${skip} storefront in Chromium` : 'storefront in Chromium', () => {
  beforeAll(async () => {
    shop = await startShop();
    await shop.stack.database.collections.products.insertMany(PRODUCTS);
  }, 180_000);
  afterAll(async () => {
    await shop?.stop();
  });
  // Every page a test opened must have stayed clean.
  const expectNoProblems = () => {
    const problems = pages.flatMap((p) => p.problems);
    pages.length = 0;
    expect(problems).toEqual([]);
  };

  it('a shopper browses, searches, adds 2 items, registers, pays and sees the order paid; the email arrives', async () => {
    const { page } = await open();
    await page.goto(shop.storefrontUrl);
    await page.waitForSelector('li.card');
    expect(await page.$$eval('li.card h3', (els) => els.map((e) => e.textContent))).toHaveLength(4);
    await screenshot(page, 'catalog');

    // Search, then add both lamps from the results.
    await page.type('#q', 'lamp');
    await Promise.all([
      page.waitForSelector('h1::-p-text(Results for)'),
      page.click('form[role=search] button[type=submit]'),
    ]);
    await waitFor(async () =>
      expect(await page.$$eval('li.card h3', (els) => els.map((e) => e.textContent).sort())).toEqual([
        'Desk lamp',
        'Floor lamp',
      ]),
    );
    for (const name of ['Desk lamp', 'Floor lamp']) {
      await page.click(`button[aria-label="Add ${name} to cart"]`);
      await page.waitForSelector(
        `li.card:has(button[aria-label="Add ${name} to cart"]) .card-status::-p-text(Added to cart)`,
      );
    }

    // The guest cart, then register from it: the lines move into the account's cart.
    await clickText(page, 'nav a', 'Cart');
    await waitFor(async () => expect(await page.$$('table.lines tbody tr')).toHaveLength(2));
    await clickText(page, 'button', 'Checkout');
    const email = uniqueEmail('buyer');
    await register(page, email);
    await waitFor(async () => expect(await page.$$('table.lines tbody tr')).toHaveLength(2));
    const subtotal = await page.$eval('[data-subtotal]', (el) => el.getAttribute('data-subtotal'));
    expect(Number(subtotal)).toBe(3450 + 8900);
    await screenshot(page, 'cart');

    // Pay on the simulator's hosted page; Stripe sends the browser back to the success page.
    await checkoutToPaymentPage(page);
    expect(await page.$eval('[data-amount-total]', (el) => el.getAttribute('data-amount-total'))).toBe(
      String(3450 + 8900),
    );
    expect(await page.$eval('form[action$="/pay"] button', (el) => el.textContent)).toContain('123.50');
    await screenshot(page, 'checkout');
    await fillShippingAddress(page);
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/pay"] button')]);
    expect(page.url()).toMatch(new RegExp(`^${shop.storefrontUrl}/checkout/success\\?session_id=cs_`));
    await page.waitForSelector('.order-status [data-status="paid"]', { timeout: 60_000 });
    await screenshot(page, 'success');

    const mails = await waitFor(
      () => {
        const found = shop.stack.smtp.messages().filter((m) => m.to.includes(email));
        expect(found.length).toBeGreaterThan(0);
        return found;
      },
      { timeoutMs: 60_000 },
    );
    expect(mails[0]!.text).toMatch(/123\.50/);

    // Order history shows it paid.
    await clickText(page, 'a', 'See your orders');
    await page.waitForSelector('li.order [data-status="paid"]');
    expectNoProblems();
  });

  it('a declined card leaves the order unpaid and the shopper can try again', async () => {
    const { page } = await open();
    await shopperAtPaymentPage(page);
    await clickText(page, 'button', 'Pay with a declining card');
    await page.waitForSelector('[role=alert]::-p-text(Your card was declined.)');
    // Back to the shop without paying: the cancel page, then the order is still payable.
    await Promise.all([page.waitForNavigation(), clickText(page, 'button', 'Cancel')]);
    expect(page.url()).toBe(`${shop.storefrontUrl}/checkout/cancelled`);
    await page.waitForSelector('h1::-p-text(Payment cancelled)');
    await clickText(page, 'a', 'your orders');
    await page.waitForSelector('li.order button::-p-text(Pay now)');
    const status = await page.$eval('li.order [data-status]', (el) => el.getAttribute('data-status'));
    expect(['pending_payment', 'payment_failed']).toContain(status);
    expectNoProblems();
  });

  it('a shopper cancels an unpaid order', async () => {
    const { page } = await open();
    await shopperAtPaymentPage(page);
    await page.goto(`${shop.storefrontUrl}/orders`);
    await clickText(page, 'li.order button', 'Cancel order');
    await page.waitForSelector('li.order [data-status="cancelled"]');
    expect(await page.$('li.order button::-p-text(Pay now)')).toBeNull();
    expectNoProblems();
  });

  it('an operator logs in to Bull Board and sees the stripe-events queue with the completed job', async () => {
    const email = uniqueEmail('operator');
    const res = await fetch(`${shop.apiUrl}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, name: 'Olive Operator' }),
    });
    expect(res.status).toBe(201);
    await shop.stack.database.collections.users.updateOne({ email }, { $set: { role: 'admin' } });

    const { page } = await open();
    await page.goto(`${shop.apiUrl}/admin/queues`);
    expect(page.url()).toBe(`${shop.apiUrl}/admin/queues/login`);
    await page.type('#email', email);
    await page.type('#password', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(page.url()).toBe(`${shop.apiUrl}/admin/queues/`);
    await page.waitForSelector('::-p-text(stripe-events)');
    await page.goto(`${shop.apiUrl}/admin/queues/queue/stripe-events?status=completed`);
    // The paid order's webhook job (named `webhook`, its id the Stripe event's id) is listed as completed.
    await page.waitForSelector('::-p-text(webhook)');
    await page.waitForSelector('::-p-text(checkout.session.completed)');
    await screenshot(page, 'bull-board');
    expectNoProblems();
  });

  it('the API docs at /docs load without a CSP violation', async () => {
    const { page } = await open();
    await page.goto(`${shop.apiUrl}/docs`);
    await page.waitForSelector('.swagger-ui .opblock-tag');
    // Give Swagger UI a moment to finish rendering (any late violation lands in problems).
    await page.waitForNetworkIdle({ idleTime: 300 });
    expectNoProblems();
  });
});


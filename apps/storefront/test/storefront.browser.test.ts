import { productDoc, uniqueName, waitFor } from '@simple-shop/testing';
import type { BrowserContext, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  screenshot,
  startShop,
  watchedPage,
  type ExtraShop,
  type Shop,
  type WatchedPage,
} from './browser-support';

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

/** A new page: in `context` (storage of its own), else in the browser's default context. */
async function open(context?: BrowserContext): Promise<WatchedPage> {
  const watched = await watchedPage(context ?? shop.browser);
  pages.push(watched);
  return watched;
}

// Globals of the page, for the functions that run in it (this file is type-checked without the DOM lib).
declare const localStorage: { getItem(key: string): string | null };
declare const document: { activeElement: { id: string } | null };

const pathOf = (url: string) => new URL(url).pathname;
const SESSION_KEY = 'shop.session';
const storedAccessToken = (page: Page) =>
  page.evaluate(
    (key) => (JSON.parse(localStorage.getItem(key) ?? 'null') as { accessToken?: string } | null)?.accessToken,
    SESSION_KEY,
  );

/**
 * Keyboard and labels: every field of the page's form has a label (its text is returned, in
 * order), and a click on the label focuses its field.
 */
async function formLabels(page: Page): Promise<string[]> {
  const fields = await page.$$eval('form.auth input', (inputs) =>
    inputs.map((input) => ({ id: input.id, labels: [...(input.labels ?? [])].map((l) => l.textContent ?? '') })),
  );
  for (const { id, labels } of fields) {
    expect(labels, `#${id} has one label`).toHaveLength(1);
    await page.click(`label[for="${id}"]`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe(id);
  }
  return fields.map((f) => f.labels[0]!);
}

/** Types into a field reached through its label, as a keyboard user would after tabbing there. */
async function typeInto(page: Page, id: string, text: string): Promise<void> {
  await page.click(`label[for="${id}"]`);
  await retype(page, text);
}

/** Replaces the focused field's value by typing (select all, delete, type). */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.down('Control');
  await page.keyboard.press('a');
  await page.keyboard.up('Control');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
}

/** Submits the form the focused field belongs to with Enter; resolves with the API's answer to `path`. */
async function submitWithEnter(page: Page, path: string) {
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && pathOf(r.url()) === path),
    page.keyboard.press('Enter'),
  ]);
  return response;
}

async function registerByApi(apiUrl: string, email: string, password = PASSWORD): Promise<void> {
  const res = await fetch(`${apiUrl}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, name: 'Rita Returning' }),
  });
  expect(res.status).toBe(201);
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
  // The token test's shopper logs in here, on an API whose access tokens live 60 s (the shortest
  // the configuration allows): the tests in between use up that minute, so its wait is short.
  let tokenShop: ExtraShop;
  let limitShop: ExtraShop;
  let tokenContext: BrowserContext;
  let tokenTabs: WatchedPage[];
  beforeAll(async () => {
    shop = await startShop();
    await shop.stack.database.collections.products.insertMany(PRODUCTS);
    [tokenShop, limitShop] = await Promise.all([
      shop.startExtraShop({ ACCESS_TOKEN_TTL_SECONDS: '60' }),
      // Two login attempts a minute per address; a Redis prefix of its own, so the other tests'
      // logins do not count towards it.
      shop.startExtraShop({
        REDIS_KEY_PREFIX: uniqueName('limit'),
        AUTH_RATE_LIMIT_MAX: '2',
        AUTH_RATE_LIMIT_WINDOW_MS: '60000',
      }),
    ]);
    tokenContext = await shop.browser.createBrowserContext();
    tokenTabs = [await watchedPage(tokenContext)];
    const first = tokenTabs[0]!.page;
    try {
      await first.goto(`${tokenShop.storefrontUrl}/register`);
      await register(first, uniqueEmail('tabs'));
      tokenTabs.push(await watchedPage(tokenContext));
      const second = tokenTabs[1]!.page;
      await second.goto(tokenShop.storefrontUrl);
      await second.waitForSelector('nav button::-p-text(Log out)');
    } catch (error) {
      throw new Error(`${(error as Error).message}; on the pages: ${tokenTabs.flatMap((t) => t.problems).join('; ')}`);
    }
  }, 240_000);
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

  it('a shopper who forgot the password gets the email, opens its link, sets a new password, logs in with it (not the old one) and logs out', async () => {
    const email = uniqueEmail('forgetful');
    await registerByApi(shop.apiUrl, email);
    const context = await shop.browser.createBrowserContext();
    const watched = await open(context);
    const { page } = watched;

    // Login form → "Forgot your password?" with the keyboard.
    await page.goto(`${shop.storefrontUrl}/login`);
    await page.waitForSelector('form.auth');
    expect(await formLabels(page)).toEqual(['Email', 'Password']);
    await page.focus('a[href="/forgot-password"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('h1::-p-text(Forgot your password?)');
    expect(await formLabels(page)).toEqual(['Email']);
    await typeInto(page, 'email', email);
    expect((await submitWithEnter(page, '/api/auth/forgot-password')).status()).toBe(202);
    await page.waitForSelector('p[role=status]::-p-text(a reset link is on its way)');

    // The worker's email carries a link to this storefront's reset page.
    const mail = await waitFor(
      () => {
        const found = shop.stack.smtp.messages().find((m) => m.to.includes(email));
        expect(found).toBeDefined();
        return found!;
      },
      { timeoutMs: 60_000 },
    );
    const link = new RegExp(`${shop.storefrontUrl}/reset-password\\?token=[^\\s"<>]+`).exec(mail.text)?.[0];
    expect(link, mail.text).toBeDefined();

    await page.goto(link!);
    await page.waitForSelector('h1::-p-text(Choose a new password)');
    expect(await formLabels(page)).toEqual(['New password']);
    const newPassword = 'a brand new shopper password';
    await typeInto(page, 'password', newPassword);
    expect((await submitWithEnter(page, '/api/auth/reset-password')).status()).toBe(204);
    await page.waitForSelector('#flash::-p-text(Your password was changed. Please log in.)');
    expect(pathOf(page.url())).toBe('/login');
    expect(page.url()).not.toContain('token=');

    // The old password is refused with a clear message; the new one logs in.
    watched.expected.push({ method: 'POST', path: '/api/auth/login', status: 401 });
    await typeInto(page, 'email', email);
    await typeInto(page, 'password', PASSWORD);
    expect((await submitWithEnter(page, '/api/auth/login')).status()).toBe(401);
    await page.waitForSelector('[role=alert]::-p-text(Invalid email or password)');
    expect(await page.$eval('[role=alert]', (el) => el.textContent)).toBe('Invalid email or password');
    await typeInto(page, 'password', newPassword);
    expect((await submitWithEnter(page, '/api/auth/login')).status()).toBe(200);
    await page.waitForSelector('nav button::-p-text(Log out)');

    // Logging out ends the login on the API too (its refresh token no longer works).
    const refreshToken = await page.evaluate(
      (key) => (JSON.parse(localStorage.getItem(key) ?? 'null') as { refreshToken: string }).refreshToken,
      SESSION_KEY,
    );
    await page.focus('nav button');
    const [logout] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && pathOf(r.url()) === '/api/auth/logout'),
      page.keyboard.press('Enter'),
    ]);
    expect(logout.status()).toBe(204);
    await page.waitForSelector('#flash::-p-text(You are logged out.)');
    await page.waitForSelector('nav a::-p-text(Log in)');
    const reuse = await fetch(`${shop.apiUrl}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(reuse.status).toBe(401);
    expect(watched.failedResponses).toEqual(['POST /api/auth/login 401']);
    await context.close();
    expectNoProblems();
  });

  it('a line whose stock fell after it was added is named at checkout (409), nothing is ordered, and a smaller quantity checks out', async () => {
    const admin = await shop.stack.createUser('admin');
    const created = await fetch(`${shop.apiUrl}/api/admin/products`, {
      method: 'POST',
      headers: admin.headers,
      body: JSON.stringify({ name: 'Stock pot', category: 'kitchen', price: 2599, currency: 'usd', stock: 5 }),
    });
    expect(created.status).toBe(201);
    const productId = ((await created.json()) as { id: string }).id;

    const context = await shop.browser.createBrowserContext();
    const watched = await open(context);
    const { page } = watched;
    const email = uniqueEmail('stockout');
    await page.goto(`${shop.storefrontUrl}/register?next=/products/${productId}`);
    await register(page, email);
    await page.waitForSelector('form.add-form');
    await typeInto(page, 'quantity', '3');
    await page.keyboard.press('Enter');
    await page.waitForSelector('p[role=status]::-p-text(Added 3 to your cart)');

    // Two units break in the warehouse: one is left.
    const lowered = await fetch(`${shop.apiUrl}/api/admin/products/${productId}/stock`, {
      method: 'POST',
      headers: admin.headers,
      body: JSON.stringify({ onHand: 1, reason: 'two broken in the warehouse' }),
    });
    expect(lowered.status).toBe(200);

    const sent: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push(pathOf(r.url()));
    });
    watched.expected.push({ method: 'POST', path: '/api/orders', status: 409 });
    await Promise.all([page.waitForSelector('table.lines'), clickText(page, 'nav a', 'Cart')]);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && pathOf(r.url()) === '/api/orders'),
      clickText(page, 'button', 'Checkout'),
    ]);
    expect(answer.status()).toBe(409);
    const alert = await page.waitForSelector('[role=alert]::-p-text(Not enough stock)');
    expect(await alert!.evaluate((el) => el.textContent)).toBe(
      'Not enough stock for Stock pot (only 1 left). Please lower the quantity.',
    );
    expect(await page.$eval('button::-p-text(Checkout)', (el) => el.hasAttribute('disabled'))).toBe(false);

    // Nothing was ordered, nothing reserved, no payment opened.
    const user = await shop.stack.database.collections.users.findOne({ email });
    expect(await shop.stack.database.collections.orders.countDocuments({ userId: user!._id })).toBe(0);
    const levels = (await (
      await fetch(`${shop.apiUrl}/api/admin/products/${productId}/stock`, { headers: admin.headers })
    ).json()) as { onHand: number; reserved: number; available: number };
    expect([levels.onHand, levels.reserved, levels.available]).toEqual([1, 0, 1]);
    expect(sent.filter((p) => p !== '/api/auth/refresh')).toEqual(['/api/orders']);

    // Lowering the quantity to what is left checks out.
    await page.focus(`#qty-${productId}`);
    await retype(page, '1');
    await Promise.all([
      page.waitForResponse((r) => pathOf(r.url()) === '/api/cart/update' && r.request().method() === 'POST'),
      page.keyboard.press('Tab'),
    ]);
    await page.waitForSelector(`[data-subtotal="2599"]`);
    await checkoutToPaymentPage(page);
    expect(watched.failedResponses).toEqual(['POST /api/orders 409']);
    await context.close();
    expectNoProblems();
  });

  it('too many login attempts: the form says to try again in the seconds Retry-After gives (429)', async () => {
    const context = await shop.browser.createBrowserContext();
    const watched = await open(context);
    const { page } = watched;
    watched.expected.push(
      { method: 'POST', path: '/api/auth/login', status: 401 },
      { method: 'POST', path: '/api/auth/login', status: 429 },
    );
    await page.goto(`${limitShop.storefrontUrl}/login`);
    await page.waitForSelector('form.auth');
    await typeInto(page, 'email', uniqueEmail('guesser'));
    const statuses: number[] = [];
    let limited;
    for (let attempt = 1; attempt <= 3 && !limited; attempt += 1) {
      await typeInto(page, 'password', `wrong guess ${attempt}`);
      const answer = await submitWithEnter(page, '/api/auth/login');
      statuses.push(answer.status());
      if (answer.status() === 429) limited = answer;
      // The form is usable again (the button is re-enabled) before the next attempt.
      await page.waitForSelector('form.auth button[type=submit]:not([disabled])');
    }
    // The limit is two attempts a minute: the third is refused.
    expect(statuses).toEqual([401, 401, 429]);
    const retryAfter = Number(limited!.headers()['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const wait = retryAfter === 1 ? '1 second' : `${retryAfter} seconds`;
    await page.waitForSelector(`[role=alert]::-p-text(Too many requests)`);
    expect(await page.$eval('[role=alert]', (el) => el.textContent)).toBe(
      `Too many requests. Please try again in ${wait}.`,
    );
    expect(watched.failedResponses).toEqual([
      'POST /api/auth/login 401',
      'POST /api/auth/login 401',
      'POST /api/auth/login 429',
    ]);
    await context.close();
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
  it('an expired access token is refreshed once for two tabs loading pages at once, and every call then succeeds', async () => {
    const [first, second] = tokenTabs.map((t) => t.page) as [Page, Page];
    const stale = await storedAccessToken(first);
    expect(stale).toBeTruthy();
    // Wait on the API's clock: until it refuses the token (ACCESS_TOKEN_TTL_SECONDS=60).
    await waitFor(
      async () =>
        (await fetch(`${tokenShop.apiUrl}/api/auth/me`, { headers: { authorization: `Bearer ${stale}` } })).status ===
        401,
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );

    const refreshes: string[] = [];
    const answers: string[][] = [[], []];
    let refreshAnswered!: () => void;
    const refreshed = new Promise<void>((resolve) => (refreshAnswered = resolve));
    for (const [i, tab] of tokenTabs.entries()) {
      // 401s are expected here: the tabs send the expired token first.
      tab.expected.push(
        { method: 'GET', path: '/api/cart', status: 401 },
        { method: 'GET', path: '/api/orders', status: 401 },
      );
      tab.page.on('request', (r) => {
        if (r.method() === 'POST' && pathOf(r.url()) === '/api/auth/refresh') refreshes.push(`tab ${i + 1}`);
      });
      tab.page.on('response', (r) => {
        const path = pathOf(r.url());
        if (r.request().method() === 'POST' && path === '/api/auth/refresh') refreshAnswered();
        if (r.request().method() === 'GET' && path.startsWith('/api/')) answers[i]!.push(`${path} ${r.status()}`);
      });
    }
    // Forcing the worst order: the first tab's order list, sent with the expired token, is held
    // back until the refresh has been stored, so its 401 arrives after the refresh finished (it
    // must reuse the new token, not refresh a second time); the refresh itself waits until that
    // request has been sent, so it surely carries the expired token.
    let held = 0;
    let lateSent!: () => void;
    const lateRequestSent = new Promise<void>((resolve) => (lateSent = resolve));
    for (const [i, tab] of tokenTabs.entries()) {
      await tab.page.setRequestInterception(true);
      tab.page.on('request', (request) => {
        if (request.isInterceptResolutionHandled()) return;
        const path = pathOf(request.url());
        if (request.method() === 'POST' && path === '/api/auth/refresh') {
          void lateRequestSent.then(() => request.continue());
          return;
        }
        const late =
          i === 0 &&
          request.method() === 'GET' &&
          path === '/api/orders' &&
          request.headers().authorization === `Bearer ${stale}`;
        if (!late) return void request.continue();
        held += 1;
        lateSent();
        void (async () => {
          await refreshed;
          await waitFor(async () => (await storedAccessToken(second)) !== stale, { timeoutMs: 30_000 });
          await request.continue();
        })();
      });
    }

    // Each tab loads the orders page: the cart count and the order list at once, in both tabs.
    await Promise.all([
      first.goto(`${tokenShop.storefrontUrl}/orders`),
      second.goto(`${tokenShop.storefrontUrl}/orders`),
    ]);
    for (const page of [first, second]) {
      // A tab in the background gets its timers and animation frames throttled (these tabs have
      // been open for minutes), which can stall puppeteer's polling for a selector: wait on each
      // tab while it is in front.
      await page.bringToFront();
      await page.waitForSelector('h1::-p-text(Your orders)');
      // The order list has loaded when either its empty message or an error is shown; an error
      // fails with its text, so a failure says what the shopper saw.
      await page.waitForSelector('p::-p-text(No orders yet.), [role=alert]');
      await page.waitForNetworkIdle({ idleTime: 300 });
      const alert = await page.$eval('[role=alert]', (el) => el.textContent).catch(() => null);
      expect(
        alert,
        `an error on the orders page; requests: ${answers.map((a, i) => `tab ${i + 1}: ${a.join(', ')}`).join('; ')}; refreshes: ${refreshes.join(', ')}`,
      ).toBeNull();
      expect(await page.$('p::-p-text(No orders yet.)')).not.toBeNull();
      expect(await page.$('nav button::-p-text(Log out)')).not.toBeNull();
    }
    expect(held).toBe(1);
    expect(refreshes).toHaveLength(1);
    expect(tokenTabs[0]!.failedResponses).toContain('GET /api/orders 401');
    // Every call answered 401 was answered 200 when repeated.
    for (const tabAnswers of answers)
      for (const path of ['/api/cart', '/api/orders'])
        expect(tabAnswers.filter((a) => a.startsWith(`${path} `)).at(-1), tabAnswers.join(', ')).toBe(`${path} 200`);

    // The login is intact (a second use of the spent refresh token would have ended it).
    const fresh = await storedAccessToken(second);
    expect(fresh).not.toBe(stale);
    expect(await storedAccessToken(first)).toBe(fresh);
    const me = await fetch(`${tokenShop.apiUrl}/api/auth/me`, { headers: { authorization: `Bearer ${fresh}` } });
    expect(me.status).toBe(200);
    const problems = tokenTabs.flatMap((t) => t.problems);
    await tokenContext.close();
    expect(problems).toEqual([]);
  });
});

// A purchase journey against a running stack, entirely through its public doors: the load balancer (LB_URL),
// the Stripe simulator's hosted checkout page (the session's url) and MailDev's inbox (MAILDEV_URL).
//   storefront page and its script through the load balancer -> register -> catalog -> cart -> order -> checkout
//   session -> pay on the hosted page -> back on the storefront's success page (through the load balancer) ->
//   the simulator's signed webhook reaches the API through the load balancer -> the worker marks the order
//   paid -> confirmation email
// Prints one line per step with its duration and, last, a JSON summary line. Exits 1 at the first failed step.
//   LB_URL=http://127.0.0.1:8080 MAILDEV_URL=http://127.0.0.1:1080 node infra/containers/journey.mjs
// Options (environment): JOURNEY_TIMEOUT_MS (wait for paid / email, default 60000), JOURNEY_LABEL (in the email),
// JOURNEY_STOREFRONT=skip (a headless stack: no storefront page checks).
const lb = required('LB_URL');
const maildev = required('MAILDEV_URL');
const timeoutMs = Number(process.env.JOURNEY_TIMEOUT_MS ?? 60_000);
const label = process.env.JOURNEY_LABEL ?? 'journey';
const storefront = process.env.JOURNEY_STOREFRONT !== 'skip';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`[journey] ${name} is not set`);
    process.exit(2);
  }
  return value.replace(/\/$/, '');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const started = performance.now();
const steps = [];

async function step(name, action) {
  const t0 = performance.now();
  try {
    const detail = await action();
    const ms = Math.round(performance.now() - t0);
    steps.push({ name, ms });
    console.log(`[journey] ok   ${name} (${ms} ms)${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    console.error(`[journey] FAIL ${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

async function call(method, path, { token, body, expect = [200], base = lb, headers = {} } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  const requestId = res.headers.get('x-request-id');
  if (base === lb && !requestId) throw new Error(`${method} ${path}: no X-Request-ID (did it pass the load balancer?)`);
  const contentType = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    body: contentType.includes('json') && text ? JSON.parse(text) : text,
  };
}

async function waitFor(what, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

const email = `${label}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
const password = `Journey-${Math.random().toString(36).slice(2)}-Pw1!`;
let token;
let product;
let order;
let session;
let successUrl = '';

await step('load balancer answers /health', async () => {
  const res = await call('GET', '/health');
  return `status ${res.body.status}`;
});

/** A storefront answer through the load balancer: status, headers and the body as text. */
async function page(url, expectStatus = 200) {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  if (res.status !== expectStatus) throw new Error(`GET ${url}: HTTP ${res.status}, expected ${expectStatus}`);
  return { headers: res.headers, text };
}
function isStorefrontPage({ headers, text }, what) {
  if (!(headers.get('content-type') ?? '').startsWith('text/html') || !text.includes('<main id="main"'))
    throw new Error(`${what} is not the storefront page`);
  if (headers.get('cache-control') !== 'no-cache')
    throw new Error(`${what}: cache-control ${headers.get('cache-control')}`);
  if (!/script-src 'self'/.test(headers.get('content-security-policy') ?? '')) throw new Error(`${what}: no CSP`);
}

if (storefront) {
  await step('storefront page and script through the load balancer', async () => {
    const home = await page(`${lb}/`);
    isStorefrontPage(home, 'GET /');
    const script = /<script type="module"[^>]* src="(\/assets\/[^"]+\.js)"/.exec(home.text)?.[1];
    if (!script) throw new Error('GET /: no module script in the page');
    const js = await page(`${lb}${script}`);
    if (!/javascript/.test(js.headers.get('content-type') ?? '')) throw new Error(`${script}: not JavaScript`);
    if (js.headers.get('cache-control') !== 'public, max-age=31536000, immutable')
      throw new Error(`${script}: cache-control ${js.headers.get('cache-control')}`);
    const config = JSON.parse((await page(`${lb}/config.json`)).text);
    if (config.apiUrl !== '/') throw new Error(`config.json apiUrl is ${config.apiUrl}, not the same origin`);
    // A router path (a product page) gets the page too; a missing asset does not.
    isStorefrontPage(await page(`${lb}/products/0123456789abcdef01234567`), 'a product path');
    await page(`${lb}/assets/missing-0000.js`, 404);
    return `${script} (${js.text.length} bytes, immutable), config.json same origin`;
  });
}

await step('register', async () => {
  const res = await call('POST', '/api/auth/register', {
    body: { email, password, name: 'Journey Shopper' },
    expect: [201],
  });
  token = res.body.accessToken;
  return res.body.user.id;
});

await step('browse the catalog', async () => {
  const res = await call('GET', '/api/products?limit=20');
  product = res.body.items.find((p) => p.stock >= 1);
  if (!product) throw new Error('no product in stock (was the catalog seeded?)');
  return `${product.name} ${product.price} ${product.currency}`;
});

await step('add to cart', async () => {
  const res = await call('POST', '/api/cart/add', { token, body: { productId: product.id, quantity: 1 } });
  return `subtotal ${res.body.subtotal}`;
});

await step('place the order', async () => {
  const res = await call('POST', '/api/orders', { token, body: {}, expect: [201] });
  order = res.body;
  if (order.status !== 'pending_payment') throw new Error(`new order is ${order.status}`);
  return `${order.id} total ${order.total} ${order.currency}`;
});

await step('open a checkout session', async () => {
  const res = await call('POST', '/api/payments/create-intent', { token, body: { orderId: order.id }, expect: [201] });
  session = res.body;
  return session.url;
});

await step('pay on the hosted checkout page', async () => {
  const page = await fetch(session.url, { signal: AbortSignal.timeout(20_000) });
  const html = await page.text();
  if (page.status !== 200 || !html.includes('/pay')) throw new Error(`checkout page: HTTP ${page.status}`);
  // What the page's Pay button submits.
  const paid = await fetch(`${session.url}/pay`, {
    method: 'POST',
    redirect: 'manual',
    signal: AbortSignal.timeout(20_000),
  });
  if (paid.status !== 303) throw new Error(`pay: HTTP ${paid.status} ${(await paid.text()).slice(0, 200)}`);
  successUrl = paid.headers.get('location') ?? '';
  return `redirected to ${successUrl}`;
});

if (storefront) {
  await step('back on the storefront success page (through the load balancer)', async () => {
    // CHECKOUT_SUCCESS_URL points at the load balancer, so the shopper lands on the storefront's own page.
    if (!successUrl.startsWith(`${lb}/checkout/success?session_id=`))
      throw new Error(`the success URL ${successUrl} is not the storefront behind ${lb}`);
    isStorefrontPage(await page(successUrl), successUrl);
    return successUrl;
  });
}

await step('order paid (signed webhook -> API -> queue -> worker)', async () => {
  const status = await waitFor('the order to be paid', async () => {
    const res = await call('GET', `/api/orders/${order.id}`, { token });
    return ['paid', 'payment_failed', 'needs_review'].includes(res.body.status) ? res.body.status : null;
  });
  if (status !== 'paid') throw new Error(`order ended ${status}`);
  const verified = await call(
    'GET',
    `/api/payments/verify-session?session_id=${encodeURIComponent(session.sessionId)}`,
    {
      token,
    },
  );
  return `verify-session: ${verified.body.status}/${verified.body.paymentStatus}`;
});

let mailPath = '/email';
await step('confirmation email in MailDev', async () => {
  if ((await fetch(`${maildev}${mailPath}`, { signal: AbortSignal.timeout(20_000) })).status === 404)
    mailPath = '/api/email';
  const mail = await waitFor('the confirmation email', async () => {
    // MailDev 2 (the compose image) lists mail at /email, MailDev 3 at /api/email.
    const res = await call('GET', mailPath, { base: maildev });
    const inbox = Array.isArray(res.body) ? res.body : [];
    // "Your Simple Shop order <last 8 of the id> is confirmed"
    return inbox.find(
      (m) =>
        m.to?.some((to) => to.address === email) && (m.subject ?? '').includes(`${order.id.slice(-8)} is confirmed`),
    );
  });
  return `"${mail.subject}" to ${email}`;
});

const totalMs = Math.round(performance.now() - started);
console.log(`[journey] purchase journey passed in ${totalMs} ms`);
console.log(JSON.stringify({ journey: 'passed', totalMs, orderId: order.id, steps }));

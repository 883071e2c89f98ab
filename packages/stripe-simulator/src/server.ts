// Wires the pieces into a Fastify server and the StripeSimulator handle.
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import {
  authError,
  resourceMissing,
  simulatedApiError,
  StripeApiError,
  unrecognizedUrl,
  unsupportedApiVersion,
} from './errors';
import { FaultState } from './faults';
import { parseForm } from './form';
import { newId } from './ids';
import { IdempotencyCache } from './idempotency';
import type { StripeSimulator, StripeSimulatorOptions } from './options';
import type { StripeEventType } from './types';
import type { RouteDeps } from './routes/api';
import { registerCheckoutSessionRoutes } from './routes/checkout-sessions';
import { registerControlRoutes } from './routes/control';
import type { ControlDeps } from './routes/control';
import { registerEventRoutes } from './routes/events';
import { registerHostedCheckoutRoutes } from './routes/hosted-checkout';
import { registerPaymentIntentRoutes } from './routes/payment-intents';
import { registerRefundRoutes } from './routes/refunds';
import { NO_REQUEST, SIMULATED_API_VERSION, Simulation } from './simulation';
import { Store } from './state';
import { WebhookDeliverer } from './webhooks/deliverer';
import type { Logger } from './webhooks/deliverer';

const DEFAULT_API_KEY = 'sk_test_simulator';
const JSON_TYPE = 'application/json; charset=utf-8';
const SILENT_LOGGER: Logger = { info() {}, warn() {} };

function isApiPath(url: string): boolean {
  return url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');
}

function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

/** Bearer (what the SDK sends) or Basic with the key as user name (what curl -u sends). */
function apiKeyFrom(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!value) return null;
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':')[0] || null;
  }
  return null;
}

interface AppDeps extends ControlDeps {
  apiKeys: ReadonlySet<string>;
  logger: Logger;
}

function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    genReqId: () => newId('req'),
    requestIdHeader: false,
    // Stripe parses query strings with the same bracket syntax as bodies (expand[0]=...).
    routerOptions: { querystringParser: (s: string) => parseForm(s) },
    // The SDK holds keep-alive sockets; do not let them delay close().
    forceCloseConnections: true,
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseForm(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('Request-Id', req.id);
    if (!isApiPath(req.url)) return;
    // Every answer is rendered in the one version the simulator speaks. Real Stripe would render a
    // request's Stripe-Version instead; here a client pinned to another version is told at once.
    reply.header('Stripe-Version', SIMULATED_API_VERSION);
    const version = req.headers['stripe-version'];
    if (typeof version === 'string' && version !== '' && version !== SIMULATED_API_VERSION) {
      return reply
        .code(400)
        .type(JSON_TYPE)
        .send(JSON.stringify(unsupportedApiVersion(version).toJSON()));
    }
    // Injected failures hit before auth/idempotency: like a load balancer error, nothing ran.
    if (deps.faults.takeApiFailure()) {
      reply.header('Stripe-Should-Retry', 'true');
      return reply.code(500).type(JSON_TYPE).send(JSON.stringify(simulatedApiError().toJSON()));
    }
    const key = apiKeyFrom(req);
    if (key === null || !deps.apiKeys.has(key)) {
      return reply
        .code(401)
        .type(JSON_TYPE)
        .send(JSON.stringify(authError(key).toJSON()));
    }
    return undefined;
  });

  // onSend rather than onResponse: the record exists before the client can see the answer.
  app.addHook('onSend', async (req, reply, payload) => {
    if (!isApiPath(req.url)) return payload;
    const key = req.headers['idempotency-key'];
    deps.store.requests.push({
      requestId: req.id,
      method: req.method,
      path: pathOf(req.url),
      idempotencyKey: typeof key === 'string' && key !== '' ? key : null,
      status: reply.statusCode,
      replayed: reply.getHeader('idempotent-replayed') === 'true',
      at: Math.round(Date.now() - reply.elapsedTime),
    });
    return payload;
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof StripeApiError) {
      return reply.code(err.status).type(JSON_TYPE).send(JSON.stringify(err.toJSON()));
    }
    const status = err.statusCode ?? 500;
    if (status >= 500) deps.logger.warn({ err: err.message, url: req.url }, 'stripe-simulator: internal error');
    if (isApiPath(req.url)) {
      // Body parse errors etc. still come back in Stripe's envelope so the SDK maps them.
      const body =
        status < 500
          ? { error: { type: 'invalid_request_error', message: err.message } }
          : { error: { type: 'api_error', message: `The Stripe simulator failed: ${err.message}` } };
      return reply
        .code(status < 500 ? 400 : 500)
        .type(JSON_TYPE)
        .send(JSON.stringify(body));
    }
    return reply.code(status).send({ error: err.message });
  });

  app.setNotFoundHandler((req, reply) => {
    if (isApiPath(req.url)) {
      return reply
        .code(404)
        .type(JSON_TYPE)
        .send(JSON.stringify(unrecognizedUrl(req.method, pathOf(req.url)).toJSON()));
    }
    return reply.code(404).type('text/plain; charset=utf-8').send('Not found');
  });

  app.get('/', async () => ({
    name: 'stripe-simulator',
    api: '/v1',
    hostedCheckout: '/checkout/:id',
    controls: '/_sim/state',
  }));

  const routeDeps: RouteDeps = { sim: deps.sim, store: deps.store, idempotency: deps.idempotency };
  registerCheckoutSessionRoutes(app, routeDeps);
  registerPaymentIntentRoutes(app, routeDeps);
  registerRefundRoutes(app, routeDeps);
  registerEventRoutes(app, routeDeps);
  registerHostedCheckoutRoutes(app, routeDeps);
  registerControlRoutes(app, deps);
  return app;
}

function enabledEventFilter(enabled: StripeSimulatorOptions['enabledEvents']): (type: StripeEventType) => boolean {
  if (enabled === undefined || enabled.includes('*')) return () => true;
  const set = new Set<string>(enabled);
  return (type) => set.has(type);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`stripe-simulator: ${name} must be a non-negative number`);
  return value;
}

export async function startStripeSimulator(opts: StripeSimulatorOptions): Promise<StripeSimulator> {
  if (!opts.webhookSecret) throw new Error('stripe-simulator: webhookSecret is required');
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? SILENT_LOGGER;
  const apiKeys = new Set(opts.apiKeys && opts.apiKeys.length > 0 ? opts.apiKeys : [DEFAULT_API_KEY]);
  const retry = {
    baseDelayMs: positive(opts.retry?.baseDelayMs, 1000, 'retry.baseDelayMs'),
    maxAttempts: Math.max(1, Math.floor(positive(opts.retry?.maxAttempts, 6, 'retry.maxAttempts'))),
    factor: positive(opts.retry?.factor, 2, 'retry.factor'),
  };
  let webhookUrl = opts.webhookUrl || undefined;
  let publicUrl = opts.publicUrl?.replace(/\/+$/, '') ?? '';

  const store = new Store();
  const idempotency = new IdempotencyCache();
  // The fault state and the deliverer reference each other (switching
  // `reorder` off releases held events); the closures run only after both exist.
  const faults: FaultState = new FaultState({
    onReorderOff: () => void deliverer.flush(),
    flush: (): Promise<void> => deliverer.flush(),
  });
  const deliverer: WebhookDeliverer = new WebhookDeliverer({
    secret: opts.webhookSecret,
    getUrl: () => webhookUrl,
    getFaults: () => faults.get(),
    retry,
    timeoutMs: positive(opts.deliveryTimeoutMs, 10_000, 'deliveryTimeoutMs'),
    logger,
    record: (d) => store.deliveries.push(d),
    isEnabled: enabledEventFilter(opts.enabledEvents),
  });
  const sim = new Simulation({
    store,
    deliverer,
    faults,
    getPublicUrl: () => publicUrl,
    hasWebhookUrl: () => webhookUrl !== undefined,
  });

  const resendEvent = async (eventId: string): Promise<void> => {
    const stored = store.events.get(eventId);
    if (!stored) throw resourceMissing('event', eventId);
    await deliverer.resend(stored);
  };
  const reset = (): void => {
    deliverer.cancelAll();
    store.clear();
    idempotency.clear();
    faults.reset();
  };
  const setWebhookUrl = (url: string | undefined): void => {
    webhookUrl = url || undefined;
  };
  const waitForDeliveries = () => deliverer.waitForIdle();

  const app = buildApp({
    sim,
    store,
    idempotency,
    faults,
    apiKeys,
    logger,
    reset,
    getWebhookUrl: () => webhookUrl,
    setWebhookUrl,
    resendEvent,
    waitForDeliveries,
  });
  await app.listen({ port: opts.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  if (!publicUrl) publicUrl = url;
  logger.info({ url, publicUrl, webhookUrl: webhookUrl ?? null }, 'stripe-simulator: listening');

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    faults,
    close() {
      closing ??= (async () => {
        deliverer.close();
        store.stopTimers();
        await app.close();
      })();
      return closing;
    },
    setWebhookUrl,
    reset,
    sessions: () => sim.allSessions(),
    lineItems: (sessionId) => structuredClone(store.sessions.get(sessionId)?.lineItems ?? []),
    paymentIntents: () => structuredClone([...store.paymentIntents.values()]),
    charges: () => structuredClone([...store.charges.values()]),
    refunds: () => structuredClone([...store.refunds.values()]),
    events: () => structuredClone([...store.events.values()].map((e) => e.event)),
    deliveries: () => structuredClone(store.deliveries),
    requests: () => structuredClone(store.requests),
    expireSession: async (id) => {
      sim.expireSession(id, NO_REQUEST);
    },
    completeAsyncPayment: async (id, outcome) => {
      sim.completeAsyncPayment(id, outcome);
    },
    pay: async (id, payOpts) => {
      sim.pay(id, payOpts);
    },
    decline: async (id) => {
      sim.decline(id);
    },
    resendEvent,
    waitForDeliveries,
  };
}

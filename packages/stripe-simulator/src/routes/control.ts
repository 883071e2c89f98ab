// /_sim/*: unauthenticated controls for dev and out-of-process tests (the
// shop's e2e runs talk to a simulator started by the CLI). Never part of the
// Stripe API surface, hence plain JSON errors instead of Stripe envelopes.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StripeApiError } from '../errors';
import { parseFaultPatch } from '../faults';
import type { FaultState } from '../faults';
import { SimulationStateError } from '../simulation';
import type { RouteDeps } from './api';

export interface ControlDeps extends RouteDeps {
  faults: FaultState;
  reset(): void;
  getWebhookUrl(): string | undefined;
  setWebhookUrl(url: string | undefined): void;
  resendEvent(id: string): Promise<void>;
  waitForDeliveries(): Promise<void>;
}

type IdParams = { Params: { id: string } };

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof StripeApiError) return reply.code(err.status).send({ error: err.body.message });
  if (err instanceof SimulationStateError) return reply.code(409).send({ error: err.message });
  if (err instanceof Error) return reply.code(400).send({ error: err.message });
  throw err;
}

export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  const { sim, store } = deps;

  app.get('/_sim/state', async () => ({
    webhookUrl: deps.getWebhookUrl() ?? null,
    faults: deps.faults.get(),
    sessions: sim.allSessions(),
    paymentIntents: [...store.paymentIntents.values()],
    charges: [...store.charges.values()],
    refunds: [...store.refunds.values()],
    events: [...store.events.values()].map((e) => e.event),
    deliveries: store.deliveries,
    requests: store.requests,
  }));

  app.post('/_sim/faults', async (req, reply) => {
    try {
      deps.faults.set(parseFaultPatch(req.body ?? {}));
      return { faults: deps.faults.get() };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post('/_sim/faults/reset', async () => {
    deps.faults.reset();
    return { faults: deps.faults.get() };
  });

  app.post('/_sim/faults/flush', async () => {
    await deps.faults.flush();
    return { ok: true };
  });

  app.post<IdParams>('/_sim/sessions/:id/expire', async (req, reply) => {
    try {
      return sim.expireSession(req.params.id, { requestId: null, idempotencyKey: null });
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post<IdParams & { Querystring: { async?: string } }>('/_sim/sessions/:id/pay', async (req, reply) => {
    try {
      return sim.pay(req.params.id, { async: req.query.async === '1' || req.query.async === 'true' });
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post<IdParams>('/_sim/sessions/:id/decline', async (req, reply) => {
    try {
      return sim.decline(req.params.id);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post<{ Params: { id: string; outcome: string } }>('/_sim/sessions/:id/async/:outcome', async (req, reply) => {
    const { id, outcome } = req.params;
    if (outcome !== 'succeeded' && outcome !== 'failed') {
      return reply.code(404).send({ error: 'outcome must be succeeded or failed' });
    }
    try {
      return sim.completeAsyncPayment(id, outcome);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post<IdParams>('/_sim/events/:id/resend', async (req, reply) => {
    try {
      await deps.resendEvent(req.params.id);
      return { ok: true };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post('/_sim/webhook-url', async (req, reply) => {
    const body = req.body as { url?: unknown } | undefined;
    const url = body?.url;
    if (url !== null && url !== undefined && typeof url !== 'string') {
      return reply.code(400).send({ error: 'url must be a string or null' });
    }
    deps.setWebhookUrl(typeof url === 'string' && url !== '' ? url : undefined);
    return { webhookUrl: deps.getWebhookUrl() ?? null };
  });

  app.post('/_sim/deliveries/wait', async () => {
    await deps.waitForDeliveries();
    return { ok: true };
  });

  app.post('/_sim/reset', async () => {
    deps.reset();
    return { ok: true };
  });
}

// The hosted checkout page a shopper's browser opens at session.url. No API
// key: like checkout.stripe.com it is public, the session id is the secret.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { renderCheckoutPage, renderMessagePage } from '../hosted-page';
import { SimulationStateError } from '../simulation';
import type { ShippingDetails } from '../types';
import type { RouteDeps } from './api';

type IdParams = { Params: { id: string }; Querystring: Record<string, unknown> };

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** The address fields of the hosted page's form (`shipping[...]`), when they were sent. */
function shippingFromForm(body: unknown): ShippingDetails | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const form = body as Record<string, unknown>;
  const field = (name: string) => {
    const value = form[`shipping_${name}`];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
  };
  if (!field('name') && !field('line1')) return undefined;
  return {
    name: field('name') ?? '',
    address: {
      line1: field('line1'),
      line2: field('line2'),
      city: field('city'),
      postal_code: field('postal_code'),
      state: field('state'),
      country: field('country')?.toUpperCase() ?? null,
    },
  };
}

function isAsyncRequest(query: unknown, body: unknown): boolean {
  const pick = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>).async : undefined);
  const flag = pick(query) ?? pick(body);
  return flag === '1' || flag === 'true' || flag === true;
}

export function registerHostedCheckoutRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { sim } = deps;

  const notFound = (reply: FastifyReply, id: string) =>
    html(reply, 404, renderMessagePage('Checkout not found', `There is no Checkout Session ${id}.`));

  const conflict = (reply: FastifyReply, err: unknown) => {
    if (err instanceof SimulationStateError) {
      return html(reply, 409, renderMessagePage('This checkout cannot be paid', err.message));
    }
    throw err;
  };

  app.get<IdParams>('/checkout/:id', async (req, reply) => {
    const record = sim.findSessionRecord(req.params.id);
    if (!record) return notFound(reply, req.params.id);
    return html(reply, 200, renderCheckoutPage(record.session, record.lineItems));
  });

  app.post<IdParams>('/checkout/:id/pay', async (req, reply) => {
    if (!sim.findSessionRecord(req.params.id)) return notFound(reply, req.params.id);
    try {
      const shipping = shippingFromForm(req.body);
      const session = sim.pay(req.params.id, {
        async: isAsyncRequest(req.query, req.body),
        ...(shipping ? { shipping } : {}),
      });
      // Stripe substitutes the template variable in success_url.
      const target = session.success_url
        ? session.success_url.split('{CHECKOUT_SESSION_ID}').join(session.id)
        : `/checkout/${encodeURIComponent(session.id)}`;
      return reply.redirect(target, 303);
    } catch (err) {
      return conflict(reply, err);
    }
  });

  app.post<IdParams>('/checkout/:id/decline', async (req, reply) => {
    if (!sim.findSessionRecord(req.params.id)) return notFound(reply, req.params.id);
    try {
      const pi = sim.decline(req.params.id);
      const record = sim.findSessionRecord(req.params.id);
      if (!record) return notFound(reply, req.params.id);
      return html(
        reply,
        200,
        renderCheckoutPage(record.session, record.lineItems, {
          error: pi.last_payment_error?.message ?? 'Your card was declined.',
        }),
      );
    } catch (err) {
      return conflict(reply, err);
    }
  });

  // Leaving checkout: Stripe sends no event and the session stays open until it expires.
  app.post<IdParams>('/checkout/:id/cancel', async (req, reply) => {
    const record = sim.findSessionRecord(req.params.id);
    if (!record) return notFound(reply, req.params.id);
    const target = record.session.cancel_url ?? `/checkout/${encodeURIComponent(record.session.id)}`;
    return reply.redirect(target, 303);
  });
}

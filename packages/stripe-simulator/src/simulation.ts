// The simulated Stripe account: every state change (session created, paid,
// declined, expired, refunded) goes through here, whether it was triggered by
// the API, the hosted checkout page, a control route or a test helper, so all
// entry points emit the same events.
import type { CheckoutSessionInput } from './checkout-session-params';
import { formatAmount } from './currency';
import { invalidParam, invalidRequest, resourceMissing } from './errors';
import { applyExpand } from './expand';
import type { ExpandResolver } from './expand';
import type { FaultState } from './faults';
import type { Params } from './form';
import { newId, nowSeconds, randomToken } from './ids';
import type { RefundInput } from './refund-params';
import type { SessionRecord, Store } from './state';
import type {
  Charge,
  CheckoutSession,
  LineItem,
  PaymentIntent,
  Refund,
  StripeEvent,
  StripeEventType,
  StripeObject,
} from './types';
import type { WebhookDeliverer } from './webhooks/deliverer';

/** The API version stamped on events (the simulator has one fixed shape). */
export const EVENT_API_VERSION = '2025-09-30.clover';

/** Who caused a change: an API request, or nobody (hosted page, Stripe itself). */
export interface RequestContext {
  requestId: string | null;
  idempotencyKey: string | null;
}

export const NO_REQUEST: RequestContext = Object.freeze({ requestId: null, idempotencyKey: null });

/** A state transition that is not allowed (paying a completed session, ...). Not a Stripe API error. */
export class SimulationStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimulationStateError';
  }
}

export interface ListObject<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export interface SimulationDeps {
  store: Store;
  deliverer: WebhookDeliverer;
  faults: FaultState;
  getPublicUrl(): string;
  hasWebhookUrl(): boolean;
}

export class Simulation {
  constructor(private readonly deps: SimulationDeps) {}

  private get store(): Store {
    return this.deps.store;
  }

  // ---------------------------------------------------------------- sessions

  createSession(input: CheckoutSessionInput): CheckoutSession {
    const id = newId('cs_test');
    const created = nowSeconds();
    const lineItems: LineItem[] = input.lineItems.map((item) => {
      const subtotal = item.unitAmount * item.quantity;
      return {
        id: newId('li'),
        object: 'item',
        amount_discount: 0,
        amount_subtotal: subtotal,
        amount_tax: 0,
        amount_total: subtotal,
        currency: item.currency,
        description: item.name,
        price: {
          id: newId('price'),
          object: 'price',
          active: false, // inline price_data prices are archived immediately on Stripe
          currency: item.currency,
          livemode: false,
          product: newId('prod'),
          type: 'one_time',
          unit_amount: item.unitAmount,
          unit_amount_decimal: String(item.unitAmount),
        },
        quantity: item.quantity,
      };
    });
    const total = lineItems.reduce((sum, li) => sum + li.amount_total, 0);
    const session: CheckoutSession = {
      id,
      object: 'checkout.session',
      after_expiration: null,
      allow_promotion_codes: input.allowPromotionCodes,
      amount_subtotal: total,
      amount_total: total,
      automatic_tax: { enabled: false, liability: null, status: null },
      billing_address_collection: input.billingAddressCollection,
      cancel_url: input.cancelUrl,
      client_reference_id: input.clientReferenceId,
      client_secret: null,
      created,
      currency: input.currency,
      customer: input.customer,
      customer_creation: input.customer ? null : 'if_required',
      customer_details: null,
      customer_email: input.customerEmail,
      expires_at: input.expiresAt,
      invoice: null,
      livemode: false,
      locale: input.locale,
      metadata: input.metadata,
      mode: 'payment',
      payment_intent: null,
      payment_link: null,
      payment_method_types: input.paymentMethodTypes,
      payment_status: 'unpaid',
      status: 'open',
      submit_type: input.submitType,
      subscription: null,
      success_url: input.successUrl,
      total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
      ui_mode: 'hosted',
      url: `${this.deps.getPublicUrl()}/checkout/${id}`,
    };
    const record: SessionRecord = {
      session,
      lineItems,
      paymentIntentData: input.paymentIntentData,
      expiryTimer: null,
    };
    this.store.sessions.set(id, record);
    this.scheduleExpiry(record);
    return session;
  }

  /** Stripe expires sessions by itself; a timer does it here, backed by a lazy check on every access. */
  private scheduleExpiry(record: SessionRecord): void {
    const ms = record.session.expires_at * 1000 - Date.now() + 5;
    record.expiryTimer = setTimeout(
      () => {
        record.expiryTimer = null;
        this.expireIfDue(record);
      },
      Math.max(0, ms),
    );
    record.expiryTimer.unref(); // never keep a test process or the CLI alive
  }

  private expireIfDue(record: SessionRecord): void {
    if (record.session.status === 'open' && nowSeconds() >= record.session.expires_at) {
      this.markExpired(record, NO_REQUEST);
    }
  }

  /** The session record, after applying a due expiry. Throws resource_missing for unknown ids. */
  sessionRecord(id: string, param = 'session'): SessionRecord {
    const record = this.store.sessions.get(id);
    if (!record) throw resourceMissing('checkout.session', id, param);
    this.expireIfDue(record);
    return record;
  }

  findSessionRecord(id: string): SessionRecord | undefined {
    const record = this.store.sessions.get(id);
    if (record) this.expireIfDue(record);
    return record;
  }

  allSessions(): CheckoutSession[] {
    for (const record of this.store.sessions.values()) this.expireIfDue(record);
    return [...this.store.sessions.values()].map((r) => structuredClone(r.session));
  }

  lineItemList(record: SessionRecord): ListObject<LineItem> {
    return {
      object: 'list',
      data: structuredClone(record.lineItems),
      has_more: false,
      url: `/v1/checkout/sessions/${record.session.id}/line_items`,
    };
  }

  /** `POST /v1/checkout/sessions/:id/expire` and `expireSession()`. */
  expireSession(id: string, ctx: RequestContext): CheckoutSession {
    const record = this.sessionRecord(id);
    if (record.session.status !== 'open') {
      throw invalidRequest(
        `Only Checkout Sessions with a status of \`open\` can be expired. This Checkout Session has a status of \`${record.session.status}\`.`,
      );
    }
    this.markExpired(record, ctx);
    return structuredClone(record.session);
  }

  private markExpired(record: SessionRecord, ctx: RequestContext): void {
    const { session } = record;
    this.clearExpiryTimer(record);
    session.status = 'expired';
    session.url = null;
    // A PaymentIntent left over from declined attempts is canceled with the session.
    const pi = session.payment_intent ? this.store.paymentIntents.get(session.payment_intent) : undefined;
    if (pi && pi.status === 'requires_payment_method') {
      pi.status = 'canceled';
      pi.canceled_at = nowSeconds();
      pi.cancellation_reason = 'abandoned';
    }
    this.emit('checkout.session.expired', session, ctx);
  }

  private clearExpiryTimer(record: SessionRecord): void {
    if (record.expiryTimer) clearTimeout(record.expiryTimer);
    record.expiryTimer = null;
  }

  private requireOpen(id: string): SessionRecord {
    const record = this.store.sessions.get(id);
    if (!record) throw new SimulationStateError(`No such checkout session: ${id}`);
    this.expireIfDue(record);
    if (record.session.status !== 'open') {
      throw new SimulationStateError(`Checkout Session ${id} is ${record.session.status}, it can no longer be paid.`);
    }
    return record;
  }

  /** The session's PaymentIntent, created at the first payment attempt (as Stripe does since 2022-08-01). */
  private paymentIntentFor(record: SessionRecord): PaymentIntent {
    const { session } = record;
    const existing = session.payment_intent ? this.store.paymentIntents.get(session.payment_intent) : undefined;
    if (existing) return existing;
    const id = newId('pi');
    const pi: PaymentIntent = {
      id,
      object: 'payment_intent',
      amount: session.amount_total,
      amount_capturable: 0,
      amount_received: 0,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: 'automatic_async',
      client_secret: `${id}_secret_${randomToken(24)}`,
      confirmation_method: 'automatic',
      created: nowSeconds(),
      currency: session.currency,
      customer: session.customer,
      description: record.paymentIntentData.description,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      // Deliberately merged (Stripe itself only copies payment_intent_data.metadata):
      // the shop finds its order from PaymentIntent/charge events via this metadata.
      metadata: { ...session.metadata, ...record.paymentIntentData.metadata },
      payment_method: null,
      payment_method_types: ['card'],
      receipt_email: session.customer_email,
      status: 'requires_payment_method',
    };
    this.store.paymentIntents.set(id, pi);
    session.payment_intent = id;
    return pi;
  }

  private newCharge(pi: PaymentIntent, status: Charge['status'], paymentMethod: string): Charge {
    const charge: Charge = {
      id: newId('ch'),
      object: 'charge',
      amount: pi.amount,
      amount_captured: status === 'succeeded' ? pi.amount : 0,
      amount_refunded: 0,
      balance_transaction: status === 'succeeded' ? newId('txn') : null,
      captured: status === 'succeeded',
      created: nowSeconds(),
      currency: pi.currency,
      description: pi.description,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: { ...pi.metadata },
      outcome:
        status === 'failed'
          ? null
          : {
              network_status: 'approved_by_network',
              reason: null,
              risk_level: 'normal',
              seller_message: 'Payment complete.',
              type: 'authorized',
            },
      paid: status === 'succeeded',
      payment_intent: pi.id,
      payment_method: paymentMethod,
      receipt_url: null,
      refunded: false,
      status,
    };
    this.store.charges.set(charge.id, charge);
    pi.latest_charge = charge.id;
    pi.payment_method = paymentMethod;
    return charge;
  }

  /** Clicking Pay on the hosted page; `async` = a delayed payment method (bank transfer). */
  pay(id: string, opts: { async?: boolean } = {}): CheckoutSession {
    const record = this.requireOpen(id);
    const { session } = record;
    const pi = this.paymentIntentFor(record);
    const isAsync = opts.async === true;
    pi.payment_method_types = isAsync ? ['us_bank_account'] : ['card'];
    this.newCharge(pi, isAsync ? 'pending' : 'succeeded', newId('pm'));
    pi.status = isAsync ? 'processing' : 'succeeded';
    pi.amount_received = isAsync ? 0 : pi.amount;
    pi.last_payment_error = null;

    this.clearExpiryTimer(record);
    session.status = 'complete';
    session.payment_status = isAsync ? 'unpaid' : 'paid';
    session.url = null;
    session.customer_details = {
      email: session.customer_email ?? 'shopper@example.com',
      name: 'Simulated Shopper',
      phone: null,
      address: null,
      tax_exempt: 'none',
      tax_ids: [],
    };
    this.emit('checkout.session.completed', session, NO_REQUEST);
    return structuredClone(session);
  }

  /** Paying with a card the issuer declines: the PaymentIntent fails, the session stays open for another try. */
  decline(id: string): PaymentIntent {
    const record = this.requireOpen(id);
    const pi = this.paymentIntentFor(record);
    const charge = this.newCharge(pi, 'failed', newId('pm'));
    charge.failure_code = 'card_declined';
    charge.failure_message = 'Your card was declined.';
    charge.outcome = {
      network_status: 'declined_by_network',
      reason: 'generic_decline',
      risk_level: 'normal',
      seller_message: 'The bank did not return any further details with this decline.',
      type: 'issuer_declined',
    };
    pi.status = 'requires_payment_method';
    pi.payment_method = null; // Stripe detaches the failed payment method
    pi.last_payment_error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
      charge: charge.id,
    };
    this.emit('payment_intent.payment_failed', pi, NO_REQUEST);
    return structuredClone(pi);
  }

  /** The delayed payment of an async checkout settles (bank transfer arrives or bounces). */
  completeAsyncPayment(id: string, outcome: 'succeeded' | 'failed'): CheckoutSession {
    const record = this.store.sessions.get(id);
    if (!record) throw new SimulationStateError(`No such checkout session: ${id}`);
    const { session } = record;
    const pi = session.payment_intent ? this.store.paymentIntents.get(session.payment_intent) : undefined;
    if (session.status !== 'complete' || !pi || pi.status !== 'processing') {
      throw new SimulationStateError(`Checkout Session ${id} has no delayed payment in progress.`);
    }
    const charge = pi.latest_charge ? this.store.charges.get(pi.latest_charge) : undefined;
    if (outcome === 'succeeded') {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      if (charge) {
        charge.status = 'succeeded';
        charge.paid = true;
        charge.captured = true;
        charge.amount_captured = charge.amount;
        charge.balance_transaction = newId('txn');
      }
      session.payment_status = 'paid';
      this.emit('checkout.session.async_payment_succeeded', session, NO_REQUEST);
    } else {
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      pi.last_payment_error = {
        type: 'invalid_request_error',
        code: 'payment_method_provider_decline',
        message: 'The bank transfer failed: the customer account has insufficient funds.',
        ...(charge ? { charge: charge.id } : {}),
      };
      if (charge) {
        charge.status = 'failed';
        charge.failure_code = 'insufficient_funds';
        charge.failure_message = 'The customer account has insufficient funds to cover this payment.';
      }
      this.emit('payment_intent.payment_failed', pi, NO_REQUEST);
      this.emit('checkout.session.async_payment_failed', session, NO_REQUEST);
    }
    return structuredClone(session);
  }

  // ----------------------------------------------------------------- refunds

  refund(input: RefundInput, ctx: RequestContext): Refund {
    let pi: PaymentIntent | undefined;
    let charge: Charge | undefined;
    if (input.paymentIntent !== null) {
      pi = this.store.paymentIntents.get(input.paymentIntent);
      if (!pi) throw resourceMissing('payment_intent', input.paymentIntent, 'payment_intent');
      charge = pi.latest_charge ? this.store.charges.get(pi.latest_charge) : undefined;
    }
    if (input.charge !== null) {
      const byCharge = this.store.charges.get(input.charge);
      if (!byCharge) throw resourceMissing('charge', input.charge, 'charge');
      if (pi && byCharge.payment_intent !== pi.id) {
        throw invalidParam('charge', `Charge ${byCharge.id} does not belong to PaymentIntent ${pi.id}.`);
      }
      charge = byCharge;
      pi = this.store.paymentIntents.get(byCharge.payment_intent);
    }
    if (!pi || !charge || charge.status !== 'succeeded') {
      const what = pi ? `This PaymentIntent (${pi.id})` : `This charge`;
      throw invalidRequest(`${what} does not have a successful charge to refund.`, {
        param: input.paymentIntent !== null ? 'payment_intent' : 'charge',
      });
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) {
      throw invalidRequest(`Charge ${charge.id} has already been refunded.`, { code: 'charge_already_refunded' });
    }
    const amount = input.amount ?? remaining;
    if (amount > remaining) {
      throw invalidRequest(
        `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
        { code: 'amount_too_large', param: 'amount' },
      );
    }
    const refund: Refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      balance_transaction: newId('txn'),
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      metadata: input.metadata,
      payment_intent: pi.id,
      reason: input.reason,
      receipt_number: null,
      status: 'succeeded',
    };
    this.store.refunds.set(refund.id, refund);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    this.emit('charge.refunded', charge, ctx, previous);
    this.emit('refund.created', refund, ctx);
    return structuredClone(refund);
  }

  // ------------------------------------------------------------------ events

  /**
   * Records an event (a snapshot of the object at this moment) and hands it to
   * the deliverer. Delivery is always asynchronous, so callers never wait on
   * the webhook endpoint.
   */
  emit(
    type: StripeEventType,
    object: StripeObject,
    ctx: RequestContext,
    previous?: Record<string, unknown>,
  ): StripeEvent {
    const snapshot = structuredClone(object);
    const override = this.deps.faults.get().amountTotalOverride;
    if (override !== null && snapshot.object === 'checkout.session') snapshot.amount_total = override;
    const event: StripeEvent = {
      id: newId('evt'),
      object: 'event',
      api_version: EVENT_API_VERSION,
      created: nowSeconds(),
      data: previous ? { object: snapshot, previous_attributes: previous } : { object: snapshot },
      livemode: false,
      pending_webhooks: this.deps.hasWebhookUrl() ? 1 : 0,
      request: { id: ctx.requestId, idempotency_key: ctx.idempotencyKey },
      type,
    };
    // Stripe sends pretty-printed JSON; these exact bytes are signed and sent.
    const payload = JSON.stringify(event, null, 2);
    this.store.events.set(event.id, { event, payload });
    this.deps.deliverer.enqueue({ event, payload });
    return structuredClone(event);
  }

  // ----------------------------------------------------------------- reading

  get expandResolver(): ExpandResolver {
    return {
      byId: (id) =>
        this.store.paymentIntents.get(id) ??
        this.store.charges.get(id) ??
        this.store.refunds.get(id) ??
        this.findSessionRecord(id)?.session,
      special: (owner, field) => {
        if (owner.object === 'checkout.session' && field === 'line_items' && typeof owner.id === 'string') {
          const record = this.store.sessions.get(owner.id);
          return record ? this.lineItemList(record) : undefined;
        }
        return undefined;
      },
    };
  }

  expand<T extends object>(obj: T, expand: readonly string[]): T | Params {
    return expand.length === 0 ? structuredClone(obj) : applyExpand(obj, expand, this.expandResolver);
  }
}

// The simulated Stripe account: every state change (session created, paid,
// declined, expired, refunded) goes through here, whether it was triggered by
// the API, the hosted checkout page, a control route or a test helper, so all
// entry points emit the same events.
import type { CheckoutSessionInput } from './checkout-session-params';
import { formatAmount } from './currency';
import { invalidParam, invalidRequest, resourceMissing } from './errors';
import { EventBatch } from './events';
import type { EventSinkDeps } from './events';
import { applyExpand } from './expand';
import type { ExpandResolver } from './expand';
import type { Params } from './form';
import { newId, nowSeconds } from './ids';
import { buildCharge } from './objects/charge';
import type { PaymentMethodKind } from './objects/charge';
import { buildCheckoutSession, buildLineItem, shopperDetails } from './objects/checkout-session';
import { bankTransferOptions, buildPaymentIntent, cardOptions } from './objects/payment-intent';
import { buildRefund } from './objects/refund';
import type { RefundInput } from './refund-params';
import { NO_REQUEST } from './request-context';
import type { RequestContext } from './request-context';
import type { SessionRecord, Store } from './state';
import type { Charge, CheckoutSession, LineItem, PaymentIntent, Refund, ShippingDetails } from './types';

export { SIMULATED_API_VERSION } from './objects/api-version';
export { NO_REQUEST };
export type { RequestContext };

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

export interface SimulationDeps extends EventSinkDeps {
  getPublicUrl(): string;
}

/** The id of an expandable field (the simulator always stores ids, never expanded objects). */
export function idOf(value: string | { id: string } | null): string | null {
  return typeof value === 'string' || value === null ? value : value.id;
}

export class Simulation {
  constructor(private readonly deps: SimulationDeps) {}

  private get store(): Store {
    return this.deps.store;
  }

  private batch(ctx: RequestContext): EventBatch {
    return new EventBatch(this.deps, ctx);
  }

  // ---------------------------------------------------------------- sessions

  createSession(input: CheckoutSessionInput): CheckoutSession {
    const id = newId('cs_test');
    const created = nowSeconds();
    const lineItems: LineItem[] = input.lineItems.map((item) => buildLineItem(item, created));
    const total = lineItems.reduce((sum, li) => sum + li.amount_total, 0);
    const session = buildCheckoutSession({
      id,
      created,
      input,
      amountTotal: total,
      url: `${this.deps.getPublicUrl()}/checkout/${id}`,
    });
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
    const events = this.batch(ctx);
    this.clearExpiryTimer(record);
    session.status = 'expired';
    session.url = null;
    // A PaymentIntent left over from declined attempts is canceled with the session.
    const pi = this.paymentIntentOf(session);
    if (pi && pi.status === 'requires_payment_method') {
      pi.status = 'canceled';
      pi.canceled_at = nowSeconds();
      pi.cancellation_reason = 'abandoned';
      events.add('payment_intent.canceled', pi);
    }
    events.add('checkout.session.expired', session);
    events.emit();
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

  private paymentIntentOf(session: CheckoutSession): PaymentIntent | undefined {
    const id = idOf(session.payment_intent);
    return id ? this.store.paymentIntents.get(id) : undefined;
  }

  private latestChargeOf(pi: PaymentIntent): Charge | undefined {
    const id = idOf(pi.latest_charge);
    return id ? this.store.charges.get(id) : undefined;
  }

  /** The session's PaymentIntent, created at the first payment attempt (as Stripe does since 2022-08-01). */
  private paymentIntentFor(record: SessionRecord, events: EventBatch): PaymentIntent {
    const { session } = record;
    const existing = this.paymentIntentOf(session);
    if (existing) return existing;
    const pi = buildPaymentIntent({
      amount: session.amount_total ?? 0,
      currency: session.currency ?? 'usd',
      customer: idOf(session.customer),
      description: record.paymentIntentData.description,
      // Only payment_intent_data.metadata: Stripe leaves the session's metadata on the session.
      metadata: record.paymentIntentData.metadata,
      receiptEmail: session.customer_email,
    });
    this.store.paymentIntents.set(pi.id, pi);
    session.payment_intent = pi.id;
    events.add('payment_intent.created', pi);
    return pi;
  }

  private newCharge(
    pi: PaymentIntent,
    status: Charge['status'],
    kind: PaymentMethodKind,
    email: string | null,
  ): Charge {
    const paymentMethod = newId('pm');
    const charge = buildCharge({ pi, status, kind, paymentMethod, billingEmail: email });
    this.store.charges.set(charge.id, charge);
    pi.latest_charge = charge.id;
    pi.payment_method = paymentMethod;
    pi.payment_method_types = [kind];
    pi.payment_method_options = kind === 'card' ? cardOptions() : bankTransferOptions();
    return charge;
  }

  /**
   * The charge's balance transaction is attached after the charge succeeded; Stripe announces it
   * with `charge.updated`.
   */
  private settle(charge: Charge, events: EventBatch): void {
    charge.balance_transaction = newId('txn');
    events.add('charge.updated', charge, { balance_transaction: null });
  }

  /** Clicking Pay on the hosted page; `async` = a delayed payment method (US bank account debit). */
  pay(id: string, opts: { async?: boolean; shipping?: ShippingDetails } = {}): CheckoutSession {
    const record = this.requireOpen(id);
    const { session } = record;
    const shipping = this.shippingDetailsFor(session, opts.shipping);
    const events = this.batch(NO_REQUEST);
    const pi = this.paymentIntentFor(record, events);
    const isAsync = opts.async === true;
    const email = session.customer_email ?? 'shopper@example.com';
    const charge = this.newCharge(pi, isAsync ? 'pending' : 'succeeded', isAsync ? 'us_bank_account' : 'card', email);
    pi.last_payment_error = null;
    if (isAsync) {
      pi.status = 'processing';
      events.add('payment_intent.processing', pi);
      events.add('charge.pending', charge);
    } else {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      events.add('charge.succeeded', charge);
      events.add('payment_intent.succeeded', pi);
    }

    this.clearExpiryTimer(record);
    session.status = 'complete';
    session.payment_status = isAsync ? 'unpaid' : 'paid';
    session.url = null;
    session.customer_details = shopperDetails(session.customer_email);
    if (shipping) session.collected_information = { business_name: null, individual_name: null, shipping_details: shipping };
    events.add('checkout.session.completed', session);
    if (!isAsync) this.settle(charge, events);
    events.emit();
    return structuredClone(session);
  }

  /**
   * The address the shopper entered when the session collects one: Stripe's page only lets a
   * country of `allowed_countries` be chosen. Without one given (a programmatic pay), a test
   * address in the first allowed country.
   */
  private shippingDetailsFor(session: CheckoutSession, given: ShippingDetails | undefined): ShippingDetails | null {
    const allowed: readonly string[] | undefined = session.shipping_address_collection?.allowed_countries;
    if (!allowed) return null;
    const details = given ?? {
      name: 'Simulated Shopper',
      address: { line1: '1 Test Street', line2: null, city: 'Testville', postal_code: '12345', state: null, country: allowed[0] ?? 'US' },
    };
    const { address } = details;
    if (!details.name || !address.line1 || !address.city || !address.postal_code || !address.country) {
      throw new SimulationStateError('Enter a complete shipping address: name, street, city, postal code and country.');
    }
    if (!allowed.includes(address.country)) {
      throw new SimulationStateError(`We do not ship to ${address.country}; choose one of ${allowed.join(', ')}.`);
    }
    return structuredClone(details);
  }

  /** Paying with a card the issuer declines: the PaymentIntent fails, the session stays open for another try. */
  decline(id: string): PaymentIntent {
    const record = this.requireOpen(id);
    const events = this.batch(NO_REQUEST);
    const pi = this.paymentIntentFor(record, events);
    const charge = this.newCharge(pi, 'failed', 'card', record.session.customer_email);
    charge.failure_code = 'card_declined';
    charge.failure_message = 'Your card was declined.';
    pi.status = 'requires_payment_method';
    pi.payment_method = null; // Stripe detaches the failed payment method
    pi.last_payment_error = {
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
      charge: charge.id,
      doc_url: 'https://stripe.com/docs/error-codes/card-declined',
    };
    events.add('charge.failed', charge);
    events.add('payment_intent.payment_failed', pi);
    events.emit();
    return structuredClone(pi);
  }

  /** The delayed payment of an async checkout settles (bank debit arrives or bounces). */
  completeAsyncPayment(id: string, outcome: 'succeeded' | 'failed'): CheckoutSession {
    const record = this.store.sessions.get(id);
    if (!record) throw new SimulationStateError(`No such checkout session: ${id}`);
    const { session } = record;
    const pi = this.paymentIntentOf(session);
    if (session.status !== 'complete' || !pi || pi.status !== 'processing') {
      throw new SimulationStateError(`Checkout Session ${id} has no delayed payment in progress.`);
    }
    const events = this.batch(NO_REQUEST);
    const charge = this.latestChargeOf(pi);
    if (outcome === 'succeeded') {
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      if (charge) {
        charge.status = 'succeeded';
        charge.paid = true;
        charge.captured = true;
        charge.amount_captured = charge.amount;
        events.add('charge.succeeded', charge);
        this.settle(charge, events);
      }
      events.add('payment_intent.succeeded', pi);
      session.payment_status = 'paid';
      events.add('checkout.session.async_payment_succeeded', session);
    } else {
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      pi.last_payment_error = {
        type: 'invalid_request_error',
        code: 'payment_method_provider_decline',
        message: 'The customer account has insufficient funds to cover this payment.',
        payment_method_type: 'us_bank_account',
        ...(charge ? { charge: charge.id } : {}),
      };
      if (charge) {
        charge.status = 'failed';
        charge.failure_code = 'insufficient_funds';
        charge.failure_message = 'The customer account has insufficient funds to cover this payment.';
        events.add('charge.failed', charge);
      }
      events.add('payment_intent.payment_failed', pi);
      events.add('checkout.session.async_payment_failed', session);
    }
    events.emit();
    return structuredClone(session);
  }

  // ----------------------------------------------------------------- refunds

  refund(input: RefundInput, ctx: RequestContext): Refund {
    let pi: PaymentIntent | undefined;
    let charge: Charge | undefined;
    if (input.paymentIntent !== null) {
      pi = this.store.paymentIntents.get(input.paymentIntent);
      if (!pi) throw resourceMissing('payment_intent', input.paymentIntent, 'payment_intent');
      charge = this.latestChargeOf(pi);
    }
    if (input.charge !== null) {
      const byCharge = this.store.charges.get(input.charge);
      if (!byCharge) throw resourceMissing('charge', input.charge, 'charge');
      const owner = idOf(byCharge.payment_intent);
      if (pi && owner !== pi.id) {
        throw invalidParam('charge', `Charge ${byCharge.id} does not belong to PaymentIntent ${pi.id}.`);
      }
      charge = byCharge;
      pi = owner ? this.store.paymentIntents.get(owner) : undefined;
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
    const refund = buildRefund({
      charge,
      paymentIntentId: pi.id,
      amount,
      metadata: input.metadata,
      reason: input.reason,
    });
    this.store.refunds.set(refund.id, refund);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    const events = this.batch(ctx);
    events.add('charge.refunded', charge, previous);
    events.add('refund.created', refund);
    events.emit();
    return structuredClone(refund);
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

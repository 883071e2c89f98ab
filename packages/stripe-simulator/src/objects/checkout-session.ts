// Checkout Session and line item objects, with the values Stripe documents for a hosted,
// one-time card payment (no tax, shipping, discounts, custom fields or invoice).
import type { CheckoutSessionInput, LineItemInput } from '../checkout-session-params';
import { newId } from '../ids';
import { asAllowedCountries, type CheckoutSession, type CustomerDetails, type LineItem } from '../types';

export function buildLineItem(item: LineItemInput, created: number): LineItem {
  const subtotal = item.unitAmount * item.quantity;
  return {
    id: newId('li'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: subtotal,
    amount_tax: 0,
    amount_total: subtotal,
    currency: item.currency,
    description: item.name,
    metadata: {},
    price: {
      id: newId('price'),
      object: 'price',
      active: false, // inline price_data prices are archived immediately on Stripe
      billing_scheme: 'per_unit',
      created,
      currency: item.currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: null,
      product: newId('prod'),
      recurring: null,
      tax_behavior: 'unspecified',
      tiers_mode: null,
      transform_quantity: null,
      type: 'one_time',
      unit_amount: item.unitAmount,
      unit_amount_decimal: String(item.unitAmount),
    },
    quantity: item.quantity,
  } satisfies LineItem;
}

export function buildCheckoutSession(args: {
  id: string;
  created: number;
  input: CheckoutSessionInput;
  amountTotal: number;
  url: string;
}): CheckoutSession {
  const { id, created, input, amountTotal, url } = args;
  // One flat rate at most (the first shipping option), chosen for the shopper, included in the total.
  const shipping = input.shippingRate?.amount ?? 0;
  return {
    id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: input.allowPromotionCodes,
    allowed_payment_method_types: null,
    amount_subtotal: amountTotal,
    amount_total: amountTotal + shipping,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: input.billingAddressCollection,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: null, // only embedded/custom ui modes get one
    collected_information: null,
    consent: null,
    consent_collection: null,
    created,
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: input.customer,
    customer_account: null,
    customer_creation: input.customer ? null : 'if_required',
    customer_details: null,
    customer_email: input.customerEmail,
    discounts: [],
    expires_at: input.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: {
      enabled: false,
      invoice_data: {
        account_tax_ids: null,
        custom_fields: null,
        description: null,
        footer: null,
        issuer: null,
        metadata: {},
        rendering_options: null,
      },
    },
    livemode: false,
    locale: input.locale,
    managed_payments: null,
    // The session's own metadata stays on the session; only payment_intent_data.metadata is
    // copied to the PaymentIntent (and from there to its charges).
    metadata: input.metadata,
    mode: 'payment',
    origin_context: null,
    payment_intent: null, // created at the first payment attempt
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null, // explicit payment_method_types, no configuration
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: input.paymentMethodTypes,
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: input.shippingCountries
      ? { allowed_countries: asAllowedCountries(input.shippingCountries) }
      : null,
    shipping_cost: input.shippingRate
      ? { amount_subtotal: shipping, amount_tax: 0, amount_total: shipping, shipping_rate: newId('shr') }
      : null,
    shipping_options: [],
    status: 'open',
    submit_type: input.submitType,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: shipping, amount_tax: 0 },
    ui_mode: 'hosted_page',
    url,
    wallet_options: null,
  } satisfies CheckoutSession;
}

/** What the hosted page collects from the shopper. */
export function shopperDetails(email: string | null): CustomerDetails {
  return {
    address: null,
    business_name: null,
    email: email ?? 'shopper@example.com',
    individual_name: null,
    name: 'Simulated Shopper',
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  } satisfies CustomerDetails;
}

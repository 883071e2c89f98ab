// Validation of `POST /v1/checkout/sessions`, mirroring the checks (and the
// error codes/params) Stripe applies, so the shop's error handling is
// exercised offline with the same inputs that would fail in production.
import { SUPPORTED_CURRENCIES } from './currency';
import { invalidParam, missingParam } from './errors';
import {
  integerInRange,
  isRecord,
  joinParam,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalList,
  optionalObject,
  optionalString,
  readMetadata,
  rejectUnknown,
  requiredInteger,
  requiredString,
} from './form';
import type { Params } from './form';
import { nowSeconds } from './ids';
import type { CheckoutSession, Metadata } from './types';

export interface LineItemInput {
  name: string;
  description: string | null;
  images: string[];
  productMetadata: Metadata;
  currency: string;
  unitAmount: number;
  quantity: number;
}

export interface CheckoutSessionInput {
  lineItems: LineItemInput[];
  currency: string;
  successUrl: string | null;
  cancelUrl: string | null;
  metadata: Metadata;
  clientReferenceId: string | null;
  customerEmail: string | null;
  customer: string | null;
  expiresAt: number;
  locale: CheckoutSession['locale'];
  submitType: CheckoutSession['submit_type'];
  billingAddressCollection: CheckoutSession['billing_address_collection'];
  allowPromotionCodes: boolean | null;
  paymentMethodTypes: string[];
  paymentIntentData: { metadata: Metadata; description: string | null };
  /** `shipping_address_collection[allowed_countries]`; null = no address collected. */
  shippingCountries: string[] | null;
  /** The first `shipping_options[].shipping_rate_data` with a fixed amount. */
  shippingRate: { displayName: string; amount: number } | null;
}

function readShippingCountries(params: Params): string[] | null {
  const collection = optionalObject(params.shipping_address_collection, 'shipping_address_collection');
  if (!collection) return null;
  const countries = (optionalList(collection.allowed_countries, 'shipping_address_collection[allowed_countries]') ?? []).map(
    (v, i) => requiredString(v, joinParam('shipping_address_collection[allowed_countries]', i)),
  );
  if (countries.length === 0 || countries.some((c) => !/^[A-Z]{2}$/.test(c))) {
    throw invalidParam(
      'shipping_address_collection[allowed_countries]',
      'Invalid array: allowed_countries must list two-letter country codes.',
    );
  }
  return countries;
}

function readShippingRate(params: Params, currency: string): { displayName: string; amount: number } | null {
  const options = optionalList(params.shipping_options, 'shipping_options');
  if (!options || options.length === 0) return null;
  const first = options[0];
  const p = 'shipping_options[0][shipping_rate_data]';
  const data = isRecord(first) ? optionalObject(first.shipping_rate_data, p) : null;
  if (!data) throw invalidParam(p, 'The simulator only supports inline shipping_rate_data.', 'parameter_missing');
  const fixed = optionalObject(data.fixed_amount, `${p}[fixed_amount]`);
  if (!fixed) throw invalidParam(`${p}[fixed_amount]`, 'Missing required param: fixed_amount.', 'parameter_missing');
  const amount = integerInRange(optionalInteger(fixed.amount, `${p}[fixed_amount][amount]`) ?? -1, `${p}[fixed_amount][amount]`, 0, MAX_UNIT_AMOUNT);
  if (readCurrency(fixed.currency, `${p}[fixed_amount][currency]`) !== currency) {
    throw invalidParam(`${p}[fixed_amount][currency]`, 'The shipping rate currency must match the session currency.');
  }
  return { displayName: requiredString(data.display_name, `${p}[display_name]`), amount };
}

// The locales Checkout supports at the pinned API version.
const LOCALES = [
  'auto',
  'bg',
  'cs',
  'da',
  'de',
  'el',
  'en',
  'en-GB',
  'es',
  'es-419',
  'et',
  'fi',
  'fil',
  'fr',
  'fr-CA',
  'hi-IN',
  'hr',
  'hu',
  'id',
  'it',
  'ja',
  'ko',
  'lt',
  'lv',
  'ms',
  'mt',
  'nb',
  'nl',
  'pl',
  'pt',
  'pt-BR',
  'ro',
  'ru',
  'sk',
  'sl',
  'sv',
  'th',
  'tr',
  'vi',
  'zh',
  'zh-HK',
  'zh-TW',
] as const satisfies readonly NonNullable<CheckoutSession['locale']>[];

// The ui_mode values of the pinned API version (earlier versions called the hosted page `hosted`).
const UI_MODES = ['elements', 'embedded_page', 'form', 'hosted_page'] as const satisfies readonly NonNullable<
  CheckoutSession['ui_mode']
>[];

// Every top-level parameter Stripe's API accepts for this endpoint. Ones the
// simulator does not model are accepted and ignored (they would not fail on
// Stripe either); anything else is a typo and fails with parameter_unknown.
const KNOWN_PARAMS = [
  'adaptive_pricing',
  'after_expiration',
  'allow_promotion_codes',
  'automatic_tax',
  'billing_address_collection',
  'branding_settings',
  'cancel_url',
  'client_reference_id',
  'consent_collection',
  'currency',
  'custom_fields',
  'custom_text',
  'customer',
  'customer_creation',
  'customer_email',
  'customer_update',
  'discounts',
  'excluded_payment_method_types',
  'expand',
  'expires_at',
  'invoice_creation',
  'line_items',
  'locale',
  'metadata',
  'mode',
  'name_collection',
  'optional_items',
  'origin_context',
  'payment_intent_data',
  'payment_method_collection',
  'payment_method_configuration',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'permissions',
  'phone_number_collection',
  'redirect_on_completion',
  'return_url',
  'saved_payment_method_options',
  'setup_intent_data',
  'shipping_address_collection',
  'shipping_options',
  'submit_type',
  'subscription_data',
  'success_url',
  'tax_id_collection',
  'ui_mode',
  'wallet_options',
] as const;
const LINE_ITEM_PARAMS = [
  'adjustable_quantity',
  'dynamic_tax_rates',
  'metadata',
  'price',
  'price_data',
  'quantity',
  'tax_rates',
];
const PRICE_DATA_PARAMS = [
  'currency',
  'product',
  'product_data',
  'recurring',
  'tax_behavior',
  'unit_amount',
  'unit_amount_decimal',
];
const PRODUCT_DATA_PARAMS = ['description', 'images', 'metadata', 'name', 'tax_code', 'unit_label'];
const PAYMENT_INTENT_DATA_PARAMS = [
  'application_fee_amount',
  'capture_method',
  'description',
  'metadata',
  'on_behalf_of',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_data',
  'transfer_group',
];

const MAX_UNIT_AMOUNT = 99_999_999;
const MAX_QUANTITY = 999_999;
const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;
// The shop computes expires_at from its own clock just before the call; a few
// seconds of slack keeps "exactly 30 minutes" from failing on a slow request.
const EXPIRY_SLACK_SECONDS = 5;

function readCurrency(value: unknown, param: string): string {
  const raw = requiredString(value, param);
  const currency = raw.toLowerCase();
  if (!SUPPORTED_CURRENCIES.has(currency)) {
    throw invalidParam(
      param,
      `Invalid currency: ${raw}. Stripe currently supports these currencies: ${[...SUPPORTED_CURRENCIES].join(', ')}`,
      'parameter_invalid_string',
    );
  }
  return currency;
}

function readUrl(value: unknown, param: string): string | null {
  const url = optionalString(value, param);
  if (url === null) return null;
  let parsed: URL | null = null;
  try {
    parsed = new URL(url.replace('{CHECKOUT_SESSION_ID}', 'x'));
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw invalidParam(param, 'Not a valid URL', 'url_invalid');
  }
  return url;
}

function readLineItem(raw: unknown, index: number): LineItemInput {
  const p = `line_items[${index}]`;
  if (!isRecord(raw)) throw invalidParam(p, `Invalid object`);
  rejectUnknown(raw, LINE_ITEM_PARAMS, p);
  if (raw.price !== undefined && raw.price !== '') {
    // The simulator has no Prices API; catalogue prices cannot exist here.
    const id = optionalString(raw.price, `${p}[price]`);
    throw invalidParam(`${p}[price]`, `No such price: '${id}'`, 'resource_missing');
  }
  const priceData = optionalObject(raw.price_data, `${p}[price_data]`);
  if (!priceData) {
    throw invalidParam(p, `You must specify either \`price\` or \`price_data\` in ${p}.`, 'parameter_missing');
  }
  const pd = `${p}[price_data]`;
  rejectUnknown(priceData, PRICE_DATA_PARAMS, pd);
  if (priceData.recurring !== undefined && priceData.recurring !== '') {
    throw invalidParam(`${pd}[recurring]`, 'You can only set `recurring` when using `subscription` mode.');
  }
  if (priceData.product !== undefined && priceData.product !== '') {
    const id = optionalString(priceData.product, `${pd}[product]`);
    throw invalidParam(`${pd}[product]`, `No such product: '${id}'`, 'resource_missing');
  }
  const currency = readCurrency(priceData.currency, `${pd}[currency]`);
  if (priceData.unit_amount === undefined && priceData.unit_amount_decimal !== undefined) {
    throw invalidParam(`${pd}[unit_amount_decimal]`, 'The Stripe simulator only supports integer `unit_amount`.');
  }
  const unitAmount = integerInRange(
    requiredInteger(priceData.unit_amount, `${pd}[unit_amount]`),
    `${pd}[unit_amount]`,
    0,
    MAX_UNIT_AMOUNT,
  );
  const productData = optionalObject(priceData.product_data, `${pd}[product_data]`);
  if (!productData) throw missingParam(`${pd}[product_data]`);
  const prd = `${pd}[product_data]`;
  rejectUnknown(productData, PRODUCT_DATA_PARAMS, prd);
  const name = requiredString(productData.name, `${prd}[name]`);
  const images = (optionalList(productData.images, `${prd}[images]`) ?? []).map((v, i) =>
    requiredString(v, `${prd}[images][${i}]`),
  );
  if (raw.quantity === undefined) {
    throw invalidParam(`${p}[quantity]`, `Quantity is required. Add \`quantity\` to \`${p}\``, 'parameter_missing');
  }
  const quantity = integerInRange(requiredInteger(raw.quantity, `${p}[quantity]`), `${p}[quantity]`, 1, MAX_QUANTITY);
  return {
    name,
    description: optionalString(productData.description, `${prd}[description]`),
    images,
    productMetadata: readMetadata(productData.metadata, `${prd}[metadata]`),
    currency,
    unitAmount,
    quantity,
  };
}

export function parseCheckoutSessionParams(params: Params, now = nowSeconds()): CheckoutSessionInput {
  rejectUnknown(params, KNOWN_PARAMS);

  const mode = optionalString(params.mode, 'mode');
  if (mode === null) throw missingParam('mode');
  if (mode !== 'payment') {
    const msg =
      mode === 'subscription' || mode === 'setup'
        ? `The Stripe simulator only supports mode=payment, got mode=${mode}.`
        : `Invalid mode: must be one of payment, setup, or subscription`;
    throw invalidParam('mode', msg);
  }
  const uiMode = optionalEnum(params.ui_mode, 'ui_mode', UI_MODES);
  if (uiMode !== null && uiMode !== 'hosted_page') {
    throw invalidParam('ui_mode', 'The Stripe simulator only supports ui_mode=hosted_page.');
  }

  const rawItems = optionalList(params.line_items, 'line_items');
  if (!rawItems || rawItems.length === 0) throw missingParam('line_items');
  if (rawItems.length > 100) throw invalidParam('line_items', 'You can only have up to 100 line items.');
  const lineItems = rawItems.map((raw, i) => readLineItem(raw, i));

  // One session = one PaymentIntent = one currency.
  const first = lineItems[0]!;
  let currency = first.currency;
  if (params.currency !== undefined && params.currency !== '') currency = readCurrency(params.currency, 'currency');
  lineItems.forEach((item, i) => {
    if (item.currency !== currency) {
      throw invalidParam(
        `line_items[${i}][price_data][currency]`,
        `All line items must use the same currency. Line item ${i} uses ${item.currency} but the session uses ${currency}.`,
        'parameter_invalid_string',
      );
    }
  });
  const total = lineItems.reduce((sum, item) => sum + item.unitAmount * item.quantity, 0);
  if (total > MAX_UNIT_AMOUNT) {
    throw invalidParam(
      'line_items',
      `The total amount due must be no more than ${MAX_UNIT_AMOUNT} (in the currency's smallest unit).`,
      'amount_too_large',
    );
  }

  let expiresAt = now + MAX_EXPIRY_SECONDS;
  const rawExpiresAt = optionalInteger(params.expires_at, 'expires_at');
  if (rawExpiresAt !== null) {
    const ahead = rawExpiresAt - now;
    if (ahead < MIN_EXPIRY_SECONDS - EXPIRY_SLACK_SECONDS || ahead > MAX_EXPIRY_SECONDS + EXPIRY_SLACK_SECONDS) {
      throw invalidParam(
        'expires_at',
        'The `expires_at` timestamp must be at least 30 minutes and at most 24 hours after the Checkout Session is created.',
      );
    }
    expiresAt = rawExpiresAt;
  }

  const customerEmail = optionalString(params.customer_email, 'customer_email');
  if (customerEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(customerEmail)) {
    throw invalidParam('customer_email', `Invalid email address: ${customerEmail}`, 'email_invalid');
  }
  const clientReferenceId = optionalString(params.client_reference_id, 'client_reference_id');
  if (clientReferenceId !== null && clientReferenceId.length > 200) {
    throw invalidParam('client_reference_id', 'client_reference_id must be at most 200 characters.');
  }

  const pid = optionalObject(params.payment_intent_data, 'payment_intent_data') ?? {};
  rejectUnknown(pid, PAYMENT_INTENT_DATA_PARAMS, 'payment_intent_data');

  const paymentMethodTypes = (optionalList(params.payment_method_types, 'payment_method_types') ?? ['card']).map(
    (v, i) => requiredString(v, joinParam('payment_method_types', i)),
  );

  return {
    lineItems,
    currency,
    successUrl: readUrl(params.success_url, 'success_url'),
    cancelUrl: readUrl(params.cancel_url, 'cancel_url'),
    metadata: readMetadata(params.metadata, 'metadata'),
    clientReferenceId,
    customerEmail,
    customer: optionalString(params.customer, 'customer'),
    expiresAt,
    locale: optionalEnum(params.locale, 'locale', LOCALES),
    submitType: optionalEnum(params.submit_type, 'submit_type', [
      'auto',
      'book',
      'donate',
      'pay',
      'subscribe',
    ] as const),
    billingAddressCollection: optionalEnum(params.billing_address_collection, 'billing_address_collection', [
      'auto',
      'required',
    ] as const),
    allowPromotionCodes: optionalBoolean(params.allow_promotion_codes, 'allow_promotion_codes'),
    paymentMethodTypes,
    paymentIntentData: {
      metadata: readMetadata(pid.metadata, 'payment_intent_data[metadata]'),
      description: optionalString(pid.description, 'payment_intent_data[description]'),
    },
    shippingCountries: readShippingCountries(params),
    shippingRate: readShippingRate(params, currency),
  };
}

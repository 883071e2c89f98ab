// The worker reads stored Stripe events back from MongoDB. Their shape depends on the API version
// the webhook endpoint renders them in, which may differ from the version the shop pins (an
// endpoint created with another version, or events created during a pin upgrade). So instead of
// trusting the payload to be a `Stripe.Event`, this checks at run time exactly the fields the
// handlers read, per event type. An event of another version is still processed when those
// fields are there; when they are not, it cannot be processed correctly by retrying either.
import { isHandledEventType, STRIPE_API_VERSION, type HandledEventType, type Stripe } from '@simple-shop/payments';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PermanentError } from '../fulfilment/errors';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** An id, or the object when the field was expanded. */
const Expandable = Nullable(Type.Union([Type.String(), Type.Object({ id: Type.String() })]));
const Metadata = Type.Record(Type.String(), Type.String());

// What every event must carry. `api_version` only feeds the version check (Stripe has sent it on
// every event since 2014; one without it counts as another version).
const Envelope = Type.Object({
  id: Type.String(),
  type: Type.String(),
  created: Type.Integer(),
  api_version: Type.Optional(Nullable(Type.String())),
  data: Type.Object({ object: Type.Object({}) }),
});

// What handle-event.ts, complete-session.ts and the order outcomes they call read. Extend these
// when a handler starts reading another field, or the event is processed without that check.
const CheckoutSessionFields = Type.Object({
  object: Type.Literal('checkout.session'),
  id: Type.String(),
  metadata: Nullable(Metadata),
  client_reference_id: Nullable(Type.String()),
  payment_status: Type.String(),
  amount_total: Nullable(Type.Integer()),
  currency: Nullable(Type.String()),
  payment_intent: Expandable,
});
const PaymentIntentFields = Type.Object({
  object: Type.Literal('payment_intent'),
  id: Type.String(),
  metadata: Metadata,
  last_payment_error: Nullable(Type.Object({ message: Type.Optional(Type.String()) })),
});
const ChargeFields = Type.Object({
  object: Type.Literal('charge'),
  id: Type.String(),
  refunded: Type.Boolean(),
  payment_intent: Expandable,
});

const FIELDS_READ: Record<HandledEventType, TSchema> = {
  'checkout.session.completed': CheckoutSessionFields,
  'checkout.session.async_payment_succeeded': CheckoutSessionFields,
  'checkout.session.async_payment_failed': CheckoutSessionFields,
  'checkout.session.expired': CheckoutSessionFields,
  'payment_intent.payment_failed': PaymentIntentFields,
  'charge.refunded': ChargeFields,
};

// The checks must accept everything the pinned version sends: each checked shape is a supertype
// of the SDK's type of that object (this fails to compile if a field's type drifts apart).
type Accepts<Checked, Sent extends Checked> = Sent;
type _SessionFieldsFitTheSdk = Accepts<Static<typeof CheckoutSessionFields>, Stripe.Checkout.Session>;
type _PaymentIntentFieldsFitTheSdk = Accepts<Static<typeof PaymentIntentFields>, Stripe.PaymentIntent>;
type _ChargeFieldsFitTheSdk = Accepts<Static<typeof ChargeFields>, Stripe.Charge>;

export interface StoredEvent {
  /** Checked: the envelope always, and for handled types every field the handler reads. */
  event: Stripe.Event;
  apiVersion: string | null;
  /** False when Stripe rendered the event in another API version than the one pinned. */
  pinnedVersion: boolean;
}

function firstError(schema: TSchema, value: unknown): string {
  const error = Value.Errors(schema, value).First();
  return error ? `${error.path || '/'}: ${error.message}` : 'invalid';
}

export function readStoredEvent(eventId: string, payload: string): StoredEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    throw new PermanentError(`event ${eventId} payload is not JSON`);
  }
  if (!Value.Check(Envelope, parsed)) {
    throw new PermanentError(`event ${eventId} is not a Stripe event (${firstError(Envelope, parsed)})`);
  }
  const apiVersion = parsed.api_version ?? null;
  if (isHandledEventType(parsed.type)) {
    const schema = FIELDS_READ[parsed.type];
    if (!Value.Check(schema, parsed.data.object)) {
      throw new PermanentError(
        `event ${eventId} (${parsed.type}, API version ${apiVersion ?? 'unknown'}) lacks a field the worker reads: ` +
          `data.object${firstError(schema, parsed.data.object)}`,
      );
    }
  }
  // Safe now: the envelope and every field a handler reads were checked above; fields the
  // handlers do not read are not relied on.
  return { event: parsed as unknown as Stripe.Event, apiVersion, pinnedVersion: apiVersion === STRIPE_API_VERSION };
}

// Event objects: a snapshot of the object at the moment of the change, stamped with the pinned
// API version, as Stripe renders events for an endpoint created with that version.
import type Stripe from 'stripe';
import { newId, nowSeconds } from '../ids';
import type { EventObject, StripeEvent, StripeEventType } from '../types';
import { SIMULATED_API_VERSION } from './api-version';
import type { SdkShape } from './sdk-shape';

/** The fields every event type shares. */
type EventEnvelope = SdkShape<Omit<Stripe.Event, 'type' | 'data'>>;

export interface EventArgs<T extends StripeEventType> {
  type: T;
  object: EventObject<T>;
  /** The changed fields' values before the change (Stripe sends these on `*.updated` and similar). */
  previous?: Partial<EventObject<T>>;
  request: { id: string | null; idempotency_key: string | null };
  pendingWebhooks: number;
}

export function buildEvent<T extends StripeEventType>(args: EventArgs<T>): Extract<StripeEvent, { type: T }> {
  const envelope = {
    id: newId('evt'),
    object: 'event',
    api_version: SIMULATED_API_VERSION,
    created: nowSeconds(),
    livemode: false,
    pending_webhooks: args.pendingWebhooks,
    request: args.request,
  } satisfies EventEnvelope;
  const data = args.previous ? { object: args.object, previous_attributes: args.previous } : { object: args.object };
  const event: BuiltEvent<T> = { ...envelope, type: args.type, data };
  // TypeScript cannot narrow a union by a generic `type`; EVERY_BUILT_EVENT_IS_A_STRIPE_EVENT
  // below proves the conversion for each type the simulator sends.
  return event as unknown as Extract<StripeEvent, { type: T }>;
}

type BuiltEvent<T extends StripeEventType> = EventEnvelope & {
  type: T;
  data: { object: EventObject<T>; previous_attributes?: Partial<EventObject<T>> };
};
type IsStripeEvent<T extends StripeEventType> = BuiltEvent<T> extends Extract<StripeEvent, { type: T }> ? true : false;
type EveryTypeChecks = { [T in StripeEventType]: IsStripeEvent<T> }[StripeEventType];
/** Fails to compile when what buildEvent assembles for some event type is not that Stripe event. */
export const EVERY_BUILT_EVENT_IS_A_STRIPE_EVENT: [EveryTypeChecks] extends [true] ? true : never = true;

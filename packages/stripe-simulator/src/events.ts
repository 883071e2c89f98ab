// Records events and hands them to the deliverer. One state change on Stripe creates several
// events (a card payment: payment_intent.created, charge.succeeded, payment_intent.succeeded,
// checkout.session.completed, charge.updated); Stripe does not guarantee the order in which an
// endpoint receives them, so each change's events are emitted in a random order here, and the
// shop cannot come to depend on one.
import { randomInt } from 'node:crypto';
import type { FaultState } from './faults';
import { buildEvent } from './objects/event';
import type { RequestContext } from './request-context';
import type { Store } from './state';
import type { EventObject, StripeEvent, StripeEventType } from './types';
import type { WebhookDeliverer } from './webhooks/deliverer';

export interface EventSinkDeps {
  store: Store;
  deliverer: WebhookDeliverer;
  faults: FaultState;
  hasWebhookUrl(): boolean;
}

/** The events of one state change, created when the change is done. */
export class EventBatch {
  private readonly pending: Array<() => StripeEvent> = [];

  constructor(
    private readonly deps: EventSinkDeps,
    private readonly ctx: RequestContext,
  ) {}

  /** Queues an event with a snapshot of `object` as it is now. */
  add<T extends StripeEventType>(type: T, object: EventObject<T>, previous?: Partial<EventObject<T>>): void {
    const snapshot = structuredClone(object);
    const override = this.deps.faults.get().amountTotalOverride;
    if (override !== null && snapshot.object === 'checkout.session') snapshot.amount_total = override;
    this.pending.push(() =>
      buildEvent({
        type,
        object: snapshot,
        ...(previous ? { previous } : {}),
        request: { id: this.ctx.requestId, idempotency_key: this.ctx.idempotencyKey },
        pendingWebhooks: this.deps.hasWebhookUrl() ? 1 : 0,
      }),
    );
  }

  /** Creates, stores and sends the queued events in a random order. */
  emit(): StripeEvent[] {
    const order = [...this.pending];
    this.pending.length = 0;
    for (let i = order.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order.map((make) => {
      const event = make();
      // Stripe sends pretty-printed JSON; these exact bytes are signed and sent.
      const payload = JSON.stringify(event, null, 2);
      this.deps.store.events.set(event.id, { event, payload });
      this.deps.deliverer.enqueue({ event, payload });
      return structuredClone(event);
    });
  }
}

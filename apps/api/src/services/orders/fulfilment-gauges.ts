import type { Collections } from '@simple-shop/db';
import { Gauge, type Registry } from '@simple-shop/observability';

export const AWAITING_GAUGE_NAME = 'orders_awaiting_fulfilment';
export const OLDEST_AGE_GAUGE_NAME = 'orders_awaiting_fulfilment_oldest_age_seconds';
export const SLA_GAUGE_NAME = 'orders_fulfilment_sla_seconds';

export interface AwaitingFulfilment {
  count: number;
  /** `paidAt` of the oldest paid, unshipped order; null when none waits. */
  oldestPaidAt: Date | null;
}

/** Paid and not shipped yet (orders stored before fulfilment existed have no field). */
const AWAITING = {
  status: 'paid',
  $or: [{ fulfilmentStatus: 'unfulfilled' }, { fulfilmentStatus: { $exists: false } }],
};

/** Two indexed reads (`status_fulfilment_paid`): a count and the oldest `paidAt`. */
export async function readAwaitingFulfilment(collections: Pick<Collections, 'orders'>): Promise<AwaitingFulfilment> {
  const count = await collections.orders.countDocuments(AWAITING);
  const [oldest] = await collections.orders.find(AWAITING).sort({ paidAt: 1 }).limit(1).toArray();
  return { count, oldestPaidAt: oldest?.paidAt ?? null };
}

/**
 * `orders_awaiting_fulfilment` and the age of the oldest paid-but-unshipped order, read from
 * MongoDB when Prometheus scrapes (every replica reports the same value: alert on `max`). One
 * read in flight serves both gauges; a failed read keeps the previous values rather than failing the
 * scrape. Registered once per registry.
 */
export function registerFulfilmentGauges(
  registry: Registry,
  read: () => Promise<AwaitingFulfilment>,
  options: { slaSeconds: number; log?: { warn(obj: object, msg: string): void }; now?: () => number },
): void {
  if (registry.getSingleMetric(AWAITING_GAUGE_NAME)) return;
  // The alert's threshold comes from the app's config (FULFILMENT_SLA_HOURS), not from alerts.yml.
  new Gauge({
    name: SLA_GAUGE_NAME,
    help: 'How long a paid order may wait to ship (FULFILMENT_SLA_HOURS), seconds',
    registers: [registry],
  }).set(options.slaSeconds);
  const now = options.now ?? Date.now;
  let reading: AwaitingFulfilment | undefined;
  let inFlight: Promise<void> | undefined;
  // prom-client collects metrics concurrently: both gauges share the one read in flight.
  const fresh = () =>
    (inFlight ??= (async () => {
      try {
        reading = await read();
      } catch (error) {
        options.log?.warn({ err: error }, 'orders_awaiting_fulfilment: could not read orders; keeping the previous reading');
      }
    })().finally(() => {
      inFlight = undefined;
    }));
  new Gauge({
    name: AWAITING_GAUGE_NAME,
    help: 'Paid orders not shipped yet (read from MongoDB at scrape time)',
    registers: [registry],
    async collect() {
      await fresh();
      if (reading) this.set(reading.count);
    },
  });
  new Gauge({
    name: OLDEST_AGE_GAUGE_NAME,
    help: 'Seconds since the oldest paid, unshipped order was paid (0 when none waits)',
    registers: [registry],
    async collect() {
      await fresh();
      if (!reading) return;
      this.set(reading.oldestPaidAt ? Math.max(0, (now() - reading.oldestPaidAt.getTime()) / 1000) : 0);
    },
  });
}

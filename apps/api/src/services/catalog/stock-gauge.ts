import { Gauge, type Registry } from '@simple-shop/observability';

export const STOCK_GAUGE_NAME = 'stock_remaining';

export interface StockGaugeOptions {
  /** How long one MongoDB reading serves scrapes (default 10 s). */
  maxAgeMs?: number;
  log?: { warn(obj: object, msg: string): void };
  now?: () => number;
}

/**
 * `stock_remaining{product_id}`: units available to sell per active product, read from MongoDB
 * (the source of truth, not the cache) when Prometheus scrapes. One reading serves every scrape
 * for `maxAgeMs`, and concurrent scrapes share one read, so scraping stays cheap. A failed read
 * keeps the previous values rather than failing the scrape. Registered once per registry.
 */
export function registerStockGauge(
  registry: Registry,
  readStock: () => Promise<Map<string, number>>,
  options: StockGaugeOptions = {},
): Gauge<'product_id'> {
  const existing = registry.getSingleMetric(STOCK_GAUGE_NAME);
  if (existing) return existing as Gauge<'product_id'>;
  const maxAgeMs = options.maxAgeMs ?? 10_000;
  const now = options.now ?? Date.now;
  let reading: { at: number; stock: Map<string, number> } | undefined;
  let inFlight: Promise<void> | undefined;

  const refresh = async (): Promise<void> => {
    try {
      reading = { at: now(), stock: await readStock() };
    } catch (error) {
      options.log?.warn({ err: error }, 'stock_remaining: could not read stock; keeping the previous reading');
    }
  };

  return new Gauge({
    name: STOCK_GAUGE_NAME,
    help: 'Units available to sell, per active product (read from MongoDB, at most ~10 s old)',
    labelNames: ['product_id'],
    registers: [registry],
    async collect() {
      if (!reading || now() - reading.at >= maxAgeMs) {
        inFlight ??= refresh().finally(() => {
          inFlight = undefined;
        });
        await inFlight;
      }
      if (!reading) return;
      this.reset();
      for (const [productId, stock] of reading.stock) this.set({ product_id: productId }, stock);
    },
  });
}

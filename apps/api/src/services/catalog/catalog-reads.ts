import type { Redis } from '@simple-shop/queue';
import { WindowCounter } from '../../lib/window-counter';
import type { OutageLogger } from '../../lib/outage-log';
import type { CachedProduct } from './product-cache';
import { isPurchasable, type CatalogService, type PagePlan } from './catalog-service';
import { answer, LocalAnswers, type Answer } from './local-answers';
import { NO_GENERATION, ReadGate } from './read-gate';

/** What a catalog GET turned into: the answer (or null = 404), and the caller's place in its rate-limit window. */
export interface CatalogOutcome {
  /** The answer; `limited` when the caller is over the catalog rate limit (nothing was read). */
  answer: Answer | 'limited';
  /** Hits of this client in the current window, this one included. */
  count: number;
  ttlMs: number;
}

export interface CatalogReadsOptions {
  /** Per-IP hits of the catalog class per window. */
  max: number;
  windowMs: number;
  /** Bytes of answers held in process memory (0 = none). */
  localMaxBytes: number;
  log: OutageLogger;
}

/**
 * Catalog reads (product detail, list and search pages) as one Redis round trip each — shared by the
 * reads of the same event-loop turn — that counts the catalog rate-limit class and validates or
 * fetches the cached answer (read-gate.ts), with answers kept in process memory per generation
 * (local-answers.ts). A miss, or Redis failing, falls back to CatalogService (Redis, then MongoDB),
 * and the limit to WindowCounter (in process memory while Redis fails).
 */
export class CatalogReads {
  readonly local: LocalAnswers;
  private readonly gate: ReadGate<Answer>;
  private readonly counter: WindowCounter;
  private readonly counterPrefix: string;

  constructor(
    private readonly catalog: CatalogService,
    redis: Redis,
    readonly options: CatalogReadsOptions,
  ) {
    const keys = catalog.cache.keys;
    this.local = new LocalAnswers(options.localMaxBytes);
    // In the catalog's Cluster slot, so the count and the cache read can run in one script.
    this.counterPrefix = `${keys.base}:rl:`;
    this.gate = new ReadGate(
      redis,
      {
        generationKey: keys.generation,
        counterPrefix: this.counterPrefix,
        pagePrefix: keys.pagePrefix,
        windowMs: options.windowMs,
      },
      (lookup, bytes, generation) => {
        const decoded = answer(generation, lookup, lookup.startsWith('#') ? bytes : productBody(bytes));
        this.local.set(lookup, decoded);
        return decoded;
      },
    );
    this.counter = new WindowCounter(redis, options.log);
  }

  /** GET /api/products/:id for `ip`. */
  product(ip: string, id: string): Promise<CatalogOutcome> {
    const lower = id.toLowerCase();
    return this.read(ip, this.catalog.cache.keys.product(lower), async () => {
      const product = await this.catalog.getProduct(lower);
      return answer('', '', product ? Buffer.from(JSON.stringify(product)) : null);
    });
  }

  /** A list or search page for `ip` (plan from CatalogService.planList / planSearch). */
  page(ip: string, plan: PagePlan): Promise<CatalogOutcome> {
    if ('json' in plan) {
      const known = answer('', '', Buffer.from(plan.json));
      return this.read(ip, '', () => known);
    }
    return this.read(ip, `#${plan.hash}`, async () => {
      const json = await this.catalog.page(plan);
      return answer('', '', typeof json === 'string' ? Buffer.from(json) : json);
    });
  }

  private async read(ip: string, lookup: string, source: () => Answer | Promise<Answer>): Promise<CatalogOutcome> {
    if (!this.catalog.cache.readyNow) return this.degraded(ip, source);
    const held = lookup ? this.local.get(lookup) : undefined;
    const reply = await this.gate.read(ip, lookup, held?.generation ?? NO_GENERATION);
    if (!reply) {
      this.catalog.cache.readFailed(new Error('catalog read script failed'));
      this.local.clear();
      return this.degraded(ip, source);
    }
    this.catalog.cache.readRecovered();
    const { count, ttlMs } = reply;
    if (count > this.options.max) return { answer: 'limited', count, ttlMs };
    let found: Answer | null = null;
    if (reply.lookup === 'current') {
      // Normally the copy the request saw; a newer one if another batch replaced it meanwhile.
      const copy = this.local.get(lookup);
      if (copy?.generation === reply.generation) found = copy;
    } else if (reply.lookup) {
      found = reply.lookup;
    }
    return { answer: found ?? (await source()), count, ttlMs };
  }

  /** Redis unusable: count with WindowCounter (memory while Redis fails) and read through the service. */
  private async degraded(ip: string, source: () => Answer | Promise<Answer>): Promise<CatalogOutcome> {
    const { count, ttlMs } = await this.counter.incr(`${this.counterPrefix}${ip}`, this.options.windowMs);
    if (count > this.options.max) return { answer: 'limited', count, ttlMs };
    return { answer: await source(), count, ttlMs };
  }
}

/** The detail body of a cached product entry: the DTO as JSON, or null when shoppers may not see it. */
function productBody(bytes: Buffer): Buffer | null {
  const entry = JSON.parse(bytes.toString('utf8')) as CachedProduct | null;
  return isPurchasable(entry) ? Buffer.from(JSON.stringify(entry.product)) : null;
}

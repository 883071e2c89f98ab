import { catalogKeys, invalidateProducts } from '@simple-shop/cache';
import { createHash } from 'node:crypto';
import type { Redis } from '@simple-shop/queue';
import { OutageLog } from '../../lib/outage-log';
import { redisScript, type RedisScript } from '../../lib/redis-script';
import type { ProductDto } from '../../schemas/products';

/**
 * The Redis tier of product reads. MongoDB is the durable source; Redis holds copies:
 *
 * - `{<prefix>:catalog}:product:<id>` — one product (any state, so carts can name a deleted one), or
 *   `null` for an id that does not exist;
 * - `{<prefix>:catalog}:page:<generation>:<hash>` — one list/search page (DTOs + nextCursor);
 * - `{<prefix>:catalog}:gen` — the catalog generation, bumped by every catalog write.
 *
 * Invalidation: every write to a product (admin edits, and stock moved by orders) calls
 * `invalidateProducts`, which bumps the generation and deletes the products' keys in one MULTI.
 * Pages are keyed by generation, so all cached pages become unreachable at once (they expire by
 * TTL). A reader that misses writes back only if the generation is still the one it saw *before*
 * it read MongoDB (checked inside Redis by a script), so a read that raced a write can never put
 * the old value back after the write's invalidation. Hence: once a write has returned, no read
 * serves the old price or stock.
 *
 * Budget: anyone can ask for many distinct pages (filters, cursors) and ids, and each answer would become a
 * key. Every write-back therefore counts its bytes against `{<prefix>:catalog}:budget`, a counter that lives
 * one TTL; once PRODUCT_CACHE_MAX_BYTES are written in a window, further misses are served from MongoDB
 * and not cached. Live cache data thus stays below twice the budget, whatever the traffic, and cannot
 * push the queues and rate limits that share this Redis (with `noeviction`) out of memory. A deployment
 * can also give the cache its own Redis with `allkeys-lru` (CACHE_REDIS_URL).
 *
 * The API's Redis client has no offline queue: when Redis is down, every call here fails fast, is
 * logged once (warn on the transition, debug after) and the caller reads MongoDB instead.
 */

// Key layout and invalidation are shared with the worker (it releases stock too).
export { catalogKeys, invalidateProducts };

/** What is cached per product id: the DTO (any state) and whether it was soft-deleted. */
export interface CachedProduct {
  product: ProductDto;
  deleted: boolean;
}

export interface PageBody {
  items: ProductDto[];
  nextCursor: string | null;
  limit: number;
}

/** A miss carries the generation seen before MongoDB is read; null = do not write back. */
export type Generation = string | null;

export interface ProductCacheOptions {
  keyPrefix: string;
  ttlSeconds: number;
  /** Bytes (keys + values) the cache may write per TTL window. */
  maxBytes: number;
  log: CacheLogger;
}

export interface CacheLogger {
  warn(obj: object, msg: string): void;
  info(msg: string): void;
  debug(obj: object, msg: string): void;
}

// KEYS[1] = generation, KEYS[2] = byte budget counter; KEYS[3..n] = keys to set. ARGV[1] = expected
// generation, ARGV[2] = TTL (s), ARGV[3] = byte budget per TTL window, ARGV[4..] = values. Writes nothing
// unless the generation is still the expected one (0) and the window's budget has room (-1).
const SET_IF_GENERATION = `
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[1] then return 0 end
local size = 0
for i = 3, #KEYS do size = size + #KEYS[i] + #ARGV[i + 1] end
if tonumber(redis.call('GET', KEYS[2]) or '0') + size > tonumber(ARGV[3]) then return -1 end
if redis.call('INCRBY', KEYS[2], size) == size then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
for i = 3, #KEYS do redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ARGV[2]) end
return #KEYS - 2`;

// KEYS[1] = generation. ARGV[1] = page key prefix, ARGV[2] = page hash. One round trip for a page hit.
const GET_PAGE = `
local g = redis.call('GET', KEYS[1]) or ''
return {g, redis.call('GET', ARGV[1] .. g .. ':' .. ARGV[2])}`;

/** Hashes of recent page requests: storefronts ask for the same pages over and over. */
const recentHashes = new Map<string, string>();
const RECENT_HASHES_MAX = 4096;

/** Stable hash of a page request (everything that changes the answer). */
export function pageHash(parts: readonly unknown[]): string {
  const text = JSON.stringify(parts);
  let hash = recentHashes.get(text);
  if (hash === undefined) {
    hash = createHash('sha1').update(text).digest('base64url');
    // Bounded by count, not recency: when full it starts over, which costs one hash per page again.
    if (recentHashes.size >= RECENT_HASHES_MAX) recentHashes.clear();
    recentHashes.set(text, hash);
  }
  return hash;
}

/**
 * The cache as the catalog service uses it: reads that report misses with the generation to write
 * back under, conditional write-backs, and invalidation that is retried when Redis was unreachable.
 */
export class ProductCache {
  readonly keys: ReturnType<typeof catalogKeys>;
  private readonly outage: OutageLog;
  /**
   * Invalidations owed to Redis: product ids with the epoch of the write that asked, and the
   * epoch up to which pages are known invalidated. One flush runs at a time; a write or read that
   * arrives meanwhile waits for it and flushes again only if something is still owed, so a burst
   * of concurrent reads after one write makes one invalidation, not one each.
   */
  private readonly pending = new Map<string, number>();
  private epoch = 0;
  private flushedEpoch = 0;
  private inflight: Promise<boolean> | null = null;
  private readonly setIfGenerationScript: RedisScript;
  private readonly getPageScript: RedisScript;

  private readonly keyPrefix: string;
  private readonly ttlSeconds: number;
  private readonly maxBytes: number;
  private readonly budgetKey: string;
  private readonly log: CacheLogger;
  private budgetFullLogged = false;

  constructor(
    private readonly redis: Redis,
    options: ProductCacheOptions,
  ) {
    const { keyPrefix, log } = options;
    this.keyPrefix = keyPrefix;
    this.ttlSeconds = options.ttlSeconds;
    this.maxBytes = options.maxBytes;
    this.log = log;
    this.keys = catalogKeys(keyPrefix);
    this.budgetKey = this.keys.budget;
    this.outage = new OutageLog(log, {
      down: 'product cache unavailable: reading MongoDB until Redis answers',
      stillDown: 'product cache still unavailable',
      back: 'product cache available again',
    });
    this.setIfGenerationScript = redisScript(redis, 'shopCatalogSetIfGeneration', SET_IF_GENERATION);
    // Buffer replies: a page is served as the bytes it is stored as (see readPageJson).
    this.getPageScript = redisScript(redis, 'shopCatalogGetPage', GET_PAGE);
    redis.on('ready', () => void this.flushPending());
  }

  /** Cached entries for `ids` (null value = known not to exist) and the ids that missed. */
  async readProducts(ids: readonly string[]): Promise<{
    found: Map<string, CachedProduct | null>;
    missing: string[];
    generation: Generation;
  }> {
    const found = new Map<string, CachedProduct | null>();
    if (!(await this.usable())) return { found, missing: [...ids], generation: null };
    try {
      const values = await this.redis.mget(this.keys.generation, ...ids.map((id) => this.keys.product(id)));
      this.outage.recovered();
      const missing: string[] = [];
      ids.forEach((id, index) => {
        const raw = values[index + 1];
        if (raw === null || raw === undefined) missing.push(id);
        else found.set(id, JSON.parse(raw) as CachedProduct | null);
      });
      return { found, missing, generation: values[0] ?? '' };
    } catch (error) {
      this.outage.failed(error, 'read products');
      return { found, missing: [...ids], generation: null };
    }
  }

  async writeProducts(generation: Generation, entries: readonly [string, CachedProduct | null][]): Promise<void> {
    if (generation === null || entries.length === 0) return;
    await this.setIfGeneration(
      generation,
      entries.map(([id]) => this.keys.product(id)),
      entries.map(([, entry]) => JSON.stringify(entry)),
    );
  }

  /**
   * A cached page as the UTF-8 JSON bytes it is stored as: served as-is, so a hit costs no parse,
   * no re-serialisation (the page was built from DTOs when it was written) and no string at all —
   * pages are tens of kB, and decoding them to JS strings only to encode them again for the socket
   * was a large share of the list route's CPU and garbage (docs/benchmarks.md profiles).
   */
  async readPageJson(hash: string): Promise<{ json: Buffer | null; generation: Generation }> {
    if (!(await this.usable())) return { json: null, generation: null };
    try {
      const [generation, raw] = (await this.getPageScript.runBuffer(
        [this.keys.generation],
        [this.keys.pagePrefix, hash],
      )) as [Buffer, Buffer | null];
      this.outage.recovered();
      return { json: raw, generation: generation.toString('utf8') };
    } catch (error) {
      this.outage.failed(error, 'read page');
      return { json: null, generation: null };
    }
  }

  async writePageJson(generation: Generation, hash: string, json: string): Promise<void> {
    if (generation === null) return;
    await this.setIfGeneration(generation, [this.keys.page(generation, hash)], [json]);
  }

  async readPage(hash: string): Promise<{ page: PageBody | null; generation: Generation }> {
    const { json, generation } = await this.readPageJson(hash);
    return { page: json ? (JSON.parse(json.toString('utf8')) as PageBody) : null, generation };
  }

  async writePage(generation: Generation, hash: string, page: PageBody): Promise<void> {
    await this.writePageJson(generation, hash, JSON.stringify(page));
  }

  /**
   * After a catalog write: drop these products' copies and every cached page. If Redis can not be
   * reached the invalidation is remembered, retried before this process next uses the cache (which
   * it bypasses meanwhile) and when the connection is ready again.
   */
  async invalidate(ids: readonly string[]): Promise<boolean> {
    this.epoch += 1;
    for (const id of ids) this.pending.set(id, this.epoch);
    return this.flushPending();
  }

  private owed(): boolean {
    return this.flushedEpoch < this.epoch;
  }

  private flushPending(): Promise<boolean> {
    if (this.inflight) return this.inflight.then(() => (this.owed() ? this.flushPending() : true));
    if (!this.owed()) return Promise.resolve(true);
    const upTo = this.epoch;
    const ids = [...this.pending].filter(([, epoch]) => epoch <= upTo).map(([id]) => id);
    this.inflight = (async () => {
      if (this.redis.status === 'ready' && (await invalidateProducts(this.redis, this.keyPrefix, ids))) {
        for (const id of ids) if ((this.pending.get(id) ?? Infinity) <= upTo) this.pending.delete(id);
        this.flushedEpoch = Math.max(this.flushedEpoch, upTo);
        this.outage.recovered();
        return true;
      }
      this.outage.failed(new Error(`redis status ${this.redis.status}`), 'invalidate');
      return false;
    })().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async setIfGeneration(generation: string, keys: string[], values: string[]): Promise<void> {
    try {
      const written = await this.setIfGenerationScript.run(
        [this.keys.generation, this.budgetKey, ...keys],
        [generation, this.ttlSeconds, this.maxBytes, ...values],
      );
      if (written === -1 && !this.budgetFullLogged) {
        // Once per process: a flood of distinct pages is not worth a line per request.
        this.budgetFullLogged = true;
        this.log.warn(
          { maxBytes: this.maxBytes },
          'product cache byte budget reached: misses are not cached until it resets',
        );
      }
    } catch (error) {
      this.outage.failed(error, 'write');
    }
  }

  /**
   * Whether cached data may be served right now without waiting: Redis connected and no invalidation
   * owed. When false, `usable()` (through any read) reports the outage or flushes what is owed.
   */
  get readyNow(): boolean {
    return this.redis.status === 'ready' && !this.owed();
  }

  /** Records that the Redis tier failed a read (logged once per outage, like the other reads). */
  readFailed(error: unknown): void {
    this.outage.failed(error, 'read');
  }

  readRecovered(): void {
    this.outage.recovered();
  }

  /** False while Redis is not connected or an invalidation is still owed (reads go to MongoDB). */
  private async usable(): Promise<boolean> {
    if (this.redis.status !== 'ready') {
      this.outage.failed(new Error(`redis status ${this.redis.status}`), 'connect');
      return false;
    }
    return this.owed() ? this.flushPending() : true;
  }
}

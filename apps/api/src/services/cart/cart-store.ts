import { ObjectId, type CartDoc } from '@simple-shop/db';
import type { Redis } from '@simple-shop/queue';
import type { Collection } from 'mongodb';
import { HttpError } from '../../lib/http-error';
import { OutageLog } from '../../lib/outage-log';
import { redisScript, type RedisScript } from '../../lib/redis-script';

/**
 * Durable carts with a Redis copy. MongoDB (`carts`, `_id` = user id) is the truth; Redis
 * (`<prefix>:cart:<userId>`) is a write-through copy for fast reads.
 *
 * - Write: read the cart from MongoDB, compute the new lines, write them guarded by `version`
 *   (optimistic concurrency: a concurrent write makes the guard miss and the change is recomputed),
 *   then store the new version in Redis.
 * - Read: Redis; on a miss (flushed, expired, restarted) MongoDB, and the copy is repopulated.
 * - The Redis copy is replaced only by a newer version (checked inside Redis by a script), so a
 *   slow repopulation can never overwrite a newer cart with an older one.
 * - Redis down: reads and writes use MongoDB alone; nothing is lost, only slower.
 */

export interface CartLine {
  productId: string; // 24-hex, lower case
  quantity: number;
  addedAt: Date;
}

export interface StoredCart {
  userId: string;
  items: CartLine[];
  /** 0 for a cart never written. Bumped by every write through this store. */
  version: number;
  updatedAt: Date | null;
}

export interface StoreLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Lifetime of the Redis copy; MongoDB keeps the cart regardless. */
export const CART_CACHE_TTL_SECONDS = 86_400;
// One shopper's concurrent tabs/clicks: enough attempts for a burst of 10+ writers, each retry
// after a short jittered pause so the losers do not collide again in lockstep.
const MAX_ATTEMPTS = 25;

// KEYS[1] = cart key. ARGV[1] = version, ARGV[2] = JSON, ARGV[3] = TTL (s). Sets only a newer version.
const SET_IF_NEWER = `
local cur = redis.call('GET', KEYS[1])
if cur then
  local v = tonumber(string.match(cur, '^(%d+):'))
  if v and v >= tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', ARGV[3])
return 1`;

interface CachedCart {
  i: [string, number, number][]; // productId, quantity, addedAt ms
  u: number | null; // updatedAt ms
}

const isDuplicateKey = (error: unknown) => (error as { code?: unknown })?.code === 11000;

export const cartKey = (keyPrefix: string, userId: string) => `${keyPrefix}:cart:${userId}`;

export class CartStore {
  /** Users whose Redis copy may be older than MongoDB (a write could not reach Redis). */
  private readonly suspect = new Set<string>();
  private readonly setIfNewer: RedisScript;
  private readonly outage: OutageLog;

  constructor(
    private readonly carts: Collection<CartDoc>,
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    log: StoreLogger,
  ) {
    this.setIfNewer = redisScript(redis, 'shopCartSetIfNewer', SET_IF_NEWER);
    this.outage = new OutageLog(log, {
      down: 'cart cache unavailable: using MongoDB until Redis answers',
      stillDown: 'cart cache still unavailable',
    });
  }

  /** The cart for showing: Redis first, MongoDB when Redis misses or is down. */
  async read(userId: string): Promise<StoredCart> {
    const cached = await this.readRedis(userId);
    if (cached) return cached;
    const cart = await this.readDurable(userId);
    await this.writeRedis(cart);
    return cart;
  }

  /** The cart from MongoDB only (checkout and every write start here). */
  async readDurable(userId: string): Promise<StoredCart> {
    return fromDoc(userId, await this.carts.findOne({ _id: new ObjectId(userId) }));
  }

  /**
   * Applies `change` to the current cart (from MongoDB) and stores the result. `change` returns the
   * new lines, or null for "nothing to change"; it may throw (e.g. an HttpError) to abort. It is
   * called again, with the fresh cart, if another write got in first.
   */
  async mutate(userId: string, change: (cart: StoredCart) => Promise<CartLine[] | null>): Promise<StoredCart> {
    const _id = new ObjectId(userId);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 4 * Math.min(attempt, 5)));
      const doc = await this.carts.findOne({ _id });
      const current = fromDoc(userId, doc);
      const items = await change(current);
      if (items === null) return current;
      const next: StoredCart = { userId, items, version: current.version + 1, updatedAt: new Date() };
      const stored = items.map((line) => ({
        productId: new ObjectId(line.productId),
        quantity: line.quantity,
        addedAt: line.addedAt,
      }));
      if (!doc) {
        try {
          await this.carts.insertOne({ _id, items: stored, version: next.version, updatedAt: next.updatedAt! });
        } catch (error) {
          if (isDuplicateKey(error)) continue; // created concurrently: recompute on top of it
          throw error;
        }
      } else {
        const guard = doc.version === undefined ? { _id, version: { $exists: false } } : { _id, version: doc.version };
        const result = await this.carts.updateOne(guard, {
          $set: { items: stored, version: next.version, updatedAt: next.updatedAt! },
        });
        if (result.matchedCount === 0) continue;
      }
      await this.writeRedis(next);
      return next;
    }
    throw new HttpError(409, 'CART_CONFLICT', 'The cart is being changed concurrently; retry');
  }

  private async readRedis(userId: string): Promise<StoredCart | null> {
    if (this.redis.status !== 'ready') return this.failed(new Error(`redis status ${this.redis.status}`), 'read');
    try {
      const key = cartKey(this.keyPrefix, userId);
      if (this.suspect.has(userId)) {
        await this.redis.del(key);
        this.suspect.delete(userId);
        return null;
      }
      const raw = await this.redis.get(key);
      this.outage.recovered();
      if (raw === null) return null;
      const colon = raw.indexOf(':');
      const version = Number(raw.slice(0, colon));
      const body = JSON.parse(raw.slice(colon + 1)) as CachedCart;
      return {
        userId,
        version,
        updatedAt: body.u === null ? null : new Date(body.u),
        items: body.i.map(([productId, quantity, addedAt]) => ({ productId, quantity, addedAt: new Date(addedAt) })),
      };
    } catch (error) {
      return this.failed(error, 'read');
    }
  }

  private async writeRedis(cart: StoredCart): Promise<void> {
    const body: CachedCart = {
      i: cart.items.map((line) => [line.productId, line.quantity, line.addedAt.getTime()]),
      u: cart.updatedAt?.getTime() ?? null,
    };
    const key = cartKey(this.keyPrefix, cart.userId);
    const args = [String(cart.version), JSON.stringify(body), String(CART_CACHE_TTL_SECONDS)];
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis status ${this.redis.status}`);
      await this.setIfNewer.run([key], args);
    } catch (error) {
      // MongoDB has the cart; the Redis copy (if Redis kept one) may now be older: drop it first
      // thing when this process next reads the cart.
      this.suspect.add(cart.userId);
      this.failed(error, 'write');
    }
  }

  private failed(error: unknown, operation: string): null {
    this.outage.failed(error, operation);
    return null;
  }
}

function fromDoc(userId: string, doc: CartDoc | null): StoredCart {
  if (!doc) return { userId, items: [], version: 0, updatedAt: null };
  return {
    userId,
    version: doc.version ?? 0,
    updatedAt: doc.updatedAt,
    items: doc.items.map((item) => ({
      productId: item.productId.toHexString(),
      quantity: item.quantity,
      addedAt: item.addedAt,
    })),
  };
}

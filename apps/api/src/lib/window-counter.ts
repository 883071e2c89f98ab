import type { Redis } from '@simple-shop/queue';
import { OutageLog, type OutageLogger } from './outage-log';
import { redisScript, type RedisScript } from './redis-script';

export interface WindowCount {
  /** Hits in the current window, this one included (for `incr`). */
  count: number;
  /** Milliseconds until the window ends. */
  ttlMs: number;
}

// KEYS[1] = counter. ARGV[1] = window (ms). Starts the window on the first hit; one round trip.
const INCR = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`;

/** Counters kept in process memory during a Redis outage; the oldest windows give way beyond this. */
const MAX_LOCAL_KEYS = 100_000;

/**
 * Fixed-window counters for rate limits: in Redis, so every API replica shares one count, and in this
 * process's memory whenever Redis does not answer or refuses the write (down, or out of memory under
 * `noeviction`). A limit therefore never switches off: during an outage it is enforced per replica,
 * which is looser by at most the replica count, instead of not at all.
 */
export class WindowCounter {
  private readonly script: RedisScript;
  private readonly local = new Map<string, { count: number; endsAt: number }>();
  private readonly outage: OutageLog;

  constructor(
    private readonly redis: Redis,
    log: OutageLogger,
  ) {
    this.script = redisScript(redis, 'shopWindowCounterIncr', INCR);
    this.outage = new OutageLog(log, {
      down: 'rate limits unavailable in Redis: counting in process memory until Redis answers',
      stillDown: 'rate limits still counted in process memory',
      back: 'rate limits counted in Redis again',
    });
  }

  async incr(key: string, windowMs: number): Promise<WindowCount> {
    try {
      const [count, ttlMs] = (await this.script.run([key], [windowMs])) as [number, number];
      this.outage.recovered();
      return { count: Number(count), ttlMs: Number(ttlMs) };
    } catch (error) {
      this.outage.failed(error, 'incr');
      return this.incrLocal(key, windowMs);
    }
  }

  /** The current count without adding to it (0 when no window is open). */
  async read(key: string): Promise<WindowCount> {
    try {
      const [count, ttlMs] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
      this.outage.recovered();
      const remote = { count: Number(count ?? 0), ttlMs: Math.max(0, ttlMs) };
      // Hits counted here while Redis was failing still count until their window ends.
      const local = this.readLocal(key);
      return local.count > remote.count ? local : remote;
    } catch (error) {
      this.outage.failed(error, 'read');
      return this.readLocal(key);
    }
  }

  private incrLocal(key: string, windowMs: number, now = Date.now()): WindowCount {
    let entry = this.local.get(key);
    if (!entry || entry.endsAt <= now) {
      this.local.delete(key);
      entry = { count: 0, endsAt: now + windowMs };
      if (this.local.size >= MAX_LOCAL_KEYS) this.local.delete(this.local.keys().next().value as string);
      this.local.set(key, entry);
    }
    entry.count += 1;
    return { count: entry.count, ttlMs: entry.endsAt - now };
  }

  private readLocal(key: string, now = Date.now()): WindowCount {
    const entry = this.local.get(key);
    if (!entry || entry.endsAt <= now) return { count: 0, ttlMs: 0 };
    return { count: entry.count, ttlMs: entry.endsAt - now };
  }
}

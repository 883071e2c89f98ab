import type { Redis } from '@simple-shop/queue';
import { redisScript, type RedisScript } from '../../lib/redis-script';

/**
 * One Redis round trip for the catalog reads that arrive in the same turn of the event loop: the
 * per-IP counters of the catalog rate-limit class, the catalog generation, and the cached bytes of
 * every answer this process does not already hold at that generation — one script, atomically.
 *
 * Exactness: a read's round trip is sent after the read arrived (it joins only a batch that has not
 * been sent yet), so it sees every invalidation that finished before the read began, on any replica.
 * An answer held in process memory is used only when that round trip reports the generation it was
 * read at; otherwise the script returns the current bytes from Redis in the same reply.
 *
 * Counting: hits from one IP in a batch are added with one INCRBY; each request learns its own
 * position in the window (count − hits + its place in the batch), so the limit is exact across
 * replicas: the counter lives in Redis and every hit is counted before it is answered.
 */

// KEYS[1] = generation. ARGV[1] = window (ms), ARGV[2] = counter key prefix, ARGV[3] = n counters,
// then n (counter suffix, hits) pairs, then the page key prefix, then (lookup, known generation) pairs.
// A lookup is a key, or `#<hash>` for the page <hash> at the current generation. Reply: generation,
// n (count, ttl ms) pairs, then per lookup: 1 = the known generation is current (use the copy you
// have), bytes = the current value, nil = not cached.
const GATE = `
local g = redis.call('GET', KEYS[1]) or ''
local out = {g}
local window = tonumber(ARGV[1])
local i = 4
for c = 1, tonumber(ARGV[3]) do
  local key = ARGV[2] .. ARGV[i]
  local hits = tonumber(ARGV[i + 1])
  local count = redis.call('INCRBY', key, hits)
  local ttl = window
  if count == hits then redis.call('PEXPIRE', key, window)
  else
    ttl = redis.call('PTTL', key)
    if ttl < 0 then redis.call('PEXPIRE', key, window); ttl = window end
  end
  out[#out + 1] = count
  out[#out + 1] = ttl
  i = i + 2
end
local pagePrefix = ARGV[i]
i = i + 1
while i < #ARGV do
  if ARGV[i + 1] == g then
    out[#out + 1] = 1
  else
    local key = ARGV[i]
    if string.byte(key, 1) == 35 then key = pagePrefix .. g .. ':' .. string.sub(key, 2) end
    out[#out + 1] = redis.call('GET', key) or false
  end
  i = i + 2
end
return out`;

/** "Known generation" of a lookup for which this process holds nothing (never a real generation). */
export const NO_GENERATION = '!';

/** `current`: the copy held at the known generation is still valid; T: the decoded value; null: not cached. */
export type LookupReply<T> = 'current' | T | null;

export interface GateReply<T> {
  generation: string;
  /** Hits of this IP in the window so far, this one included. */
  count: number;
  ttlMs: number;
  lookup: LookupReply<T>;
}

interface Batch<T> {
  hits: Map<string, number>;
  lookups: Map<string, { index: number; known: string }>;
  done: Promise<BatchReply<T> | null>;
  resolve: (reply: BatchReply<T> | null) => void;
}

interface BatchReply<T> {
  generation: string;
  counters: Map<string, { count: number; ttlMs: number; hits: number }>;
  values: LookupReply<T>[];
}

export interface ReadGateOptions {
  generationKey: string;
  counterPrefix: string;
  pagePrefix: string;
  windowMs: number;
}

/** Turns the bytes of a lookup into what the readers use; called once per lookup and batch. */
export type Decode<T> = (lookup: string, bytes: Buffer, generation: string) => T;

export class ReadGate<T> {
  private pending: Batch<T> | null = null;
  private readonly script: RedisScript;

  constructor(
    private readonly redis: Redis,
    private readonly options: ReadGateOptions,
    private readonly decode: Decode<T>,
  ) {
    // One call per event-loop turn already: no auto-pipeline around it (see RedisScriptOptions).
    this.script = redisScript(redis, 'shopCatalogReadGate', GATE, { autoPipeline: false });
  }

  /**
   * Counts one hit for `ip` and looks up `lookup` (a product key, `#<page hash>`, or '' for none), whose
   * copy this process holds at generation `known` (NO_GENERATION when none). Null when Redis failed.
   */
  async read(ip: string, lookup: string, known: string): Promise<GateReply<T> | null> {
    const batch = this.pending ?? this.open();
    const place = (batch.hits.get(ip) ?? 0) + 1;
    batch.hits.set(ip, place);
    let entry = lookup ? batch.lookups.get(lookup) : undefined;
    if (!entry && lookup) {
      entry = { index: batch.lookups.size, known };
      batch.lookups.set(lookup, entry);
    }
    const reply = await batch.done;
    if (!reply) return null;
    const counter = reply.counters.get(ip)!;
    return {
      generation: reply.generation,
      count: counter.count - counter.hits + place,
      ttlMs: counter.ttlMs,
      lookup: entry ? (reply.values[entry.index] ?? null) : null,
    };
  }

  private open(): Batch<T> {
    let resolve!: (reply: BatchReply<T> | null) => void;
    const done = new Promise<BatchReply<T> | null>((r) => (resolve = r));
    const batch: Batch<T> = { hits: new Map(), lookups: new Map(), done, resolve };
    this.pending = batch;
    // After the I/O callbacks of this turn: every read that arrived with them shares the round trip.
    setImmediate(() => void this.send(batch));
    return batch;
  }

  private async send(batch: Batch<T>): Promise<void> {
    this.pending = null;
    const { options } = this;
    const args: (string | number)[] = [options.windowMs, options.counterPrefix, batch.hits.size];
    for (const [ip, hits] of batch.hits) args.push(ip, hits);
    args.push(options.pagePrefix);
    for (const [lookup, { known }] of batch.lookups) args.push(lookup, known);
    let reply: BatchReply<T> | null = null;
    try {
      const raw = (await this.script.runBuffer([options.generationKey], args)) as (Buffer | number | null)[];
      const generation = (raw[0] as Buffer).toString('latin1');
      const counters = new Map<string, { count: number; ttlMs: number; hits: number }>();
      let i = 1;
      for (const [ip, hits] of batch.hits) {
        counters.set(ip, { count: Number(raw[i]), ttlMs: Number(raw[i + 1]), hits });
        i += 2;
      }
      const values: LookupReply<T>[] = [];
      for (const lookup of batch.lookups.keys()) {
        const value = raw[i++];
        values.push(value === 1 ? 'current' : Buffer.isBuffer(value) ? this.decode(lookup, value, generation) : null);
      }
      reply = { generation, counters, values };
    } catch {
      reply = null;
    }
    batch.resolve(reply);
  }
}

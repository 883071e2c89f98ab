import type { Redis } from '@simple-shop/queue';

type Args = (string | number)[];
type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: Args) => Promise<unknown>;

export interface RedisScript {
  /** Runs the script; bulk-string replies arrive as strings. */
  run(keys: string[], args: Args): Promise<unknown>;
  /** The same, with bulk-string replies left as Buffers (no decoding of large values). */
  runBuffer(keys: string[], args: Args): Promise<unknown>;
}

/**
 * A Lua script as an ioredis command (`defineCommand`): sent as EVALSHA, loaded by ioredis itself
 * when Redis answers NOSCRIPT (restarted or flushed), auto-pipelined like any other command, and with
 * a `…Buffer` variant (ioredis' generic `callBuffer` mis-sends EVALSHA under auto-pipelining).
 * Defined once per client and name; the key count is passed on each call.
 */
export function redisScript(redis: Redis, name: string, lua: string): RedisScript {
  if (!(name in redis)) redis.defineCommand(name, { lua });
  const commands = redis as unknown as Record<string, ScriptCommand>;
  return {
    run: (keys, args) => commands[name]!(keys.length, ...keys, ...args),
    runBuffer: (keys, args) => commands[`${name}Buffer`]!(keys.length, ...keys, ...args),
  };
}

import type { Redis } from '@simple-shop/queue';

type Args = (string | number)[];
type ScriptCommand = (numberOfKeys: number, ...keysAndArgs: Args) => Promise<unknown>;

export interface RedisScript {
  /** Runs the script; bulk-string replies arrive as strings. */
  run(keys: string[], args: Args): Promise<unknown>;
  /** The same, with bulk-string replies left as Buffers (no decoding of large values). */
  runBuffer(keys: string[], args: Args): Promise<unknown>;
}

export interface RedisScriptOptions {
  /**
   * false: each call is written on its own, even on an auto-pipelining client. For a caller that
   * already gathers its work into one call per event-loop turn (read-gate.ts): its auto-pipeline
   * would hold that one command, and ioredis builds every pipeline by copying each script defined
   * on the client — BullMQ's fifty-odd on the API's shared one — a cost paid once per call.
   */
  autoPipeline?: boolean;
}

/**
 * A Lua script as an ioredis command (`defineCommand`): sent as EVALSHA, loaded by ioredis itself
 * when Redis answers NOSCRIPT (restarted or flushed), auto-pipelined like any other command unless
 * told otherwise, and with a `…Buffer` variant (ioredis' generic `callBuffer` mis-sends EVALSHA under
 * auto-pipelining). Defined once per client and name; the key count is passed on each call.
 */
export function redisScript(redis: Redis, name: string, lua: string, options: RedisScriptOptions = {}): RedisScript {
  if (!(name in redis)) redis.defineCommand(name, { lua });
  if (options.autoPipeline === false) {
    // ioredis matches the script's name (both variants). A new array: its default one is shared by every client.
    const ignored = redis.options.autoPipeliningIgnoredCommands ?? [];
    if (!ignored.includes(name)) redis.options.autoPipeliningIgnoredCommands = [...ignored, name];
  }
  const commands = redis as unknown as Record<string, ScriptCommand>;
  return {
    run: (keys, args) => commands[name]!(keys.length, ...keys, ...args),
    runBuffer: (keys, args) => commands[`${name}Buffer`]!(keys.length, ...keys, ...args),
  };
}

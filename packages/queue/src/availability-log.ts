import type { Redis } from './connection';

export interface AvailabilityLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`, for log lines. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // Not a URL: a topology description (Sentinel, Cluster), which never holds a password.
    return url.includes('://') ? '(unparseable Redis URL)' : url;
  }
}

/**
 * ioredis reconnects on its own with a capped backoff (see `retryStrategy`), and emits an
 * `error` for every failed attempt. This turns that into one warn line when Redis becomes
 * unreachable (address and reason, no stack trace), debug lines while it stays down, and one
 * info line when it answers again, so an outage reads as two lines instead of a flood.
 */
export function reportRedisAvailability(redis: Redis, logger: AvailabilityLogger, url: string): void {
  let down = false;
  const address = redactRedisUrl(url);
  redis.on('error', (error: Error) => {
    if (down) {
      logger.debug({ redis: address, reason: error.message }, 'Redis still unreachable');
      return;
    }
    down = true;
    logger.warn({ redis: address, reason: error.message }, 'Redis is not reachable; reconnecting with backoff');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ redis: address }, 'Redis is reachable again');
  });
}

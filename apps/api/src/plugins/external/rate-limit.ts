import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { HttpError } from '../../lib/http-error';
import { WindowCounter } from '../../lib/window-counter';

/**
 * A @fastify/rate-limit store on `WindowCounter`: counts in Redis, and in process memory while Redis
 * fails (down, or full under `noeviction`), so the per-IP limits never switch off. Routes get a child
 * store with their own key space, as with the plugin's own Redis store.
 */
function windowCounterStore(counter: WindowCounter, nameSpace: string): FastifyRateLimitStoreCtor {
  const storeFor = (keyPrefix: string): FastifyRateLimitStore => ({
    incr(key, callback, timeWindow) {
      counter.incr(`${keyPrefix}${key}`, timeWindow).then(
        ({ count, ttlMs }) => callback(null, { current: count, ttl: ttlMs }),
        (error: Error) => callback(error),
      );
    },
    // The plugin passes the route as `routeInfo` (its typings say RouteOptions); same key space as its Redis store.
    child: (routeOptions) => {
      const route = (routeOptions as unknown as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? {};
      return storeFor(`${keyPrefix}${String(route.method ?? '')}${String(route.url ?? '')}-`);
    },
  });
  return class {
    constructor() {
      return storeFor(nameSpace);
    }
  } as unknown as FastifyRateLimitStoreCtor;
}

/**
 * Per-IP limits counted in Redis, so they hold across every API replica (in memory per replica while
 * Redis fails). Routes tighten this with `config.rateLimit` (the auth routes do).
 */
export default fp(
  async (app) => {
    const { config, redis } = app.deps;
    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      store: windowCounterStore(new WindowCounter(redis, app.log), `${config.REDIS_KEY_PREFIX}:rl:`),
      errorResponseBuilder: (_request, context) =>
        new HttpError(
          429,
          'RATE_LIMITED',
          `Too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`,
          undefined,
          {
            'retry-after': String(Math.ceil(context.ttl / 1000)),
          },
        ),
    });
  },
  { name: 'rate-limit', dependencies: ['deps'] },
);

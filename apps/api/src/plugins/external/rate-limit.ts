import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { HttpError } from '../../lib/http-error';

/**
 * Per-IP limits counted in Redis, so they hold across every API replica. If Redis is down the
 * limiter lets requests through (skipOnError) rather than turning an outage into a total one.
 * Routes tighten this with `config.rateLimit` (the auth routes do).
 */
export default fp(
  async (app) => {
    const { config, redis } = app.deps;
    await app.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      redis,
      nameSpace: `${config.REDIS_KEY_PREFIX}:rl:`,
      skipOnError: true,
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

import type { FastifyRequest } from 'fastify';
import { Counter } from '@simple-shop/observability';
import fp from 'fastify-plugin';
import { WindowCounter } from '../../lib/window-counter';
import {
  argon2ParamsFromConfig,
  createAccountLimiter,
  createAuthService,
  createPasswordHasher,
  type Argon2Operation,
  type Caller,
} from '../../services/auth/index';

/**
 * The account service and the per-IP limit every login form shares (`/api/auth/*` and the Bull Board
 * operator form): one password hasher (its dummy hash for unknown emails is computed once, here), one
 * per-account limiter and one per-IP limit, so a second way in is never a way around the first's limits.
 */
export default fp(
  async (app) => {
    const { config, database, redis, queues } = app.deps;
    // argon2 is the API's most expensive CPU work: each operation is counted (hash, verify against an
    // account's hash, or verify_dummy: the verification an unknown email costs).
    const argon2Operations = new Counter({
      name: 'auth_argon2_operations_total',
      help: 'argon2 operations by kind: hash, verify (an account hash) or verify_dummy (an unknown email)',
      labelNames: ['operation'],
      registers: [app.metricsRegistry],
    });
    // Every series exists from the start (at 0), so rates and the dashboard work before the first login.
    const operations: readonly Argon2Operation[] = ['hash', 'verify', 'verify_dummy'];
    for (const operation of operations) argon2Operations.inc({ operation }, 0);
    const service = createAuthService({
      config,
      database,
      queues,
      // Computes the dummy hash for unknown-email logins once, now, with the configured cost.
      hasher: await createPasswordHasher(argon2ParamsFromConfig(config), {
        ran: (operation) => argon2Operations.inc({ operation }),
      }),
      limiter: createAccountLimiter(new WindowCounter(redis, app.log), {
        keyPrefix: config.REDIS_KEY_PREFIX,
        max: config.AUTH_RATE_LIMIT_MAX,
        windowMs: config.AUTH_RATE_LIMIT_WINDOW_MS,
        slowdownAfter: config.AUTH_ACCOUNT_SLOWDOWN_AFTER,
      }),
      revocations: app.sessionRevocations,
      signAccessToken: (claims) => app.jwt.sign(claims),
    });
    app.addHook('preClose', () => service.drain());
    app.decorate('authService', service);
    app.decorate('authPerIpLimit', {
      rateLimit: {
        max: config.AUTH_RATE_LIMIT_MAX,
        timeWindow: config.AUTH_RATE_LIMIT_WINDOW_MS,
        keyGenerator: (request: FastifyRequest) => request.ip,
      },
    });
    app.decorate('callerOf', (request: FastifyRequest): Caller => ({
      log: request.log,
      ip: request.ip,
      requestId: request.id,
    }));
  },
  { name: 'credentials', dependencies: ['deps', 'jwt', 'authenticate', 'http-metrics'] },
);

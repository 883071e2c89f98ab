import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BOARD_BASE_PATH } from './bull-board';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the CORS hook when it accepted this OPTIONS request as a preflight. */
    corsPreflightEnabled: boolean;
  }
}

export const CORS_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'];
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'];
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
];
export const CORS_MAX_AGE_SECONDS = 600;

/** True for Bull Board and its login form: pages for an operator's own browser, never for another origin. */
function isBoardPath(url: string): boolean {
  if (!url.startsWith(BOARD_BASE_PATH)) return false;
  const next = url.charCodeAt(BOARD_BASE_PATH.length);
  // The prefix itself, or followed by `/` or `?`.
  return Number.isNaN(next) || next === 47 || next === 63;
}

/**
 * CORS from the configured allow-list only; an origin not on it gets no CORS headers. The board prefix
 * gets none at all: it runs on a cookie, and with credentials allowed a storefront origin (or a script
 * injected into one) could otherwise read and drive the board.
 *
 * The answers are those @fastify/cors gave with this configuration (response-headers.test.ts pins
 * them), but every header value is worked out once here: the plugin re-normalised its options and
 * built closures on every request, a few per cent of a cached catalog read's CPU.
 */
export default fp(
  async (app) => {
    const allowed = new Set(app.deps.config.corsOrigins);
    // Sent to every allowed (or origin-less) request, then to preflights.
    const simple = {
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', '),
    };
    const preflight = {
      'access-control-allow-methods': CORS_METHODS.join(', '),
      'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(', '),
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    };

    app.decorateRequest('corsPreflightEnabled', false);
    app.addHook('onRequest', (request: FastifyRequest, reply, done) => {
      // The answer depends on the Origin header: shared caches must keep one copy per origin.
      void reply.header('vary', 'Origin');
      if (isBoardPath(request.url)) return done();
      const origin = request.headers.origin;
      if (origin !== undefined && !allowed.has(origin)) return done();
      if (origin !== undefined) void reply.header('access-control-allow-origin', origin);
      void reply.headers(simple);
      if (request.raw.method !== 'OPTIONS') return done();
      // A preflight must name its origin and the method it asks for.
      if (!origin || !request.headers['access-control-request-method']) {
        void reply.code(400).type('text/plain').send('Invalid Preflight Request');
        return;
      }
      request.corsPreflightEnabled = true;
      // Content-Length 0: some browsers wait for a body on a 204 without it.
      void reply.headers(preflight).code(204).header('content-length', '0').send();
    });

    // Lets OPTIONS reach the hook above on every path; anything it did not accept as a preflight is a 404.
    app.options('*', { schema: { hide: true } }, (request, reply) => {
      if (!request.corsPreflightEnabled) return reply.callNotFound();
      return reply.send();
    });
  },
  { name: 'cors', dependencies: ['deps'] },
);

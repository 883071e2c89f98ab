import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyContextConfig, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { sendNotFound } from '../app/error-handler';
import { BOARD_BASE_PATH } from './bull-board';

/**
 * Route config read by @fastify/cors: options that replace the plugin's for that route. The board's
 * origin check refuses every origin; being a function, it still sends `Vary: Origin`, as every
 * answer of the API does.
 */
interface CorsRouteConfig {
  cors: FastifyCorsOptions;
}

const NO_CORS: CorsRouteConfig = { cors: { origin: (_origin, callback) => callback(null, false) } };

/** True for Bull Board and its login form: pages for an operator's own browser, never for another origin. */
function isBoardRoute(url: string): boolean {
  return url === BOARD_BASE_PATH || url.startsWith(`${BOARD_BASE_PATH}/`);
}

/**
 * CORS from the configured allow-list only; a storefront origin not on it gets no CORS headers.
 * The board prefix gets none at all: it runs on a cookie, and with credentials allowed a storefront
 * origin (or a script injected into one) could otherwise read and drive the board.
 *
 * One static set of options, not a per-request `delegator`: @fastify/cors normalises a delegator's
 * options again on every request (a measurable share of a cached catalog read); lists are joined
 * here once, not on every answer. The board is cut out by route instead (the plugin's `config.cors`):
 * - every route under the prefix (Bull Board's own and the login form) is marked when it is added;
 * - OPTIONS under the prefix has routes of its own, so a preflight never reaches the plugin's
 *   `OPTIONS *` route (which would answer it) and gets the 404 it always got;
 * - unknown paths under the prefix get the API's 404 from a not-found handler of their own, which
 *   takes back the headers the plugin added (a not-found handler has no route config to mark).
 */
export default fp(
  async (app) => {
    const allowed = new Set(app.deps.config.corsOrigins);
    app.addHook('onRoute', (route) => {
      if (isBoardRoute(route.url)) route.config = { ...route.config, ...NO_CORS } as FastifyContextConfig;
    });
    await app.register(cors, {
      // A function (not the list itself) so that every answer carries `Vary: Origin`, for caches.
      origin: (origin, callback) => callback(null, origin === undefined || allowed.has(origin)),
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'].join(', '),
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'].join(', '),
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ].join(', '),
      maxAge: 600,
    });
    await app.register(
      async (board) => {
        board.setNotFoundHandler((request, reply) => {
          for (const name of Object.keys(reply.getHeaders()))
            if (name.startsWith('access-control-')) reply.removeHeader(name);
          return sendNotFound(request, reply);
        });
        const refusePreflight = { config: NO_CORS as FastifyContextConfig, schema: { hide: true } };
        const notFound = (_request: unknown, reply: FastifyReply) => reply.callNotFound();
        board.options('', refusePreflight, notFound);
        board.options('/*', refusePreflight, notFound);
      },
      { prefix: BOARD_BASE_PATH },
    );
  },
  { name: 'cors', dependencies: ['deps', 'error-handler'] },
);

import cors, { type FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { BOARD_BASE_PATH } from './bull-board';

/** True for Bull Board and its login form: pages for an operator's own browser, never for another origin. */
function isBoardPath(request: FastifyRequest): boolean {
  const path = request.url.split('?', 1)[0]!;
  return path === BOARD_BASE_PATH || path.startsWith(`${BOARD_BASE_PATH}/`);
}

/**
 * CORS from the configured allow-list only; a storefront origin not on it gets no CORS headers.
 * The board prefix gets none at all: it runs on a cookie, and with credentials allowed a storefront
 * origin (or a script injected into one) could otherwise read and drive the board.
 */
export default fp(
  async (app) => {
    const allowed = new Set(app.deps.config.corsOrigins);
    const apiOptions: FastifyCorsOptions = {
      origin: (origin, callback) => callback(null, origin === undefined || allowed.has(origin)),
      credentials: true,
      methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: [
        'X-Request-Id',
        'Retry-After',
        'X-RateLimit-Limit',
        'X-RateLimit-Remaining',
        'X-RateLimit-Reset',
      ],
      maxAge: 600,
    };
    const boardOptions: FastifyCorsOptions = { origin: false };
    await app.register(cors, {
      delegator: (request, callback) => callback(null, isBoardPath(request) ? boardOptions : apiOptions),
    });
  },
  { name: 'cors', dependencies: ['deps'] },
);

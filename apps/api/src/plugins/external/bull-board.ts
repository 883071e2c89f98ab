import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Where the dashboard lives; also the `Path` of its session cookie. */
export const BOARD_BASE_PATH = '/admin/queues';
/** HttpOnly cookie holding a short-lived admin JWT, set by `POST /api/admin/board-session`. */
export const BOARD_COOKIE = 'shop_board';
/** Lifetime of the board JWT and its cookie, in seconds. */
export const BOARD_SESSION_TTL_SECONDS = 900;

/**
 * The board's CSP: the API's own policy plus the Google Fonts stylesheet and font files its page
 * links to and `blob:` images (job data downloads). It replaces the global policy on the board's
 * routes only (helmet per-route config); everything else keeps the strict one from helmet.ts.
 */
const BOARD_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com'],
  fontSrc: ["'self'", 'https://fonts.gstatic.com', 'data:'],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

function deny(reply: FastifyReply, status: 401 | 403, code: string, message: string) {
  return reply.status(status).send({ error: { code, message } });
}

/**
 * Bull Board (every queue in `app.deps.queues`) at /admin/queues, for admins only. The guard runs
 * on every board route (page, static files, API) and accepts the `shop_board` cookie or an
 * `Authorization: Bearer` access token; either must verify with the API's JWT settings (key,
 * HS256, iss, aud) and carry role `admin`. No token or a bad one is 401, another role 403.
 * `BULL_BOARD_READ_ONLY=true` makes every queue read-only (no retry, clean, pause, add...).
 */
export default fp(
  async (app) => {
    const { config, queues } = app.deps;
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(BOARD_BASE_PATH);
    createBullBoard({
      queues: Object.values(queues).map(
        ({ queue }) => new BullMQAdapter(queue, { readOnlyMode: config.BULL_BOARD_READ_ONLY }),
      ),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Simple Shop queues' } },
    });

    async function guard(request: FastifyRequest, reply: FastifyReply) {
      const header = request.headers.authorization;
      const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : request.cookies[BOARD_COOKIE];
      if (!token) return deny(reply, 401, 'UNAUTHORIZED', 'Admin session required: POST /api/admin/board-session');
      let user: { sub: string; role: string; sid: string };
      try {
        user = app.jwt.verify<{ sub: string; role: 'customer' | 'admin'; sid: string }>(token);
      } catch (error) {
        request.log.info({ reason: (error as Error).message }, 'board token rejected');
        return deny(reply, 401, 'UNAUTHORIZED', 'Missing or invalid board session');
      }
      if (await app.sessionRevocations.isRevoked(user.sid, request.log)) {
        request.log.info({ reason: 'session ended' }, 'board token rejected');
        return deny(reply, 401, 'UNAUTHORIZED', 'Missing or invalid board session');
      }
      if (user.role !== 'admin') return deny(reply, 403, 'FORBIDDEN', 'Admin role required');
      return undefined;
    }

    // Encapsulated: the guard and the CSP apply to the board's routes and nothing else.
    await app.register(async (board) => {
      board.addHook('onRoute', (route) => {
        route.config = {
          ...route.config,
          helmet: { contentSecurityPolicy: { directives: BOARD_CSP_DIRECTIVES } },
        } as typeof route.config;
      });
      board.addHook('onRequest', guard);
      await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_BASE_PATH });
    });
  },
  { name: 'bull-board', dependencies: ['deps', 'jwt', 'cookie', 'helmet', 'authenticate'] },
);

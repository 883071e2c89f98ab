import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { CookieSerializeOptions } from '@fastify/cookie';
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { verifyBoardToken, type BoardClaims } from '../../services/auth/board-tokens';
import boardCookie from './cookie';
import { API_HELMET_OPTIONS } from './helmet';

/** Where the dashboard lives; also the `Path` of its session cookie. */
export const BOARD_BASE_PATH = '/admin/queues';
/** The operator's login form (routes/admin/board-login.ts); unauthenticated page visits go there. */
export const BOARD_LOGIN_PATH = `${BOARD_BASE_PATH}/login`;
/** HttpOnly cookie holding a board token, set by the login form or `POST /api/admin/board-session`. */
export const BOARD_COOKIE = 'shop_board';

/** Attributes of the board cookie (without Max-Age): the same wherever it is set or cleared. */
export function boardCookieOptions(nodeEnv: string): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: BOARD_BASE_PATH,
    // Plain-HTTP localhost in development and tests; HTTPS (TLS in front of the API) everywhere else.
    secure: nodeEnv !== 'development' && nodeEnv !== 'test',
  };
}

/** The board's HTML pages (not its JSON API or static files): a browser is sent to the login form. */
function isBoardPage(request: FastifyRequest): boolean {
  const route = request.routeOptions.url ?? '';
  return (
    request.method === 'GET' &&
    !route.startsWith(`${BOARD_BASE_PATH}/api/`) &&
    !route.startsWith(`${BOARD_BASE_PATH}/static/`)
  );
}

/**
 * The board's CSP: the API's own policy plus inline styles (its loading screen) and `blob:` images
 * (job data downloads). It replaces the global policy on the board's routes only (helmet per-route
 * config); everything else keeps the strict one from helmet.ts. No third-party origin: the page's
 * Google Fonts link is removed (stripThirdPartyFonts), so an operator's browser calls only the API.
 */
const BOARD_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  fontSrc: ["'self'", 'data:'],
  imgSrc: ["'self'", 'data:', 'blob:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  upgradeInsecureRequests: null,
};

/**
 * Bull Board's page links a Google Fonts stylesheet. Removed: it would tell Google who opens the
 * board and when, it fails on networks without internet access (a failed request on every visit),
 * and the page falls back to the system sans-serif font.
 */
const GOOGLE_FONTS_LINK = /<link href="https:\/\/fonts\.googleapis\.com\/[^"]*" rel="stylesheet">\s*/g;
async function stripThirdPartyFonts(_request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  const type = String(reply.getHeader('content-type') ?? '');
  return typeof payload === 'string' && type.startsWith('text/html') ? payload.replace(GOOGLE_FONTS_LINK, '') : payload;
}

function deny(reply: FastifyReply, status: 401 | 403, code: string, message: string) {
  return reply.status(status).send({ error: { code, message } });
}

/**
 * Bull Board (every queue in `app.deps.queues`) at /admin/queues, for admins only. The guard runs
 * on every board route (page, static files, API) and accepts the `shop_board` cookie (a board
 * token: board audience, services/auth/board-tokens.ts) or an `Authorization: Bearer` access token
 * (scripts, curl); either must carry role `admin` and a login that has not ended. No token or a bad
 * one is 401 (a page visit is redirected to the login form instead), another role 403.
 * Read-only unless `BULL_BOARD_READ_ONLY=false` (no retry, clean, pause, add... by default).
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
      options: {
        uiConfig: {
          boardTitle: 'Simple Shop queues',
          miscLinks: [{ text: 'Log out', url: `${BOARD_BASE_PATH}/logout` }],
        },
      },
    });

    const unauthenticated = (request: FastifyRequest, reply: FastifyReply, message: string) =>
      isBoardPage(request) ? reply.redirect(BOARD_LOGIN_PATH, 303) : deny(reply, 401, 'UNAUTHORIZED', message);

    async function guard(request: FastifyRequest, reply: FastifyReply) {
      const header = request.headers.authorization;
      const bearer = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
      const cookie = request.cookies[BOARD_COOKIE];
      if (!bearer && !cookie)
        return unauthenticated(request, reply, `Admin session required: log in at ${BOARD_LOGIN_PATH}`);
      let user: BoardClaims;
      try {
        user = bearer ? app.jwt.verify<BoardClaims>(bearer) : verifyBoardToken(app.jwt, config.JWT_AUDIENCE, cookie!);
      } catch (error) {
        request.log.info({ reason: (error as Error).message }, 'board token rejected');
        return unauthenticated(request, reply, 'Missing or invalid board session');
      }
      if (await app.sessionRevocations.isRevoked(user.sid, request.log)) {
        request.log.info({ reason: 'session ended' }, 'board token rejected');
        return unauthenticated(request, reply, 'Missing or invalid board session');
      }
      if (user.role !== 'admin') return deny(reply, 403, 'FORBIDDEN', 'Admin role required');
      return undefined;
    }

    // Encapsulated: the cookie, the guard and the CSP apply to the board's routes and nothing else.
    await app.register(async (board) => {
      await board.register(boardCookie);
      // The board's own helmet (its CSP differs from the API's precomputed headers, helmet.ts).
      await board.register(fastifyHelmet, { ...(API_HELMET_OPTIONS as FastifyHelmetOptions), global: false });
      board.addHook('onRoute', (route) => {
        route.config = {
          ...route.config,
          helmet: { contentSecurityPolicy: { directives: BOARD_CSP_DIRECTIVES } },
        } as typeof route.config;
      });
      board.addHook('onRequest', guard);
      board.addHook('onSend', stripThirdPartyFonts);
      await board.register(serverAdapter.registerPlugin(), { prefix: BOARD_BASE_PATH });
    });
  },
  { name: 'bull-board', dependencies: ['deps', 'jwt', 'helmet', 'authenticate'] },
);

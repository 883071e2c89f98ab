import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CookieSerializeOptions } from '@fastify/cookie';
import { BOARD_BASE_PATH, BOARD_COOKIE, BOARD_SESSION_TTL_SECONDS } from '../../../plugins/external/bull-board';
import { BoardSessionCleared, BoardSessionCreated } from '../../../schemas/board-session';
import { errorResponses } from '../../../schemas/error';

/**
 * `/api/admin/board-session`: a browser cannot send a bearer header when it opens a page, so an
 * admin exchanges the access token for an HttpOnly cookie scoped to Bull Board (POST) and drops it
 * again (DELETE). The cookie holds a 15-minute JWT signed like an access token; the board's guard
 * (plugins/external/bull-board.ts) verifies it and requires role admin.
 */
const boardSession: FastifyPluginAsyncTypebox = async (app) => {
  const { NODE_ENV } = app.deps.config;
  const cookieOptions: CookieSerializeOptions = {
    httpOnly: true,
    sameSite: 'strict',
    path: BOARD_BASE_PATH,
    // Plain-HTTP localhost in development and tests; HTTPS (TLS in front of the API) everywhere else.
    secure: NODE_ENV !== 'development' && NODE_ENV !== 'test',
  };

  app.post(
    '/',
    {
      schema: {
        tags: ['admin'],
        summary: 'Open a Bull Board session (sets the shop_board cookie)',
        description: `Then open ${BOARD_BASE_PATH} in the same browser. The cookie expires after ${BOARD_SESSION_TTL_SECONDS} s.`,
        security: [{ bearerAuth: [] }],
        response: { 204: BoardSessionCreated, ...errorResponses },
      },
    },
    async (request, reply) => {
      const token = app.jwt.sign(
        // Bound to the same login: ending it (logout, password reset) also closes the board session.
        { sub: request.user.sub, role: request.user.role, sid: request.user.sid },
        { expiresIn: BOARD_SESSION_TTL_SECONDS },
      );
      return reply
        .setCookie(BOARD_COOKIE, token, { ...cookieOptions, maxAge: BOARD_SESSION_TTL_SECONDS })
        .status(204)
        .send(null);
    },
  );

  app.delete(
    '/',
    {
      schema: {
        tags: ['admin'],
        summary: 'Close the Bull Board session (clears the shop_board cookie)',
        security: [{ bearerAuth: [] }],
        response: { 204: BoardSessionCleared, ...errorResponses },
      },
    },
    async (_request, reply) => reply.clearCookie(BOARD_COOKIE, cookieOptions).status(204).send(null),
  );
};

export default boardSession;

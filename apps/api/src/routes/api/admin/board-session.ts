import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HttpError } from '../../../lib/http-error';
import { BOARD_BASE_PATH, BOARD_COOKIE, boardCookieOptions } from '../../../plugins/external/bull-board';
import boardCookie from '../../../plugins/external/cookie';
import { BoardSessionCleared, BoardSessionCreated } from '../../../schemas/board-session';
import { errorResponses } from '../../../schemas/error';
import { BOARD_SESSION_TTL_SECONDS, findUserById, issueBoardToken } from '../../../services/auth/index';

/**
 * `/api/admin/board-session`: a browser cannot send a bearer header when it opens a page, so an
 * admin exchanges the access token for an HttpOnly cookie scoped to Bull Board (POST) and drops it
 * again (DELETE). The cookie holds a board token (services/auth/board-tokens.ts): its own audience,
 * so it opens the board and nothing else, and cannot be posted back here for another one; it expires
 * with the access token that asked for it (at most 15 minutes); and the admin role is read from the
 * database, so a demoted admin gets no new board session from a still-valid access token.
 */
const boardSession: FastifyPluginAsyncTypebox = async (app) => {
  const { NODE_ENV, JWT_AUDIENCE } = app.deps.config;
  const { users } = app.deps.database.collections;
  const cookieOptions = boardCookieOptions(NODE_ENV);
  await app.register(boardCookie);

  app.post(
    '/',
    {
      schema: {
        tags: ['admin'],
        summary: 'Open a Bull Board session (sets the shop_board cookie)',
        description: `Then open ${BOARD_BASE_PATH} in the same browser. The cookie expires with the access token, after at most ${BOARD_SESSION_TTL_SECONDS} s.`,
        security: [{ bearerAuth: [] }],
        response: { 204: BoardSessionCreated, ...errorResponses },
      },
    },
    async (request, reply) => {
      const user = await findUserById(users, request.user.sub);
      if (user?.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'Admin role required');
      // Bound to the same login (sid): ending it (logout, password reset) also closes the board session.
      const issued = issueBoardToken(
        app.jwt,
        JWT_AUDIENCE,
        { sub: request.user.sub, role: user.role, sid: request.user.sid },
        request.user.exp,
      );
      if (!issued) throw new HttpError(401, 'UNAUTHORIZED', 'Missing or invalid access token');
      return reply
        .setCookie(BOARD_COOKIE, issued.token, { ...cookieOptions, maxAge: issued.lifetimeSeconds })
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

import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import { HttpError } from '../../lib/http-error';
import { BOARD_BASE_PATH, BOARD_COOKIE, BOARD_LOGIN_PATH, boardCookieOptions } from '../../plugins/external/bull-board';
import boardCookie from '../../plugins/external/cookie';
import { errorResponses } from '../../schemas/error';
import { issueBoardToken, issueRefreshToken, revokeFamily, verifyBoardToken } from '../../services/auth/index';
import { renderBoardLoginPage } from './login-page';

const Html = (description: string) => ({
  description,
  content: { 'text/html': { schema: Type.String() } },
});
const Redirect = (description: string) => Type.Null({ description });

const LoginForm = Type.Object(
  {
    // Lengths are checked by the shared login service, with the same messages as /api/auth/login.
    email: Type.String({ minLength: 1, maxLength: 1024 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);

/**
 * The operator's way into Bull Board from a browser: a form at /admin/queues/login. It checks the
 * password with the same service, per-account limit and per-IP limit as `POST /api/auth/login`, and
 * sets the board cookie for admins only. The login is a refresh-token family of its own (whose token
 * is never handed out) so that a password reset or a logout ends it like any other login.
 */
const boardLogin: FastifyPluginAsyncTypebox = async (app) => {
  const { config, database } = app.deps;
  const { collections } = database;
  const perIpLimit = app.authPerIpLimit;
  const cookieOptions = boardCookieOptions(config.NODE_ENV);
  await app.register(formbody, { bodyLimit: 4096 });
  await app.register(boardCookie);

  const boardSessionOf = (cookie: string | undefined, log: FastifyBaseLogger): string | undefined => {
    if (!cookie) return undefined;
    try {
      return verifyBoardToken(app.jwt, config.JWT_AUDIENCE, cookie).sid;
    } catch (error) {
      log.info({ reason: (error as Error).message }, 'board logout with an invalid cookie');
      return undefined;
    }
  };

  const page = (reply: FastifyReply, status: number, error?: string, email?: string) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(
        renderBoardLoginPage({ action: BOARD_LOGIN_PATH, ...(error ? { error } : {}), ...(email ? { email } : {}) }),
      );

  app.get(
    '/login',
    {
      schema: {
        // A browser page, not part of the JSON API: kept out of the OpenAPI document, like Bull Board's own routes.
        hide: true,
        tags: ['admin'],
        summary: 'Operator login form for Bull Board',
        response: { 200: Html('The login form') },
      },
    },
    async (_request, reply) => page(reply, 200),
  );

  app.post(
    '/login',
    {
      config: perIpLimit,
      schema: {
        // A browser page, not part of the JSON API: kept out of the OpenAPI document, like Bull Board's own routes.
        hide: true,
        tags: ['admin'],
        summary: 'Log in to Bull Board (form post; sets the shop_board cookie for admins)',
        consumes: ['application/x-www-form-urlencoded'],
        body: LoginForm,
        response: {
          303: Redirect('Logged in: to /admin/queues/ with the shop_board cookie set'),
          400: Html('The form again, with the reason'),
          401: Html('The form again: wrong email or password'),
          403: Html('The form again: the account is not an admin'),
          429: Html('The form again: too many attempts (Retry-After)'),
          '5xx': errorResponses['5xx'],
        },
      },
    },
    async (request, reply) => {
      const { email } = request.body;
      let user;
      try {
        user = await app.authService.verifyLogin(request.body, app.callerOf(request));
      } catch (error) {
        if (!(error instanceof HttpError) || error.statusCode >= 500) throw error;
        for (const [name, value] of Object.entries(error.headers ?? {})) void reply.header(name, value);
        const message = error.statusCode === 400 ? 'Enter a valid email and password.' : error.message;
        return page(reply, error.statusCode, message, email);
      }
      if (user.role !== 'admin') {
        request.log.info({ event: 'board_login_refused', userId: user._id.toHexString() }, 'board login: not an admin');
        return page(reply, 403, 'This account is not an operator account.', email);
      }
      const login = await issueRefreshToken(collections, { userId: user._id, ttlDays: config.REFRESH_TOKEN_TTL_DAYS });
      const issued = issueBoardToken(
        app.jwt,
        config.JWT_AUDIENCE,
        { sub: user._id.toHexString(), role: user.role, sid: login.doc.familyId },
        login.doc.expiresAt.getTime() / 1000,
      )!;
      request.log.info({ event: 'board_login', userId: user._id.toHexString() }, 'operator logged in to the board');
      return reply
        .setCookie(BOARD_COOKIE, issued.token, { ...cookieOptions, maxAge: issued.lifetimeSeconds })
        .header('cache-control', 'no-store')
        .redirect(`${BOARD_BASE_PATH}/`, 303);
    },
  );

  app.get(
    '/logout',
    {
      schema: {
        // A browser page, not part of the JSON API: kept out of the OpenAPI document, like Bull Board's own routes.
        hide: true,
        tags: ['admin'],
        summary: 'Log out of Bull Board: ends the board login and clears the cookie',
        response: { 303: Redirect('To the login form') },
      },
    },
    async (request, reply) => {
      const sid = boardSessionOf(request.cookies[BOARD_COOKIE], request.log);
      if (sid) {
        await revokeFamily(collections, sid, 'logout');
        await app.sessionRevocations.revoke([sid], request.log);
      }
      return reply.clearCookie(BOARD_COOKIE, cookieOptions).redirect(BOARD_LOGIN_PATH, 303);
    },
  );
};

export default boardLogin;

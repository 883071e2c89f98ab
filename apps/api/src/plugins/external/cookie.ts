import fastifyCookie from '@fastify/cookie';
import fp from 'fastify-plugin';

/**
 * Cookie parsing (`request.cookies`) and `reply.setCookie`, for the routes that use the board cookie
 * only: Bull Board, its login form and `/api/admin/board-session` each register this in their own
 * (encapsulated) context. A browser cannot send a bearer header when it loads a page, so the board runs
 * on a cookie; the API itself stays bearer-only, and its other routes — the catalog reads above all —
 * do not pay a cookie parse and a reply hook on every request. Cookies are not signed here: the only
 * one we read is a JWT, verified like an access token.
 */
export default fp(
  async (app) => {
    await app.register(fastifyCookie, { hook: 'onRequest' });
  },
  { name: 'board-cookie' },
);

import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';

/**
 * Cookie parsing (`request.cookies`) and `reply.setCookie`. Only Bull Board uses a cookie (a browser
 * cannot send a bearer header when it loads a page); the API itself stays bearer-only. Cookies are
 * not signed here: the only one we read is a JWT, verified like an access token.
 */
export default fp(
  async (app) => {
    await app.register(cookie, { hook: 'onRequest' });
  },
  { name: 'cookie' },
);

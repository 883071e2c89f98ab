import type { FastifyPluginAsync } from 'fastify';
import boardSession from './board-session';
import failedWebhooks from './failed-webhooks';
import maintenance from './maintenance';
import orders from './orders';
import products from './products';
import users from './users';

/**
 * /api/admin: every route in this folder requires the admin role. The guard is one onRequest hook on
 * this encapsulated plugin, so it runs for every route registered below it (and any route added to the
 * folder later) instead of being repeated, and possibly forgotten, on each route. admin.test.ts walks
 * every /api/admin route and checks 401 anonymous, 403 for a customer.
 */
const admin: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.requireAdmin);

  await app.register(users, { prefix: '/users' });
  await app.register(products, { prefix: '/products' });
  await app.register(orders, { prefix: '/orders' });
  await app.register(maintenance, { prefix: '/maintenance' });
  await app.register(failedWebhooks, { prefix: '/failed-webhooks' });
  await app.register(boardSession, { prefix: '/board-session' });
};

export default admin;

import type { FastifyPluginAsync } from 'fastify';
import boardSession from './board-session';
import failedWebhooks from './failed-webhooks';
import maintenance from './maintenance';
import orders from './orders';
import products from './products';
import users from './users';

/** /api/admin: every route here requires the admin role (each route sets `onRequest: app.requireAdmin`). */
const admin: FastifyPluginAsync = async (app) => {
  await app.register(users, { prefix: '/users' });
  await app.register(products, { prefix: '/products' });
  await app.register(orders, { prefix: '/orders' });
  await app.register(maintenance, { prefix: '/maintenance' });
  await app.register(failedWebhooks, { prefix: '/failed-webhooks' });
  await app.register(boardSession, { prefix: '/board-session' });
};

export default admin;

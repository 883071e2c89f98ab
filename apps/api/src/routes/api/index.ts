import type { FastifyPluginAsync } from 'fastify';
import admin from './admin/index';

/**
 * Everything under /api. Each sub-folder mirrors its URL prefix (auth, products, cart, orders,
 * payments, admin) and registers its own routes.
 */
const api: FastifyPluginAsync = async (app) => {
  await app.register(admin, { prefix: '/admin' });
};

export default api;

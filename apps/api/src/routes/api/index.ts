import type { FastifyPluginAsync } from 'fastify';
import admin from './admin/index';
import auth from './auth/index';
import cart from './cart/index';
import orders from './orders/index';
import payments from './payments/index';
import products from './products/index';

/**
 * Everything under /api. Each sub-folder mirrors its URL prefix and registers its own routes.
 */
const api: FastifyPluginAsync = async (app) => {
  await app.register(auth, { prefix: '/auth' });
  await app.register(products, { prefix: '/products' });
  await app.register(cart, { prefix: '/cart' });
  await app.register(orders, { prefix: '/orders' });
  await app.register(payments, { prefix: '/payments' });
  await app.register(admin, { prefix: '/admin' });
};

export default api;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../../../lib/http-error';
import { CartAddBody, CartRemoveBody, CartUpdateBody, CartView } from '../../../schemas/cart';
import { errorResponses } from '../../../schemas/error';
import { cartServiceFor } from '../../../services/cart/cart-service';

/** The caller's user id: the cart is always the token subject's own (there is no cart id). */
function userIdOf(request: FastifyRequest): string {
  const sub = request.user.sub;
  if (typeof sub !== 'string' || !/^[0-9a-f]{24}$/i.test(sub)) throw unauthorized('Invalid token subject');
  return sub.toLowerCase();
}

/** /api/cart (authenticated): one cart per user, MongoDB-durable with a Redis copy. */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const carts = cartServiceFor(app.deps, app.log);
  const common = { tags: ['cart'], security: [{ bearerAuth: [] }] };
  const response = { 200: CartView, ...errorResponses };

  app.get(
    '/',
    { onRequest: app.authenticate, schema: { ...common, summary: "The caller's cart", response } },
    async (request) => carts.view(userIdOf(request)),
  );

  app.post(
    '/add',
    {
      onRequest: app.authenticate,
      schema: { ...common, summary: 'Add a quantity of a product', body: CartAddBody, response },
    },
    async (request) => carts.add(userIdOf(request), request.body.productId, request.body.quantity),
  );

  app.post(
    '/update',
    {
      onRequest: app.authenticate,
      schema: { ...common, summary: 'Set the quantity of a line', body: CartUpdateBody, response },
    },
    async (request) => carts.update(userIdOf(request), request.body.productId, request.body.quantity),
  );

  app.post(
    '/remove',
    {
      onRequest: app.authenticate,
      schema: { ...common, summary: "Remove a product's line", body: CartRemoveBody, response },
    },
    async (request) => carts.remove(userIdOf(request), request.body.productId),
  );

  app.post(
    '/clear',
    { onRequest: app.authenticate, schema: { ...common, summary: 'Empty the cart', response } },
    async (request) => (await carts.clear(userIdOf(request))).cart,
  );
};

export default routes;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/cart routes. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/products routes. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

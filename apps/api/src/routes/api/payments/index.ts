import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/payments routes. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/orders routes. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/auth routes. */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/admin/users routes (admin role only). */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

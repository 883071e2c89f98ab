import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

/** /api/admin/products routes (admin role only). */
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;

import type { FastifyPluginAsync } from 'fastify';
import maintenance from './maintenance';

/** /api/admin: every route here requires the admin role (each route sets its own guard). */
const admin: FastifyPluginAsync = async (app) => {
  await app.register(maintenance, { prefix: '/maintenance' });
};

export default admin;

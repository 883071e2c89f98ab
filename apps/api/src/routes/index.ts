import type { FastifyPluginAsync } from 'fastify';
import api from './api/index';
import health from './health/index';
import metrics from './metrics/index';

const routes: FastifyPluginAsync = async (app) => {
  await app.register(health, { prefix: '/health' });
  await app.register(metrics, { prefix: '/metrics' });
  await app.register(api, { prefix: '/api' });
};

export default routes;

import type { FastifyPluginAsync } from 'fastify';
import { BOARD_BASE_PATH } from '../plugins/external/bull-board';
import boardLogin from './admin/board-login';
import api from './api/index';
import health from './health/index';
import metrics from './metrics/index';

const routes: FastifyPluginAsync = async (app) => {
  await app.register(health, { prefix: '/health' });
  await app.register(metrics, { prefix: '/metrics' });
  await app.register(api, { prefix: '/api' });
  // Outside the board's guard (plugins/external/bull-board.ts): the way in must be reachable without a session.
  await app.register(boardLogin, { prefix: BOARD_BASE_PATH });
};

export default routes;

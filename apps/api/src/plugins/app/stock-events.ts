import fp from 'fastify-plugin';
import { catalogFor } from '../../services/catalog/index';

declare module 'fastify' {
  interface FastifyInstance {
    /** Call after stock of these products changed (holds taken/released) so no stale stock is served. */
    afterStockChange: (productIds: string[]) => Promise<void>;
  }
}

export default fp(
  async (app) => {
    const catalog = catalogFor(app.deps, app.log);
    app.decorate('afterStockChange', async (productIds: string[]) => {
      await catalog.invalidate(productIds);
    });
  },
  { name: 'stock-events', dependencies: ['deps'] },
);

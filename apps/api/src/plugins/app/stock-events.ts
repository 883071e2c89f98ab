import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** Call after stock of these products changed (holds taken/released) so no stale stock is served. */
    afterStockChange: (productIds: string[]) => Promise<void>;
  }
}

export default fp(
  async (app) => {
    app.decorate('afterStockChange', async (_productIds: string[]) => {
      // Wired to the product cache invalidation once the catalog cache exists.
    });
  },
  { name: 'stock-events', dependencies: ['deps'] },
);

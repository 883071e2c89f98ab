import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from '@simple-shop/config';
import { createLogger, type Logger } from '@simple-shop/observability';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { createDependencies, type AppDependencies } from './deps';
import { codeForStatus } from './lib/http-error';
import { ApiLogController } from './lib/log-controller';
import { validatorCompiler } from './lib/validator';
import authenticate from './plugins/app/authenticate';
import credentials from './plugins/app/credentials';
import datastoreMetrics from './plugins/app/datastore-metrics';
import dependencyMetrics from './plugins/app/dependency-metrics';
import errorHandler from './plugins/app/error-handler';
import httpMetrics from './plugins/app/http-metrics';
import jsonBody from './plugins/app/json-body';
import requestId, { genReqId } from './plugins/app/request-id';
import shopMetrics from './plugins/app/shop-metrics';
import stockEvents from './plugins/app/stock-events';
import bullBoard from './plugins/external/bull-board';
import cors from './plugins/external/cors';
import helmet from './plugins/external/helmet';
import jwt from './plugins/external/jwt';
import rateLimit from './plugins/external/rate-limit';
import rawBody from './plugins/external/raw-body';
import swagger from './plugins/external/swagger';
import routes from './routes/index';

/**
 * The application as a plugin (fastify/demo style): plugins first, then routes. It receives its
 * dependencies ready-made; `server.ts` owns the process, `buildApp` serves tests and tools.
 */
export const appPlugin = fp<{ deps: AppDependencies }>(
  async (app, { deps }) => {
    app.decorate('deps', deps);
    await app.register(fp(async () => {}, { name: 'deps' }));
    await app.register(errorHandler);
    await app.register(jsonBody);
    await app.register(requestId);
    await app.register(httpMetrics);
    await app.register(shopMetrics);
    await app.register(datastoreMetrics);
    await app.register(dependencyMetrics);
    await app.register(helmet);
    await app.register(cors);
    await app.register(rateLimit);
    await app.register(rawBody);
    await app.register(jwt);
    await app.register(authenticate);
    await app.register(credentials);
    await app.register(stockEvents);
    await app.register(swagger);
    await app.register(bullBoard);
    await app.register(routes);
  },
  { name: 'simple-shop-api' },
);

export interface BuildAppOptions {
  config: Config;
  logger?: Logger;
  /** Supply to share or fake nothing: tests pass none and get real connections. */
  deps?: AppDependencies;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ service: 'api', level: config.LOG_LEVEL });
  const deps = options.deps ?? (await createDependencies(config, logger));
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    genReqId,
    logController: new ApiLogController(logger as FastifyBaseLogger),
    trustProxy: config.trustProxy,
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Keep-alive sockets are closed on shutdown once their in-flight request is answered.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    // Router-level failures (malformed percent-encoding, an over-long path parameter) happen before
    // routing and never reach the error handler: give them the same error body.
    frameworkErrors: (error, _request, reply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 400;
      void (reply as FastifyReply)
        .code(status)
        .send({ error: { code: codeForStatus(status), message: error.message } });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Dependencies made here are closed here; injected ones belong to the caller.
  if (!options.deps) app.addHook('onClose', async () => deps.close());
  await app.register(appPlugin, { deps });
  await app.ready();
  return app;
}

/**
 * The framework's limit on this machine: a bare Fastify (the API's exact version, loaded from
 * apps/api) with one JSON route, no logger, no plugins. Run as its own process by the bench.
 */
import { createRequire } from 'node:module';

interface MinimalFastify {
  get(path: string, handler: () => unknown): void;
  listen(opts: { host: string; port: number }): Promise<string>;
  close(): Promise<void>;
}

const requireFromApi = createRequire(new URL('../apps/api/package.json', import.meta.url));
const Fastify = requireFromApi('fastify') as (opts?: { logger?: boolean }) => MinimalFastify;

const app = Fastify({ logger: false });
app.get('/', () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });

const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

import { createServer } from 'vite';
import { runtimeConfig } from './runtime-config';

export interface StorefrontDevServer {
  /** Where the storefront answers, e.g. `http://localhost:3000`. */
  url: string;
  close(): Promise<void>;
}

/**
 * The storefront's Vite dev server (hot reload) for `pnpm dev`, pointed at `apiUrl`. Takes the next
 * free port when `port` is busy; `url` says which one it got.
 */
export async function startStorefrontDevServer(options: {
  port: number;
  apiUrl: string;
}): Promise<StorefrontDevServer> {
  const server = await createServer({
    root: import.meta.dirname,
    configFile: false,
    logLevel: 'warn',
    plugins: [runtimeConfig(options.apiUrl)],
    server: { port: options.port, strictPort: false },
  });
  await server.listen();
  const url = (server.resolvedUrls?.local[0] ?? `http://localhost:${options.port}/`).replace(/\/$/, '');
  return { url, close: () => server.close() };
}

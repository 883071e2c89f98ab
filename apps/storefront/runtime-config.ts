import type { Plugin } from 'vite';

/**
 * Serves `/config.json` (the API's URL, read by the page at start-up) from the dev or preview
 * server, so the same build can be pointed at any API. Static hosting (nginx) serves the file from
 * the build output instead, where `public/config.json` put it.
 */
export function runtimeConfig(apiUrl: string): Plugin {
  const body = JSON.stringify({ apiUrl });
  const serve = (server: {
    middlewares: {
      use: (
        path: string,
        handler: (req: unknown, res: { setHeader(n: string, v: string): void; end(b: string): void }) => void,
      ) => void;
    };
  }) =>
    server.middlewares.use('/config.json', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(body);
    });
  return { name: 'simple-shop-runtime-config', configureServer: serve, configurePreviewServer: serve };
}

import type { Connect, Plugin } from 'vite';

/**
 * Serves `/config.json` (the API's URL, read by the page at start-up) from the dev or preview
 * server, so the same build can be pointed at any API. Static hosting (nginx) serves the file from
 * the build output instead, where `public/config.json` put it.
 */
export function runtimeConfig(apiUrl: string | (() => string)): Plugin {
  const body = () => JSON.stringify({ apiUrl: typeof apiUrl === 'function' ? apiUrl() : apiUrl });
  // Returns nothing: a function returned from these hooks would be run as a post-middleware hook.
  const serve = (server: { middlewares: Connect.Server }): void => {
    server.middlewares.use('/config.json', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(body());
    });
  };
  return { name: 'simple-shop-runtime-config', configureServer: serve, configurePreviewServer: serve };
}

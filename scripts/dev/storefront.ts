/**
 * `pnpm dev`: the reference storefront (apps/storefront) on its Vite dev server, port
 * STOREFRONT_PORT (default 3000, the next free one if taken), talking to the local API.
 * Its URL becomes the default PUBLIC_APP_URL, Stripe return URLs and CORS origin, so the links in
 * emails and the redirect after paying land on real pages.
 */
import { startStorefrontDevServer } from '../../apps/storefront/dev-server';

export interface DevStorefront {
  url: string;
  /** Variables for the API and the worker; the environment's own values win. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startDevStorefront(options: { apiPort: string | number }): Promise<DevStorefront> {
  const server = await startStorefrontDevServer({
    port: Number(process.env.STOREFRONT_PORT ?? 3000),
    apiUrl: `http://localhost:${options.apiPort}`,
  });
  const { url } = server;
  const defaults: Record<string, string> = {
    PUBLIC_APP_URL: url,
    CHECKOUT_SUCCESS_URL: `${url}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    CHECKOUT_CANCEL_URL: `${url}/checkout/cancelled`,
    CORS_ORIGINS: `${url},http://localhost:5173`,
  };
  const env = Object.fromEntries(Object.entries(defaults).filter(([name]) => process.env[name] === undefined));
  return { url, env, stop: () => server.close() };
}

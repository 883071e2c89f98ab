import { resolveApiUrl } from './api-url';

/**
 * Where the API is. Read at start-up from `/config.json` next to the page, so one static build
 * serves any environment (nginx, a test, `pnpm dev`) without rebuilding. `apiUrl` is an absolute
 * URL or a path (`/`: the API on this page's origin); see `api-url.ts`.
 */
export interface StorefrontConfig {
  apiUrl: string;
}

export async function loadConfig(): Promise<StorefrontConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<StorefrontConfig>;
  return { apiUrl: resolveApiUrl(body.apiUrl, location.href) };
}

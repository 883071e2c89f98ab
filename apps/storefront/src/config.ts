/**
 * Where the API is. Read at start-up from `/config.json` next to the page, so one static build
 * serves any environment (nginx, a test, `pnpm dev`) without rebuilding. `apiUrl` is an absolute
 * http(s) URL (an API on another origin, which must list this one in CORS_ORIGINS) or a path such
 * as `/`: the API on the page's own origin, behind the same load balancer (the storefront image).
 * A protocol-relative `//host` is refused: it would be another origin without saying so.
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

/** `apiUrl` resolved against the page's address, without a trailing slash (paths start with one). */
export function resolveApiUrl(apiUrl: unknown, pageUrl: string): string {
  if (typeof apiUrl !== 'string' || !/^(https?:\/\/|\/(?!\/))/.test(apiUrl))
    throw new Error('config.json: apiUrl missing');
  return new URL(apiUrl, pageUrl).href.replace(/\/+$/, '');
}

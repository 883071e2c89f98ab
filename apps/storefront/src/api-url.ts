/**
 * The API's base URL from config.json's `apiUrl`: an absolute http(s) URL (an API on another origin, which
 * must list this one in CORS_ORIGINS) or a path such as `/`: the API on the page's own origin, behind the
 * same load balancer (the storefront image). A protocol-relative `//host` is refused: it would be another
 * origin without saying so. Resolved against the page's address, without a trailing slash (API paths start
 * with one). No DOM here, so tests run it without a browser.
 */
export function resolveApiUrl(apiUrl: unknown, pageUrl: string): string {
  if (typeof apiUrl !== 'string' || !/^(https?:\/\/|\/(?!\/))/.test(apiUrl))
    throw new Error('config.json: apiUrl missing');
  return new URL(apiUrl, pageUrl).href.replace(/\/+$/, '');
}

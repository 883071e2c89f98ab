/**
 * Where the API is. Read at start-up from `/config.json` next to the page, so one static build
 * serves any environment (nginx, a test, `pnpm dev`) without rebuilding.
 */
export interface StorefrontConfig {
  apiUrl: string;
}

export async function loadConfig(): Promise<StorefrontConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: HTTP ${res.status}`);
  const body = (await res.json()) as Partial<StorefrontConfig>;
  if (typeof body.apiUrl !== 'string' || !/^https?:\/\//.test(body.apiUrl))
    throw new Error('config.json: apiUrl missing');
  return { apiUrl: body.apiUrl.replace(/\/+$/, '') };
}

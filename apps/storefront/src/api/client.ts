import { handoffFor, recordHandoff } from './refresh-handoff';
import { clearSession, currentSession, saveTokens } from './session';
import type { TokenPair } from './types';

/** An error answer of the API: `{error: {code, message, details?}}` plus the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Seconds, from Retry-After (429, 503). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

let apiUrl = '';
export function setApiUrl(url: string): void {
  apiUrl = url;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Send the access token (and refresh it once on a 401). */
  auth?: boolean;
  headers?: Record<string, string>;
}

async function send(path: string, options: RequestOptions, accessToken?: string): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  try {
    return await fetch(`${apiUrl}${path}`, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'NETWORK_ERROR', 'The shop cannot be reached. Check your connection and try again.');
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; details?: unknown } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not our error body (a proxy's page): fall back to the status.
  }
  const retryAfter = Number(res.headers.get('retry-after')) || undefined;
  return new ApiError(
    res.status,
    body.error?.code ?? `HTTP_${res.status}`,
    body.error?.message ?? res.statusText,
    body.error?.details,
    retryAfter,
  );
}

/**
 * One refresh at a time. A refresh token is single-use (the API revokes the whole login when a
 * spent one comes back), so two parallel refreshes — two requests failing at once, or two tabs —
 * would log the shopper out, and two refreshes in a row would waste one. Within a tab the promise
 * is shared; across tabs a Web Lock serialises them, and the lock holder hands its new tokens to
 * the next one through IndexedDB (refresh-handoff.ts: localStorage reaches other tabs late). `stale`
 * is the access token the API refused:
 * when the stored one differs, another request or tab has already refreshed (a 401 that arrives
 * after the refresh finished, say), and the caller just retries with the stored token.
 */
let refreshing: Promise<string | null> | null = null;

export function refreshAccessToken(stale: string): Promise<string | null> {
  const session = currentSession();
  if (!session) return Promise.resolve(null);
  if (session.accessToken !== stale) return Promise.resolve(session.accessToken);
  refreshing ??= (async () => {
    const run = async (): Promise<string | null> => {
      const current = currentSession();
      if (!current) return null;
      if (current.accessToken !== stale) return current.accessToken; // another tab refreshed
      // Another tab refreshed just before, and its localStorage write has not reached this tab yet.
      const handed = await handoffFor(stale);
      if (handed) {
        saveTokens(handed);
        return handed.accessToken;
      }
      const res = await send('/api/auth/refresh', { method: 'POST', body: { refreshToken: current.refreshToken } });
      // Only a refused refresh token ends the login; a 429, a 5xx or a network error does not.
      if (res.status === 400 || res.status === 401) {
        clearSession();
        return null;
      }
      if (!res.ok) throw await errorOf(res);
      const tokens = (await res.json()) as TokenPair;
      saveTokens(tokens);
      // Committed before the lock is released, so the next tab to hold it sees it.
      await recordHandoff({ replaced: stale, tokens });
      return tokens.accessToken;
    };
    return navigator.locks ? navigator.locks.request('shop.refresh', run) : run();
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** Calls the API; resolves with the JSON body (undefined for 204), rejects with ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const sent = options.auth ? currentSession()?.accessToken : undefined;
  if (options.auth && !sent) throw new ApiError(401, 'UNAUTHORIZED', 'Please log in first.');
  let res = await send(path, options, sent);
  if (res.status === 401 && sent) {
    const token = await refreshAccessToken(sent);
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Your session has ended. Please log in again.');
    res = await send(path, options, token);
  }
  if (!res.ok) throw await errorOf(res);
  // Read the body even when there is none (204): a body left unread ends as an aborted request.
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

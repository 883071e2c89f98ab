/**
 * `pnpm dev`: the reference storefront (apps/storefront) on its own Vite dev server (hot reload),
 * run as a child process like the API and the worker, on STOREFRONT_PORT (default 3000, the next
 * free one if taken) and pointed at the local API. Its URL becomes the default PUBLIC_APP_URL,
 * Stripe return URLs and CORS origin, so email links and the redirect after paying land on real pages.
 */
import { spawn } from 'node:child_process';
import { onLines } from '@simple-shop/dev-services';

export interface DevStorefront {
  url: string;
  /** Variables for the API and the worker; the environment's own values win. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The storefront's own Vite (its devDependency), relative to apps/storefront. */
const VITE_BIN = 'node_modules/vite/bin/vite.js';
// Vite colours its banner; the URL is read from the plain text.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export async function startDevStorefront(options: { apiPort: string | number }): Promise<DevStorefront> {
  const port = process.env.STOREFRONT_PORT ?? '3000';
  // Vite's own CLI in this process's node, no pnpm in between: stopping it stops the server.
  const child = spawn(process.execPath, [VITE_BIN, '--port', port, '--clearScreen', 'false'], {
    cwd: 'apps/storefront',
    env: { ...process.env, STOREFRONT_API_URL: `http://localhost:${options.apiPort}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('storefront dev server did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`storefront dev server exited (${code})`)));
    const onLine = (line: string) => {
      const match = /Local:\s+(https?:\/\/\S+?)\/?$/.exec(line.replace(ANSI, '').trim());
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    onLines(child.stdout, onLine);
    onLines(child.stderr, (line) => {
      if (/error/i.test(line)) process.stderr.write(`[storefront] ${line}\n`);
      onLine(line);
    });
  });
  const defaults: Record<string, string> = {
    PUBLIC_APP_URL: url,
    CHECKOUT_SUCCESS_URL: `${url}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    CHECKOUT_CANCEL_URL: `${url}/checkout/cancelled`,
    CORS_ORIGINS: `${url},http://localhost:5173`,
  };
  const env = Object.fromEntries(Object.entries(defaults).filter(([name]) => process.env[name] === undefined));
  return {
    url,
    env,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

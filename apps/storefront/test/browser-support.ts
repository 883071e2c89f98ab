/**
 * The whole shop for browser tests: the API and worker as real processes (packages/testing's
 * stack, with the Stripe simulator and an SMTP catcher), the storefront's production build served
 * by `vite preview`, and Debian's Chromium driven by puppeteer-core (no browser download).
 * Every page records console errors, uncaught exceptions and failed requests; tests assert none.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startStack, type Stack } from '@simple-shop/testing';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { build, preview, type PreviewServer } from 'vite';
import { runtimeConfig } from '../runtime-config';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const STOREFRONT_ROOT = resolve(import.meta.dirname, '..');

/**
 * Why the browser tests cannot run here, or undefined when they can. In CI (`CI` or
 * `REQUIRE_BROWSER_TESTS` set) a missing Chromium is an error, not a skip: `.ci/run` installs it,
 * so its absence means the run is broken.
 */
export function browserSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const reason = `[needs Chromium: ${CHROMIUM_PATH} not found; apt-get install -y chromium]`;
  if (process.env.CI || process.env.REQUIRE_BROWSER_TESTS) throw new Error(`${reason} — required in CI`);
  console.warn(`browser tests skipped: ${reason}`);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_FLAGS,
    defaultViewport: { width: 1280, height: 900 },
  });
}

/** A page that records everything that went wrong on it. */
export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and failed requests, as text. */
  problems: string[];
}

export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught on ${page.url()}: ${(error as Error).message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? '?'})`),
  );
  page.on('dialog', (dialog) => void dialog.accept());
  page.setDefaultTimeout(30_000);
  return { page, problems };
}

/**
 * `pnpm screenshots` runs the browser tests with SCREENSHOTS_DIR=docs/images: the journeys then
 * save PNGs of the pages they pass through (README). In a normal test run this does nothing.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) as `${string}.png` });
}

/** The storefront's production build, served on a free port; `apiUrl` is read when the page asks. */
export async function serveStorefront(apiUrl: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const outDir = mkdtempSync(join(tmpdir(), 'storefront-'));
  await build({ root: STOREFRONT_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  const server: PreviewServer = await preview({
    root: STOREFRONT_ROOT,
    configFile: false,
    logLevel: 'warn',
    plugins: [runtimeConfig(apiUrl)],
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      rmSync(outDir, { recursive: true, force: true });
    },
  };
}

export interface Shop {
  stack: Stack;
  storefrontUrl: string;
  apiUrl: string;
  browser: Browser;
  stop(): Promise<void>;
}

/** Storefront first (its URL goes into the API's CORS and Stripe return URLs), then the stack. */
export async function startShop(): Promise<Shop> {
  let apiUrl = '';
  const storefront = await serveStorefront(() => apiUrl);
  const sf = storefront.url;
  let stack: Stack | undefined;
  try {
    stack = await startStack({
      env: {
        CORS_ORIGINS: sf,
        PUBLIC_APP_URL: sf,
        CHECKOUT_SUCCESS_URL: `${sf}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
        CHECKOUT_CANCEL_URL: `${sf}/checkout/cancelled`,
      },
    });
    apiUrl = stack.url;
    const browser = await launchChromium();
    const running = stack;
    return {
      stack: running,
      storefrontUrl: sf,
      apiUrl,
      browser,
      async stop() {
        await browser.close();
        await running.stop();
        await storefront.close();
      },
    };
  } catch (error) {
    await stack?.stop();
    await storefront.close();
    throw error;
  }
}

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
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
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

/** An error answer a test expects on its page (a 409 at checkout, a 429, a wrong password's 401). */
export interface ExpectedFailure {
  method: string;
  /** The URL's path, without the query. */
  path: string;
  status: number;
}

/** A page that records everything that went wrong on it. */
export interface WatchedPage {
  page: Page;
  /**
   * Console errors, page errors, failed requests and error answers (status >= 400), as text. An
   * answer listed in `expected` is not a problem, nor is the console line Chromium logs for it.
   */
  problems: string[];
  /** The error answers the test expects on this page; fill it in the test that causes them. */
  expected: ExpectedFailure[];
  /** Every answer with status >= 400 seen on the page, as `METHOD /path STATUS` (expected or not). */
  failedResponses: string[];
}

const pathOf = (url: string) => {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
};

export async function watchedPage(browser: Browser | BrowserContext): Promise<WatchedPage> {
  const page = await browser.newPage();
  const problems: string[] = [];
  const expected: ExpectedFailure[] = [];
  const failedResponses: string[] = [];
  const isExpected = (method: string | undefined, url: string, status: number) =>
    expected.some(
      (e) => (method === undefined || e.method === method) && e.path === pathOf(url) && e.status === status,
    );
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // Chromium logs every error answer of a fetch as "Failed to load resource: … status of 409 (Conflict)".
    const answer = /^Failed to load resource: the server responded with a status of (\d+)/.exec(message.text());
    if (answer && isExpected(undefined, message.location().url ?? '', Number(answer[1]))) return;
    problems.push(`console error on ${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught on ${page.url()}: ${(error as Error).message}`));
  page.on('requestfailed', (request) =>
    problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText ?? '?'})`),
  );
  page.on('response', (response) => {
    const status = response.status();
    if (status < 400) return;
    const method = response.request().method();
    failedResponses.push(`${method} ${pathOf(response.url())} ${status}`);
    if (!isExpected(method, response.url(), status))
      problems.push(`error answer: ${method} ${response.url()} ${status}`);
  });
  page.on('dialog', (dialog) => void dialog.accept());
  page.setDefaultTimeout(30_000);
  return { page, problems, expected, failedResponses };
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

/** The storefront's production build, in a temporary directory. */
export async function buildStorefront(): Promise<{ outDir: string; remove(): void }> {
  const outDir = mkdtempSync(join(tmpdir(), 'storefront-'));
  await build({ root: STOREFRONT_ROOT, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return { outDir, remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

/** A build served on a free port (an origin of its own); `apiUrl` is read when the page asks. */
export async function previewStorefront(
  outDir: string,
  apiUrl: () => string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: PreviewServer = await preview({
    root: STOREFRONT_ROOT,
    configFile: false,
    logLevel: 'warn',
    plugins: [runtimeConfig(apiUrl)],
    build: { outDir },
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

/** Where a storefront origin sends the API: CORS, the reset-link base and Stripe's return URLs. */
function storefrontEnv(sf: string): Record<string, string> {
  return {
    CORS_ORIGINS: sf,
    PUBLIC_APP_URL: sf,
    CHECKOUT_SUCCESS_URL: `${sf}/checkout/success?session_id={CHECKOUT_SESSION_ID}`,
    CHECKOUT_CANCEL_URL: `${sf}/checkout/cancelled`,
  };
}

/** One more storefront origin and the API process it talks to. */
export interface ExtraShop {
  storefrontUrl: string;
  apiUrl: string;
}

export interface Shop {
  stack: Stack;
  storefrontUrl: string;
  apiUrl: string;
  browser: Browser;
  /**
   * Another API process on the same database (and the same Redis prefix unless `env` sets one),
   * started with `env` (a short token lifetime, small rate limits…), with a storefront origin of
   * its own pointing at it: its pages share no storage with the main storefront's.
   */
  startExtraShop(env: Record<string, string>): Promise<ExtraShop>;
  stop(): Promise<void>;
}

/** Storefront first (its URL goes into the API's CORS and Stripe return URLs), then the stack. */
export async function startShop(): Promise<Shop> {
  const built = await buildStorefront();
  const previews: { close(): Promise<void> }[] = [];
  const closePreviews = async () => {
    await Promise.allSettled(previews.map((p) => p.close()));
    built.remove();
  };
  let apiUrl = '';
  let stack: Stack | undefined;
  try {
    const storefront = await previewStorefront(built.outDir, () => apiUrl);
    previews.push(storefront);
    stack = await startStack({ env: storefrontEnv(storefront.url) });
    apiUrl = stack.url;
    const browser = await launchChromium();
    const running = stack;
    return {
      stack: running,
      storefrontUrl: storefront.url,
      apiUrl,
      browser,
      async startExtraShop(env) {
        let extraApiUrl = '';
        const extra = await previewStorefront(built.outDir, () => extraApiUrl);
        previews.push(extra);
        const api = await running.startApi({ ...storefrontEnv(extra.url), ...env });
        extraApiUrl = api.url;
        return { storefrontUrl: extra.url, apiUrl: api.url };
      },
      async stop() {
        await browser.close();
        await running.stop();
        await closePreviews();
      },
    };
  } catch (error) {
    await stack?.stop();
    await closePreviews();
    throw error;
  }
}

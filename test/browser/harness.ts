// The real server for browser tests: the app on a free port with the conversion worker running
// in-process (as `npm start` does), and Debian's Chromium driven by playwright-core.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestContext, type TestContext } from '../app.js';
import { startConversions, type ConversionWorker } from '../../src/documents/conversion.worker.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('test-artifacts/screenshots');
export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

export interface LiveServer {
  ctx: TestContext;
  baseUrl: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * `env`: settings for this server over the test defaults (e.g. ADMIN_EMAILS, or a long SESSION_TTL
 * when a test moves the clock on by days); as a function it gets the server's own address before the
 * app is built, so settings that name it (PUBLIC_URL: the providers' stand-ins call back there) can.
 */
export async function startLiveServer(
  env: Record<string, string> | ((baseUrl: string) => Record<string, string>) = {},
): Promise<LiveServer> {
  let app: TestContext['app'] | null = null;
  const server: Server = createServer((req, res) => (app ? app(req, res) : res.writeHead(503).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx = await createTestContext(typeof env === 'function' ? env(baseUrl) : env);
  app = ctx.app;
  const worker: ConversionWorker = await startConversions(ctx.deps);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    ctx,
    baseUrl,
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await worker.stop(5_000);
      await ctx.close();
    },
  };
}

/** Screenshots of the current page at desktop and phone sizes (viewport, not the full page). */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  const files: string[] = [];
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    await page.waitForTimeout(300); // let the preview frame re-fit
    const file = path.join(SCREENSHOT_DIR, `${name}-${label}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  await page.setViewportSize(DESKTOP);
  return files;
}

/** Registers through the web form and returns the e-mail used. */
export async function registerInBrowser(page: Page, baseUrl: string, displayName: string): Promise<string> {
  const email = `${displayName.replace(/\W/g, '') || 'u'}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto(`${baseUrl}/register?next=/`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=displayName]', displayName);
  await page.fill('input[name=password]', 'browser-password-1');
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('form.form-stack button[type=submit]')]);
  return email;
}

/** The browser side of the end-to-end tests: the app with its accounts, Chromium, signing in on the screen. */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { startAppProcess, type AppProcess } from './app-process';
import { bootstrapUsers, type Bootstrapped, type Credentials } from './auth';
import { launchChromium } from './browser';
import type { TestClient } from './ws-client';

/** The screen size the tests are written for. */
export const DESKTOP = { width: 1600, height: 1000 };

/** Starts the built app with its accounts (see bootstrapUsers); screenshots go to test-results/. */
export async function startAppWithUsers(opts: { demoHistory?: boolean; timeoutMs?: number } = {}): Promise<{ app: AppProcess; boot: Bootstrapped }> {
  mkdirSync('test-results', { recursive: true });
  const app = await startAppProcess([], opts.timeoutMs ?? 60_000, { demoHistory: opts.demoHistory ?? false });
  try {
    return { app, boot: await bootstrapUsers(app.url, app.setupToken) };
  } catch (e) {
    await app.stop();
    throw e;
  }
}

/** Chromium with one page on the desktop size, animations reduced; `options` adds to or overrides that. */
export async function openBrowser(options: BrowserContextOptions = {}): Promise<{ browser: Browser; ctx: BrowserContext; page: Page }> {
  const browser = await launchChromium();
  try {
    const ctx = await browser.newContext({ viewport: DESKTOP, reducedMotion: 'reduce', ...options });
    return { browser, ctx, page: await ctx.newPage() };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

/** Runs `fn` on a page of a fresh browser context (its own session), closed afterwards. */
export async function withPage<T>(browser: Browser, options: BrowserContextOptions, fn: (p: Page) => Promise<T>): Promise<T> {
  const ctx = await browser.newContext(options);
  try {
    return await fn(await ctx.newPage());
  } finally {
    await ctx.close();
  }
}

/** Ends what a suite started, in this order, each part that exists; closing errors are ignored, stopping the app's are not. */
export async function stopAll(parts: { ctx?: { close(): Promise<void> }; browser?: Browser; clients?: (TestClient | undefined)[]; app?: AppProcess }): Promise<void> {
  await parts.ctx?.close().catch(() => undefined);
  await parts.browser?.close().catch(() => undefined);
  for (const c of parts.clients ?? []) await c?.close().catch(() => undefined);
  await parts.app?.stop();
}

/** Fills in the sign-in screen shown on `p` and presses "Sign in". */
export async function submitSignIn(p: Page, who: Credentials): Promise<void> {
  await p.getByLabel('Username').fill(who.username);
  await p.getByLabel('Password').fill(who.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

export interface SignInUiOptions {
  /** opens this address first; without it, the sign-in screen must already be shown */
  url?: string;
  /** the test id of the element that shows the session is open */
  until?: string;
  timeoutMs?: number;
}

/** Signs in on the screen and waits until the session is open (by default, until the user's name is shown). */
export async function signInUi(p: Page, who: Credentials, { url, until = 'session-user', timeoutMs = 20_000 }: SignInUiOptions = {}): Promise<void> {
  if (url !== undefined) await p.goto(url);
  await submitSignIn(p, who);
  await p.getByTestId(until).waitFor({ timeout: timeoutMs });
}

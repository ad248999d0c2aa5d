import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot } from './support/browser.js';
import { startPagesAndBrowser, type PagesWorld } from './support/pages-world.js';

const TOKEN = 'pages-token-for-the-browser-suite';

/** server.pages.auth with a token: the pages ask for it, refuse a wrong one, and let the right one in until logout. */
describe('page sign-in in headless Chromium', () => {
  let world: PagesWorld;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    ({ world, browser } = await startPagesAndBrowser({
      server: { pages: { auth: { token: { env: 'FIREDRILL_PAGES_TOKEN' } } } },
      env: { FIREDRILL_PAGES_TOKEN: TOKEN },
    }));
    ({ url } = world);
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });

  it('sends a visitor to the login form, refuses a wrong token, signs the right one in with a cookie, and logs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const newest = world.runs[0]!;
      await page.goto(`${url}/runs/${newest.id}`);
      expect(new URL(page.url()).pathname).toBe('/login');
      const form = page.locator('form[method="post"][action="/login"]');
      const token = form.locator('input[name="token"][type="password"]');
      await expect(token.count()).resolves.toBe(1);
      await expect(page.locator('main h1').count()).resolves.toBe(1);
      // Nothing of the run shows on the login page (its id is only where to go after signing in).
      expect(await page.locator('main').textContent()).not.toContain(newest.drill.title);
      await expect(page.locator('svg, table').count()).resolves.toBe(0);
      await expect(form.locator('input[name="next"]').inputValue()).resolves.toBe(`/runs/${newest.id}`);
      await screenshot(page, 'login');

      await token.fill('not-the-token');
      const [refused] = await Promise.all([page.waitForResponse((response) => response.request().method() === 'POST'), form.locator('button[type="submit"]').click()]);
      expect(refused.status()).toBe(401);
      await expect(page.locator('[role="alert"]').textContent()).resolves.toMatch(/token/i);
      expect(await context.cookies()).toEqual([]);
      await screenshot(page, 'login-refused');

      await form.locator('input[name="token"]').fill(TOKEN);
      await Promise.all([page.waitForURL(`${url}/runs/${newest.id}`), form.locator('button[type="submit"]').click()]);
      await expect(page.locator('main h1').count()).resolves.toBe(1);
      const [session] = await context.cookies();
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      // The cookie holds a session, never the token itself.
      expect(session!.value).not.toContain(TOKEN);
      const overview = await page.goto(`${url}/`);
      expect(overview?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/');

      await page.goto(`${url}/logout`);
      expect(new URL(page.url()).pathname).toBe('/login');
      expect(await context.cookies()).toEqual([]);
      await page.goto(`${url}/runs`);
      expect(new URL(page.url()).pathname).toBe('/login');
    } finally {
      await context.close();
    }
  });

  it('answers scripts 401 without the token, 401 with a wrong bearer token, and the page with the right one', async () => {
    const context = await browser.newContext();
    try {
      const api = context.request;
      const plain = await api.get(`${url}/runs.json`, { maxRedirects: 0 });
      expect(plain.status()).toBe(401);
      const wrong = await api.get(`${url}/runs.json`, { headers: { authorization: 'Bearer not-the-token' }, maxRedirects: 0 });
      expect(wrong.status()).toBe(401);
      const right = await api.get(`${url}/runs.json`, { headers: { authorization: `Bearer ${TOKEN}` }, maxRedirects: 0 });
      expect(right.status()).toBe(200);
      expect(await right.text()).toContain(world.runs[0]!.id);
    } finally {
      await context.close();
    }
  });

  it('still serves /healthz without a token: it keeps its own rules', async () => {
    const context = await browser.newContext();
    try {
      const health = await context.request.get(`${url}/healthz`);
      expect(health.status()).toBe(200);
    } finally {
      await context.close();
    }
  });
});

import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from './support/browser.js';

/** The browser itself, on a page this test serves: Chromium runs here, renders text, and screenshots work. */
describe('headless Chromium harness', () => {
  let browser: Browser;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>harness</title><h1 style="font-family: sans-serif">Fire drill 42</h1>');
    });
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((closed) => server?.close(closed));
  });

  it('renders a loopback page with a real font and saves a screenshot', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.locator('h1').textContent()).toBe('Fire drill 42');

    // The font the text was actually drawn with: without a font fontconfig can find, there is none.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument');
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: 'h1' });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    expect(fonts.map((font) => font.familyName)).toContain('DejaVu Sans');
    expect(fonts.reduce((glyphs, font) => glyphs + font.glyphCount, 0)).toBe('Fire drill 42'.length);

    const png = await readFile(await screenshot(page, 'harness'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  });
});

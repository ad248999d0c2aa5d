import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { screenshot } from './support/browser.js';
import { expectedRuns, mondayWeeksAgo, type RunsForm } from './support/expected.js';
import { startPagesAndBrowser, type PagesWorld } from './support/pages-world.js';
import { idsOnAllPages, listedIds, submitFilters } from './support/runs-page.js';

/** /runs, its filters and pages, and the CSV and JSON exports, against the runs the store was seeded with. */
describe('/runs in headless Chromium', () => {
  let world: PagesWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    ({ world, browser } = await startPagesAndBrowser());
  });
  afterAll(async () => {
    await browser?.close();
    await world?.stop();
  });
  beforeEach(async () => {
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  it('lists every run newest first, page by page through rel="next", and rel="prev" goes back', async () => {
    const response = await page.goto(`${world.url}/runs`);
    expect(response?.status()).toBe(200);
    await expect(page.locator('main h1').count()).resolves.toBe(1);
    await screenshot(page, 'runs');
    const firstPage = await listedIds(page);

    const { ids, pages, firstPageSize } = await idsOnAllPages(page);
    expect(ids).toEqual(world.runs.map((run) => run.id));
    // The seeding has more runs than one page holds, so paging is really exercised.
    expect(pages).toBeGreaterThan(1);
    expect(firstPageSize).toBe(firstPage.length);

    await page.goto(`${world.url}/runs`);
    await expect(page.locator('a[rel="prev"]').count()).resolves.toBe(0);
    await page.locator('a[rel="next"]').first().click();
    await page.waitForURL(/page=2/);
    const secondPage = await listedIds(page);
    expect(secondPage).toEqual(ids.slice(firstPageSize, firstPageSize + secondPage.length));
    await page.locator('a[rel="prev"]').first().click();
    await page.waitForURL((url) => !url.search.includes('page=2'));
    expect(await listedIds(page)).toEqual(firstPage);
  });

  const filters: [string, () => RunsForm][] = [
    ['env', () => ({ env: 'qa' })],
    ['drill', () => ({ drill: 'lose-a-node' })],
    ['kind', () => ({ kind: 'drop-table' })],
    ['outcome not-detected', () => ({ outcome: 'not-detected' })],
    ['outcome refused', () => ({ outcome: 'refused' })],
    ['from and to', () => ({ from: mondayWeeksAgo(7), to: mondayWeeksAgo(4) })],
    ['all together', () => ({ env: 'staging', drill: 'drop-orders-table-manual', kind: 'drop-table', outcome: 'failed', from: mondayWeeksAgo(9), to: mondayWeeksAgo(1) })],
  ];
  it.each(filters)('the form filters by %s: exactly the runs that match, on every page', async (name, form) => {
    const wanted = form();
    const expected = expectedRuns(world.runs, wanted).map((run) => run.id);
    // A filter that matches nothing, or everything, would prove nothing.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(world.runs.length);

    await page.goto(`${world.url}/runs`);
    await submitFilters(page, wanted);
    const query = new URL(page.url()).searchParams;
    for (const [field, value] of Object.entries(wanted)) expect(query.get(field)).toBe(value);
    if (name === 'all together') await screenshot(page, 'runs-filtered');
    expect((await idsOnAllPages(page)).ids).toEqual(expected);
  });

  it('exports as CSV, through the link on the filtered list, exactly the runs it lists', async () => {
    const wanted: RunsForm = { env: 'staging', kind: 'drop-table', from: mondayWeeksAgo(8) };
    const expected = expectedRuns(world.runs, wanted);
    await page.goto(`${world.url}/runs`);
    await submitFilters(page, wanted);
    const link = page.locator('a[href^="/runs.csv"]');
    expect(filtersIn((await link.getAttribute('href'))!)).toEqual(filtersIn(page.url()));
    expect(filtersIn(page.url())).toEqual(Object.entries(wanted).sort());

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    const rows = parse(csv, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    expect(rows.map((row) => row.id)).toEqual(expected.map((run) => run.id));
    for (const [index, run] of expected.entries()) {
      const row = rows[index]!;
      expect(row.environment).toBe(run.environment);
      expect(row.drill).toBe(run.drill.id);
      expect(row.kind).toBe(run.drill.kind);
      expect(row.result).toBe(run.result);
      expect(row.created_at).toBe(run.createdAt.toISOString());
      expect(numberOrNull(row.ttd_ms)).toBe(run.ttdMs);
      expect(numberOrNull(row.rto_ms)).toBe(run.rtoMs);
      expect(numberOrNull(row.rpo_ms)).toBe(run.rpoMs);
    }
  });

  it('exports as JSON, through the link on the filtered list, exactly the runs it lists', async () => {
    const wanted: RunsForm = { drill: 'flag-outage', outcome: 'passed' };
    const expected = expectedRuns(world.runs, wanted);
    await page.goto(`${world.url}/runs`);
    await submitFilters(page, wanted);
    const link = page.locator('a[href^="/runs.json"]');
    expect(filtersIn((await link.getAttribute('href'))!)).toEqual(filtersIn(page.url()));
    expect(filtersIn(page.url())).toEqual(Object.entries(wanted).sort());

    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toMatch(/\.json$/);
    const records = JSON.parse(await readFile((await download.path())!, 'utf8')) as Record<string, unknown>[];
    expect(records.map((record) => record.id)).toEqual(expected.map((run) => run.id));
    for (const [index, run] of expected.entries()) {
      expect(records[index]).toMatchObject({
        environment: run.environment,
        drill: run.drill.id,
        kind: run.drill.kind,
        result: run.result,
        createdAt: run.createdAt.toISOString(),
        ttdMs: run.ttdMs,
        rtoMs: run.rtoMs,
        rpoMs: run.rpoMs,
      });
    }
  });
});

function numberOrNull(text: string | undefined): number | null {
  return text === undefined || text === '' ? null : Number(text);
}

/** The filters a URL asks for: its non-empty query fields, sorted (an empty field means any). */
function filtersIn(url: string): [string, string][] {
  return [...new URL(url, 'http://pages').searchParams.entries()].filter(([, value]) => value !== '').sort();
}

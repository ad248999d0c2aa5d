import type { Page } from 'playwright-core';
import type { RunsForm } from './expected.js';

/** Fills the /runs filter form as a person would (a select picks its option, a text or date field is typed into) and sends it. */
export async function submitFilters(page: Page, form: RunsForm): Promise<void> {
  const filters = page.locator('form[method="get"]').filter({ has: page.locator('[name="env"]') });
  for (const [name, value] of Object.entries(form)) {
    if (value === undefined) continue;
    const field = filters.locator(`[name="${name}"]`);
    if ((await field.evaluate((element) => element.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  const submit = filters.locator('button[type="submit"], button:not([type]), input[type="submit"]').first();
  await Promise.all([page.waitForURL(/\/runs\?/), submit.click()]);
}

/** The run ids a /runs page lists, in its order. */
export function listedIds(page: Page): Promise<string[]> {
  return page.locator('table.runs [data-run]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run') ?? ''));
}

/** Every id the list shows, following rel="next" from the current page to the last; also the number of pages. */
export async function idsOnAllPages(page: Page): Promise<{ ids: string[]; pages: number; firstPageSize: number }> {
  const ids: string[] = [];
  let pages = 0;
  let firstPageSize = 0;
  for (;;) {
    const listed = await listedIds(page);
    if (pages === 0) firstPageSize = listed.length;
    ids.push(...listed);
    pages++;
    const next = page.locator('a[rel="next"]');
    if ((await next.count()) === 0) break;
    if (pages > 100) throw new Error('more than 100 pages: rel="next" never ends');
    const before = page.url();
    await Promise.all([page.waitForURL((url) => url.href !== before), next.first().click()]);
  }
  return { ids, pages, firstPageSize };
}

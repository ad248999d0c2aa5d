import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { screenshot } from './support/browser.js';
import { cellKey, expectedScore, expectedWeekCells, mondayWeeksAgo } from './support/expected.js';
import { DRILLS, ENVIRONMENTS, WEEKS, weekStart, type KnownRun } from './support/known-runs.js';
import { startPagesAndBrowser, type PagesWorld } from './support/pages-world.js';

/** How many of a drill's newest finished runs the overview's trend charts plot (the pages' choice). */
const TREND_RUNS = 20;

/** The overview, a run's page and /score, read in headless Chromium from a store of known runs. */
describe('the pages in headless Chromium', () => {
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
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  afterEach(async () => {
    await context?.close();
  });

  const runOf = (drill: string, result: string): KnownRun => {
    const run = world.runs.find((known) => known.drill.id === drill && known.result === result);
    if (!run) throw new Error(`the known runs have no ${result} run of ${drill}`);
    return run;
  };

  it('every page has one <main>, an <h1> and nav links to /, /runs and /score', async () => {
    for (const path of ['/', '/runs', `/runs/${world.runs[0]!.id}`, '/score']) {
      const response = await page.goto(`${world.url}${path}`);
      expect(response?.status(), path).toBe(200);
      await expect(page.locator('main').count(), path).resolves.toBe(1);
      await expect(page.locator('main h1').count(), path).resolves.toBe(1);
      for (const target of ['/', '/runs', '/score']) await expect(page.locator(`nav a[href="${target}"]`).count(), `${path} links ${target}`).resolves.toBeGreaterThan(0);
    }
  });

  describe('a run page draws the run to scale', () => {
    /** The horizontal centre of each marker of the timeline, by its data-mark. */
    async function marks(timeline: Locator): Promise<Map<string, number>> {
      const found = new Map<string, number>();
      for (const marker of await timeline.locator('[data-mark]').all()) {
        const box = await marker.boundingBox();
        if (box) found.set((await marker.getAttribute('data-mark'))!, box.x + box.width / 2);
      }
      return found;
    }

    it('a passed run: injected, detected, recovered, verified, and the TTD and RTO objectives where they fall', async () => {
      const run = runOf('drop-orders-table-manual', 'passed');
      await page.goto(`${world.url}/runs/${run.id}`);
      await screenshot(page, 'run');
      const timeline = page.locator('svg.timeline');
      await expect(timeline.count()).resolves.toBe(1);
      await expect(timeline.getAttribute('role')).resolves.toBe('img');
      await expect(timeline.locator('title').textContent()).resolves.toContain(run.id);

      const at = await marks(timeline);
      expect([...at.keys()].sort()).toEqual(['detected', 'injected', 'objective-rto', 'objective-ttd', 'recovered', 'verified']);
      const x = (mark: string) => at.get(mark)! - at.get('injected')!;
      expect(x('detected')).toBeGreaterThan(0);
      expect(x('recovered')).toBeGreaterThan(x('detected'));
      expect(x('verified')).toBeGreaterThanOrEqual(x('recovered'));
      // To scale: distances from the injection in the proportions of the times they stand for.
      expect(x('detected') / x('recovered')).toBeCloseTo(run.ttdMs! / run.rtoMs!, 2);
      expect(x('objective-ttd') / x('objective-rto')).toBeCloseTo(run.drill.objectives.ttdMs! / run.drill.objectives.rtoMs!, 2);
      expect(x('recovered') / x('objective-rto')).toBeCloseTo(run.rtoMs! / run.drill.objectives.rtoMs!, 2);
    });

    it('a run nobody detected has no detected marker; an aborted one never recovered', async () => {
      const unseen = runOf('drop-orders-table-manual', 'not-detected');
      await page.goto(`${world.url}/runs/${unseen.id}`);
      expect([...(await marks(page.locator('svg.timeline'))).keys()].sort()).toEqual(['injected', 'objective-rto', 'objective-ttd', 'recovered', 'verified']);

      const aborted = runOf('lose-a-node', 'aborted');
      await page.goto(`${world.url}/runs/${aborted.id}`);
      await screenshot(page, 'run-aborted');
      expect([...(await marks(page.locator('svg.timeline'))).keys()].sort()).toEqual(['detected', 'injected', 'objective-rto', 'objective-ttd']);
    });
  });

  describe('the overview', () => {
    it('has a drills × weeks heatmap per environment: the worst result of each week, or not run', async () => {
      await page.goto(`${world.url}/`);
      const expected = expectedWeekCells(world.runs);
      const counts = runsPerWeek(world.runs);
      for (const environment of ENVIRONMENTS) {
        const heatmap = page.locator(`#env-${environment} table.heatmap`);
        await expect(heatmap.count(), environment).resolves.toBe(1);
        const { weeks, rows } = await heatmap.evaluate((table) => ({
          weeks: [...table.querySelectorAll('thead th[scope="col"]')].map((th) => /\d{4}-\d{2}-\d{2}/.exec(th.getAttribute('title') ?? '')?.[0] ?? ''),
          rows: [...table.querySelectorAll('tbody tr')].map((tr) => ({
            drill: tr.querySelector('th[scope="row"]')?.textContent?.trim() ?? '',
            cells: [...tr.querySelectorAll('td')].map((td) => ({ result: td.getAttribute('data-result'), runs: td.textContent?.trim() ?? '' })),
          })),
        }));
        expect(rows.map((row) => row.drill).sort()).toEqual(DRILLS.map((drill) => drill.id).sort());
        // Every seeded week is on the map (ten weeks before this one).
        for (let weeksAgo = 1; weeksAgo <= WEEKS; weeksAgo++) expect(weeks).toContain(mondayWeeksAgo(weeksAgo));
        let shown = 0;
        for (const row of rows) {
          expect(row.cells).toHaveLength(weeks.length);
          row.cells.forEach((cell, index) => {
            const key = cellKey(environment, row.drill, weeks[index]!);
            expect(cell.result, key).toBe(expected.get(key) ?? 'not-run');
            expect(cell.runs, key).toBe(String(counts.get(key) ?? ''));
            if (expected.has(key)) shown++;
          });
        }
        expect(shown).toBe([...expected.keys()].filter((key) => key.startsWith(`${environment} `)).length);
      }
      await heatmapIsLegible(page);
    });

    it('shows each environment\'s resilience score, the same on /score, as the README computes it', async () => {
      await page.goto(`${world.url}/`);
      const overview = await scores(page);
      await page.goto(`${world.url}/score`);
      await screenshot(page, 'score');
      const scorePage = await scores(page);
      for (const environment of ENVIRONMENTS) {
        const expected = expectedScore(world.runs, environment, DRILLS);
        expect(overview.get(environment), environment).toBe(expected);
        expect(scorePage.get(environment), environment).toBe(expected);
      }
      // Its trend: a point per week start of the heatmap and one for now, which is today's score.
      await page.goto(`${world.url}/`);
      for (const environment of ENVIRONMENTS) {
        const trend = page.locator(`#env-${environment} svg.score-trend`);
        await expect(trend.getAttribute('role')).resolves.toBe('img');
        const weeks = Number(/last (\d+) weeks/.exec((await trend.locator('title').textContent()) ?? '')?.[1]);
        await expect(trend.locator('[data-at]').count()).resolves.toBe(weeks + 1);
        const description = (await trend.locator('desc').textContent()) ?? '';
        expect(description.split('; ').at(-1)).toMatch(new RegExp(`: ${expectedScore(world.runs, environment, DRILLS)}$`));
      }
      // Not a constant: the two environments' runs score differently.
      expect(new Set(ENVIRONMENTS.map((environment) => expectedScore(world.runs, environment, DRILLS))).size).toBe(2);
    });

    it('has a trend chart per environment and drill, with a point for each measure of each recent run', async () => {
      const response = await page.goto(`${world.url}/`);
      expect(response?.status()).toBe(200);
      await screenshot(page, 'overview');
      const charts = await page.locator('svg[role="img"]').evaluateAll((svgs) =>
        svgs.map((svg) => ({
          title: svg.querySelector(':scope > title')?.textContent ?? '',
          description: svg.querySelector(':scope > desc')?.textContent ?? '',
          points: [...svg.querySelectorAll('[data-run]')].map((point) => ({ run: point.getAttribute('data-run')!, measure: point.getAttribute('data-measure') })),
        })),
      );
      // Every chart has a name and a text alternative.
      for (const chart of charts) {
        expect(chart.title.trim()).not.toBe('');
        expect(chart.description.trim(), chart.title).not.toBe('');
      }
      for (const environment of ENVIRONMENTS) {
        for (const drill of DRILLS) {
          const matching = charts.filter((chart) => chart.title.startsWith(`${drill.id} in ${environment}:`));
          expect(matching, `one chart of ${drill.id} in ${environment}`).toHaveLength(1);
          const { title, points } = matching[0]!;
          const finished = world.runs.filter((run) => run.environment === environment && run.drill.id === drill.id);
          const recent = finished.slice(0, TREND_RUNS);
          expect(title).toContain(`last ${recent.length} run`);
          for (const measure of ['ttd', 'rto', 'rpo'] as const) {
            const expected = recent.filter((run) => run[`${measure}Ms`] !== null).map((run) => run.id).sort();
            const plotted = points.filter((point) => point.measure === measure).map((point) => point.run).sort();
            expect(plotted, `${title}: ${measure} points`).toEqual(expected);
          }
          expect(points.length, `${title}: every point is a measure of a run`).toBe(points.filter((point) => point.measure !== null).length);
        }
      }
    });
  });
});

/** How many runs each (environment, drill, week) had: the number a heatmap cell shows. */
function runsPerWeek(runs: readonly KnownRun[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const run of runs) {
    const key = cellKey(run.environment, run.drill.id, weekStart(run.createdAt).toISOString().slice(0, 10));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The score each environment's section shows (data-score), by environment. */
async function scores(page: Page): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const environment of ENVIRONMENTS) {
    const score = page.locator(`#env-${environment} [data-score]`).first();
    found.set(environment, Number(await score.getAttribute('data-score')));
  }
  return found;
}

/**
 * What a person sees of the heatmap: each result in a colour of its own (the same colour for the
 * same result), none of them invisible, and the run count in a colour that differs from its cell's.
 */
async function heatmapIsLegible(page: Page): Promise<void> {
  const cells = await page.locator('table.heatmap td[data-result]').evaluateAll((tds) =>
    tds.map((td) => ({ result: td.getAttribute('data-result')!, background: getComputedStyle(td).backgroundColor, colour: getComputedStyle(td).color, text: td.textContent ?? '' })),
  );
  const colours = new Map<string, Set<string>>();
  for (const cell of cells) {
    expect(cell.background, `a ${cell.result} cell has a background`).not.toBe('rgba(0, 0, 0, 0)');
    if (cell.text.trim()) expect(cell.colour, `a ${cell.result} cell's count differs from its background`).not.toBe(cell.background);
    colours.set(cell.result, (colours.get(cell.result) ?? new Set()).add(cell.background));
  }
  for (const [result, backgrounds] of colours) expect([...backgrounds], `every ${result} cell has one colour`).toHaveLength(1);
  const distinct = new Set([...colours.values()].map((backgrounds) => [...backgrounds][0]));
  expect(distinct.size, 'each result has a colour of its own').toBe(colours.size);
}

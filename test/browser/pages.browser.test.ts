import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from './support/browser.js';
import { DRILLS, ENVIRONMENTS, type KnownRun } from './support/known-runs.js';
import { startPagesWorld, type PagesWorld } from './support/pages-world.js';

/** How many of a drill's newest finished runs the overview's trend charts plot (the pages' choice). */
const TREND_RUNS = 20;

/** The overview, a run's page and /score, read in headless Chromium from a store of known runs. */
describe('the pages in headless Chromium', () => {
  let world: PagesWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    [world, browser] = await Promise.all([startPagesWorld(), launchChromium()]);
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

  it('every page has one <main>, an <h1> and links to /, /runs and /score', async () => {
    for (const path of ['/', '/runs', `/runs/${world.runs[0]!.id}`, '/score']) {
      const response = await page.goto(`${world.url}${path}`);
      expect(response?.status(), path).toBe(200);
      await expect(page.locator('main').count(), path).resolves.toBe(1);
      await expect(page.locator('main h1').count(), path).resolves.toBe(1);
      for (const target of ['/', '/runs', '/score']) await expect(page.locator(`a[href="${target}"]`).count(), `${path} links ${target}`).resolves.toBeGreaterThan(0);
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
    it('has a trend chart per environment and drill, with a point for each measure of each recent run', async () => {
      const response = await page.goto(`${world.url}/`);
      expect(response?.status()).toBe(200);
      await screenshot(page, 'overview');
      const charts = await page.locator('svg[role="img"]').evaluateAll((svgs) =>
        svgs.map((svg) => ({
          title: svg.querySelector(':scope > title')?.textContent ?? '',
          points: [...svg.querySelectorAll('[data-run]')].map((point) => ({ run: point.getAttribute('data-run')!, measure: point.getAttribute('data-measure') })),
        })),
      );
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

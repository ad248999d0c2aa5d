import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import type { EventBody } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import type { RunRecord } from '../../src/history/ports.js';
import { scoreRun } from '../../src/scoring/score-run.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import { pageAccess } from '../../src/web/page-access.js';
import { pagesRouter } from '../../src/web/pages-router.js';
import { journal } from '../unit/scoring/journal-builder.js';
import { insertRuns, type SeedRun } from '../support/run-history-seed.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

const HOSTILE = `<script>alert("owned")</script> & 'quotes'`;
const NOW = new Date('2026-11-04T12:00:00.000Z');
const DAY = 86_400_000;

let postgres: TestPostgres;
let dir: string;
let store: RunStore;
let closeStore: () => Promise<void>;
let pool: pg.Pool;
let http: RunningHttpServer;
let seeded: string[];
let journaled: string;

async function writeConfig(): Promise<Catalogue> {
  await mkdir(join(dir, 'drills'), { recursive: true });
  const drill = (id: string, title: string, severity: string) => `id: ${id}
title: ${JSON.stringify(title)}
kind: command
target: { inject: 'true', undo: 'true' }
severity: ${severity}
objectives: { ttd: 1m, rto: 5m }
steadyState: { probes: [{ type: command, name: up, run: 'true' }], interval: 1s, stableFor: 1s }
detection: { alerts: [{ match: ['alertname=ShopDown'] }] }
recovery: { mode: manual }
maxDuration: 30m
`;
  await writeFile(join(dir, 'drills', 'flag.yaml'), drill('flag-outage', HOSTILE, 'high'));
  await writeFile(join(dir, 'drills', 'dns.yaml'), drill('dns-outage', 'Internal DNS stops answering', 'low'));
  const config = join(dir, 'firedrill.yaml');
  await writeFile(config, 'builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n  staging: {}\n  staging-eu: {}\n');
  const loaded = await loadCatalogue(config);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  return loaded.catalogue;
}

/** A run journaled as a real one is (created, injected, detected, recovered, verified, scored) and finished with its scorecard. */
async function journaledRun(): Promise<string> {
  const created = await store.createRun({ drill: 'flag-outage', environment: 'staging' });
  if (!created.ok) throw new Error('no run');
  const built = journal()
    .created({ ttdMs: 60_000, rtoMs: 300_000 }, -5_000, { id: 'flag-outage', title: HOSTILE, kind: 'command', severity: 'high', recovery: 'manual' }, 'mallory <b>')
    .add({ type: 'injecting', actions: ['touch outage'] }, -100)
    .injected(0)
    .detected(45_000, 'ShopDown')
    .recovered(200_000)
    .add({ type: 'verified', ok: true }, 205_000)
    .add({ type: 'learning-added', text: 'the alert <b>fired</b> late', by: 'alice' }, 300_000)
    .add({ type: 'action-added', id: 'a7', text: 'page on ShopDown sooner', owner: '@bob', due: '2026-12-01', by: 'alice' }, 301_000);
  const stored = [];
  for (const event of built.events) {
    const { seq: _seq, at, mono, clock, ...body } = event;
    void _seq;
    stored.push(await store.append(created.runId, body as EventBody, { at, mono, clock }));
  }
  const scorecard = scoreRun(created.runId, stored);
  await store.append(created.runId, { type: 'scored', outcome: scorecard.outcome });
  await store.finish(created.runId, scorecard.outcome, scorecard);
  return created.runId;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-pages-'));
  postgres = await startTestPostgres();
  await postgres.createDatabase('pages');
  const opened = await openPostgresStores(postgres.url('pages'));
  store = opened.runs;
  closeStore = () => opened.runs.close();
  pool = new pg.Pool({ connectionString: postgres.url('pages'), max: 2 });
  const catalogue = await writeConfig();
  const runs: SeedRun[] = [];
  for (let index = 0; index < 60; index++) {
    runs.push({
      environment: index % 3 === 0 ? 'staging-eu' : 'staging',
      drill: index % 2 ? 'dns-outage' : 'flag-outage',
      title: index % 2 ? 'Internal DNS stops answering' : HOSTILE,
      kind: 'command',
      severity: 'high',
      requestedBy: index === 4 ? '<img src=x onerror=alert(1)>' : 'alice',
      createdAt: new Date(NOW.getTime() - (index + 1) * DAY * 0.9),
      outcome: index % 7 === 3 ? 'fail' : index % 11 === 5 ? 'aborted' : 'pass',
      detected: index % 13 !== 6,
      ttdMs: 20_000 + index * 1_000,
      rtoMs: 100_000 + index * 5_000,
    });
  }
  seeded = await insertRuns(pool, runs);
  journaled = await journaledRun();
  const log = pino({ level: 'silent' });
  const access = pageAccess(catalogue.config, log, { configDir: dir });
  http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    alertToken: undefined,
    log,
    intake: { store, clock: { now: () => ({ at: new Date().toISOString(), mono: performance.now(), clock: 'test' }) } as never, drillFor: () => undefined },
    pages: pagesRouter({ history: opened.history, runs: store, catalogue, guard: access, log, now: () => NOW }),
  });
});

afterAll(async () => {
  await http?.close();
  await pool?.end();
  await closeStore?.();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await fetch(`${http.url}${path}`, { redirect: 'manual' });
  return { status: response.status, type: response.headers.get('content-type') ?? '', location: response.headers.get('location'), text: await response.text() };
};
const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

describe('the pages over HTTP', () => {
  it('every page has its landmarks and the navigation', async () => {
    for (const path of ['/', '/runs', '/score', `/runs/${journaled}`]) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.type).toContain('text/html');
      expect(page.text).toContain('<main>');
      // The style sheet as written: entities are not decoded inside <style>.
      expect(page.text).toContain('table.heatmap td[data-result="passed"]');
      expect(page.text).toMatch(/<h1>/);
      for (const link of ['href="/"', 'href="/runs"', 'href="/score"']) expect(page.text).toContain(link);
    }
  });

  it('the overview draws the score, the heatmap and a trend per drill whose points are its runs', async () => {
    const { text } = await get('/');
    expect(text).toMatch(/data-score="\d+"/);
    expect(text).toContain('<table class="heatmap">');
    expect(count(text, /<td data-result="(passed|failed|aborted|refused|not-detected|not-run)"/g)).toBe(2 * 2 * 12);
    // Runs every 0.9 days for 54 days: the last 8 weeks of each drill have runs, the 4 before none.
    expect(count(text, /<td data-result="(passed|failed|aborted|not-detected)"/g)).toBeGreaterThanOrEqual(2 * 2 * 7);
    expect(count(text, /<td data-result="not-run"/g)).toBeGreaterThanOrEqual(2 * 2 * 3);
    const trends = text.match(/<svg[^>]*role="img" class="trend">[\s\S]*?<\/svg>/g) ?? [];
    expect(trends).toHaveLength(4);
    for (const svg of trends) expect(svg).toMatch(/<title>[^<]+<\/title>/);
    // staging-eu's dns-outage: 10 runs (index 3, 9, ... 57), each with a TTD (when detected) and an RTO point.
    const eu = trends.find((svg) => svg.includes('<title>dns-outage in staging-eu'))!;
    const runs = new Set([...eu.matchAll(/data-run="([^"]+)"/g)].map((match) => match[1]));
    expect(runs.size).toBe(10);
    // The text alternative lists the same runs.
    expect(text).toContain('The figures (10 runs)');
  });

  it('lists runs with filters, pagination and exports of the same query', async () => {
    const first = await get('/runs');
    expect(first.text).toMatch(/<form class="filters" method="get"/);
    for (const field of ['env', 'drill', 'kind', 'outcome', 'from', 'to']) expect(first.text).toContain(`name="${field}"`);
    expect(count(first.text, /<tr data-run="/g)).toBe(50);
    expect(first.text).toContain('rel="next" href="/runs?page=2"');
    const second = await get('/runs?page=2');
    expect(count(second.text, /<tr data-run="/g)).toBe(11);
    expect(second.text).toContain('rel="prev"');

    const filtered = await get('/runs?env=staging-eu&outcome=passed&from=2026-09-01');
    const rows = [...filtered.text.matchAll(/<tr data-run="([^"]+)"/g)].map((match) => match[1]!);
    const json = JSON.parse((await get('/runs.json?env=staging-eu&outcome=passed&from=2026-09-01')).text) as RunRecord[];
    expect(json.map((run) => run.id)).toEqual(rows);
    expect(json.length).toBeGreaterThan(0);
    expect(json.every((run) => run.environment === 'staging-eu' && run.result === 'passed' && run.createdAt >= '2026-09-01')).toBe(true);
    expect(filtered.text).toContain('href="/runs.csv?env=staging-eu&amp;outcome=passed&amp;from=2026-09-01"');
  });

  it('exports the same runs and figures as CSV and JSON', async () => {
    const csv = await get('/runs.csv?drill=dns-outage');
    const json = JSON.parse((await get('/runs.json?drill=dns-outage')).text) as RunRecord[];
    expect(csv.type).toContain('text/csv');
    const [header, ...lines] = csv.text.trimEnd().split('\r\n');
    const columns = header!.split(',');
    expect(lines).toHaveLength(json.length);
    expect(json).toHaveLength(30);
    lines.forEach((line, index) => {
      const cells = Object.fromEntries(line.split(',').map((cell, column) => [columns[column], cell]));
      const run = json[index]!;
      expect(cells.id).toBe(run.id);
      expect(cells.result).toBe(run.result);
      expect(cells.rto_ms).toBe(String(run.rtoMs));
      expect(cells.ttd_ms).toBe(run.ttdMs === null ? '' : String(run.ttdMs));
      expect(cells.rto_met).toBe(String(run.met.rto));
      expect(cells.created_at).toBe(run.createdAt);
    });
  });

  it('escapes drill titles and names everywhere, and keeps them from being spreadsheet formulas', async () => {
    for (const path of ['/', '/runs', '/score', `/runs/${journaled}`, `/runs/${seeded[4]}`]) {
      const { text } = await get(path);
      expect(text, path).not.toContain('<script>alert');
      expect(text, path).not.toContain('<img src=x');
      expect(text, path).not.toContain('<b>fired</b>');
    }
    expect((await get('/runs')).text).toContain('&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;');
    const csv = (await get('/runs.csv?drill=flag-outage')).text;
    expect(csv).toContain(`"<script>alert(""owned"")</script> & 'quotes'"`);
  });

  it("shows a run: its scorecard, its timeline to scale with the objectives, the journal, learnings and actions", async () => {
    const { text } = await get(`/runs/${journaled}`);
    const timeline = /<svg[^>]*class="timeline">[\s\S]*?<\/svg>/.exec(text)?.[0] ?? '';
    for (const mark of ['injected', 'detected', 'recovered', 'verified', 'objective-ttd', 'objective-rto']) expect(timeline).toContain(`data-mark="${mark}"`);
    expect(timeline).toMatch(/<title>Timeline of run/);
    expect(text).toContain('detected by alertmanager: ShopDown');
    expect(text).toContain('<td>mallory &lt;b&gt;</td>');
    expect(text).toContain('the alert &lt;b&gt;fired&lt;/b&gt; late');
    expect(text).toContain('data-action="a7" data-state="open"');
    const short = await get(`/runs/${journaled.slice(0, 8)}`);
    expect(short.status).toBe(302);
    expect(short.location).toBe(`/runs/${journaled}`);
  });

  it('serves the drill report as Markdown and JSON', async () => {
    const markdown = await get(`/runs/${journaled}/report.md`);
    expect(markdown.status).toBe(200);
    expect(markdown.type).toContain('text/markdown');
    expect(markdown.text).toContain('page on ShopDown sooner');
    const report = JSON.parse((await get(`/runs/${journaled}/report.json`)).text) as { run: { id: string } };
    expect(report.run.id).toBe(journaled);
  });

  it('explains the score with this deployment’s numbers', async () => {
    const { text } = await get('/score');
    expect(text).toContain('score = round(100 × Σ points ÷ Σ weight)');
    expect(count(text, /data-score="\d+"/g)).toBe(2);
    expect(text).toContain('data-drill="flag-outage"');
  });

  it('answers 404 for an unknown run and 400 for a filter that means nothing', async () => {
    expect((await get('/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await get('/runs/not-a-run')).status).toBe(404);
    expect((await get(`/runs/${seeded[0]}/report.md`)).status).toBe(404);
    const bad = await get('/runs?outcome=maybe');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('outcome &quot;maybe&quot; is not one of passed, failed, aborted, refused, not-detected');
    const badDate = await get('/runs.csv?from=yesterday');
    expect(badDate.status).toBe(400);
    expect(JSON.parse(badDate.text)).toEqual({ error: 'from "yesterday" is not a date: write it as YYYY-MM-DD or an ISO time like 2026-11-30T12:00:00Z' });
    expect((await get('/runs?page=0')).status).toBe(400);
    expect((await fetch(`${http.url}/runs`, { method: 'POST' })).status).toBe(405);
  });
});

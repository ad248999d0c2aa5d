import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEvent } from '../../src/engine/events.js';
import { environmentScore } from '../../src/scoring/environment-score.js';
import { DASHBOARD, dashboardQueries, sample, startMetricsWorld, type MetricsReplica, type MetricsWorld } from '../support/metrics-world.js';

let world: MetricsWorld;
let first: MetricsReplica;

beforeAll(async () => {
  world = await startMetricsWorld();
  first = await world.startReplica();
});

afterAll(async () => {
  await world?.stop();
});

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe('/metrics after real runs in a real store', () => {
  it('counts runs and objectives, and shows the last run, the score, the next start and what this process measured', async () => {
    const passed = await world.drill(first, 'shop-down', 'ShopDown');
    expect({ outcome: passed.outcome, reason: passed.reason, notes: passed.notes }).toMatchObject({ outcome: 'pass', reason: null });
    const aborted = await world.drill(first, 'flag-broken');
    expect(aborted.outcome).toBe('aborted');
    const events = await first.opened.store.events(aborted.runId);
    expect(findEvent(events, 'injected')).toBeUndefined();
    const startAt = new Date(Date.now() + 3_600_000);
    await first.opened.schedules.plan({ schedule: 'weekly-staging', cronAt: startAt, startAt, seed: 'test', status: 'planned', postponedCount: 0, detail: null });

    const text = await scrape(first.http.url);
    const shop = { environment: 'staging', drill: 'shop-down' };
    const flag = { environment: 'staging', drill: 'flag-broken' };
    expect(sample(text, 'firedrill_store_up')).toBe(1);
    expect(sample(text, 'firedrill_runs_total', { ...shop, outcome: 'passed' })).toBe(1);
    expect(sample(text, 'firedrill_runs_total', { ...flag, outcome: 'aborted' })).toBe(1);
    expect(sample(text, 'firedrill_runs_total', { ...shop, outcome: 'failed' })).toBeUndefined();
    expect(sample(text, 'firedrill_objectives_total', { ...shop, objective: 'ttd', met: 'true' })).toBe(1);
    expect(sample(text, 'firedrill_objectives_total', { ...shop, objective: 'rto', met: 'true' })).toBe(1);
    expect(sample(text, 'firedrill_active_runs', { environment: 'staging' })).toBe(0);
    expect(sample(text, 'firedrill_last_run_outcome', { ...shop, outcome: 'passed' })).toBe(1);
    expect(sample(text, 'firedrill_last_run_outcome', { ...shop, outcome: 'failed' })).toBe(0);
    expect(sample(text, 'firedrill_last_run_outcome', { ...flag, outcome: 'aborted' })).toBe(1);
    const finishedAt = sample(text, 'firedrill_last_run_timestamp_seconds', shop)!;
    expect(Math.abs(finishedAt - Date.now() / 1_000)).toBeLessThan(60);
    expect(sample(text, 'firedrill_last_measured_seconds', { ...shop, measure: 'rto' })).toBeCloseTo(passed.rtoMs! / 1_000, 6);
    expect(sample(text, 'firedrill_last_measured_seconds', { ...shop, measure: 'ttd' })).toBeCloseTo(passed.ttdMs! / 1_000, 6);
    expect(sample(text, 'firedrill_objective_seconds', { ...shop, objective: 'rto' })).toBe(60);
    const score = await environmentScore(first.opened.history, world.catalogue, 'staging', new Date());
    expect(score.score).not.toBeNull();
    expect(sample(text, 'firedrill_resilience_score', { environment: 'staging' })).toBe(score.score);
    expect(sample(text, 'firedrill_drills_overdue', { environment: 'staging' })).toBe(0);
    expect(sample(text, 'firedrill_schedule_next_start_timestamp_seconds', { schedule: 'weekly-staging', environment: 'staging' })).toBe(startAt.getTime() / 1_000);
    // Observed by this process as it finished the run: the histogram holds the one measured RTO.
    expect(sample(text, 'firedrill_rto_seconds_count', shop)).toBe(1);
    expect(sample(text, 'firedrill_rto_seconds_sum', shop)).toBeCloseTo(passed.rtoMs! / 1_000, 6);
    expect(sample(text, 'firedrill_rto_seconds_bucket', { ...shop, le: '60' })).toBe(1);
    // Drills that finished no run here start at zero, so Prometheus sees their first run as an increase.
    expect(sample(text, 'firedrill_rto_seconds_count', flag)).toBe(0);
    expect(sample(text, 'firedrill_webhooks_total', { hook: 'generic', result: 'accepted' })).toBe(1);

    // Another replica on the same store reports the same store figures, and no histogram of runs it did not finish.
    const second = await world.startReplica();
    const other = await scrape(second.http.url);
    for (const [name, labels] of [
      ['firedrill_runs_total', { ...shop, outcome: 'passed' }],
      ['firedrill_last_run_timestamp_seconds', shop],
      ['firedrill_resilience_score', { environment: 'staging' }],
    ] as const) {
      expect(sample(other, name, labels), name).toBe(sample(text, name, labels));
    }
    expect(sample(other, 'firedrill_rto_seconds_count', shop)).toBe(0);
  });

  it('reports the store down, without its metrics, when it does not answer, and still answers the scrape', async () => {
    const broken = await world.startReplica();
    await broken.opened.close();
    const text = await scrape(broken.http.url);
    expect(sample(text, 'firedrill_store_up')).toBe(0);
    expect(text).not.toMatch(/^firedrill_runs_total\{/m);
    expect(sample(await scrape(first.http.url), 'firedrill_store_up')).toBe(1);
  });

  it('has every metric the Grafana dashboard queries', async () => {
    const exposed = new Set([...(await scrape(first.http.url)).matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
    ));
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queried = new Set(dashboardQueries(dashboard).flatMap(({ expr }) => expr.match(/\bfiredrill_\w+/g) ?? []));
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
    for (const panel of dashboard.panels) expect(panel.title).toBeTruthy();
  });
});

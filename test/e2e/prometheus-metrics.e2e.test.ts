import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type TestPrometheus } from '../support/prometheus.js';
import { DASHBOARD, dashboardQueries, startMetricsWorld, type MetricsWorld } from '../support/metrics-world.js';

/** Grafana's variables, as a dashboard with every environment and drill selected fills them in. */
const VARIABLES: Record<string, string> = { $__range: '1h', $__rate_interval: '5s', $environment: '.*', $drill: '.*' };

/** Queries that may rightly answer nothing here: no drill of this world measures an RPO. */
const MAY_BE_EMPTY = new Set(['RPO, 90th percentile over 30 days']);

let world: MetricsWorld;
let prometheus: TestPrometheus;

beforeAll(async () => {
  world = await startMetricsWorld();
  const replica = await world.startReplica();
  prometheus = await startPrometheus([new URL(replica.http.url).host], 'firedrill');
  // Prometheus scrapes before the runs, so their counters and histograms are increases it sees.
  await prometheus.waitForSeries('firedrill_store_up == 1');
  await prometheus.waitForSeries('firedrill_rto_seconds_count == 0');
  expect((await world.drill(replica, 'shop-down', 'ShopDown')).outcome).toBe('pass');
  expect((await world.drill(replica, 'flag-broken')).outcome).toBe('aborted');
  const startAt = new Date(Date.now() + 3_600_000);
  await replica.opened.schedules.plan({ schedule: 'weekly-staging', cronAt: startAt, startAt, seed: 'e2e', status: 'planned', postponedCount: 0, detail: null });
  // A counter is born with its first increment, which no rate shows: a second one, scraped after, does.
  replica.metrics.chat.command('test', 'help', 'answered');
  replica.metrics.chat.replyFailed('test');
  await prometheus.waitForSeries('firedrill_chat_commands_total');
  replica.metrics.chat.command('test', 'help', 'answered');
  await prometheus.waitForSeries('firedrill_rto_seconds_count > 0');
  await prometheus.waitForSeries('firedrill_schedule_next_start_timestamp_seconds');
  await prometheus.waitForSeries('rate(firedrill_chat_commands_total[5s]) > 0');
  // The store's tallies are read at a scrape of their own: an increase needs two of them seen.
  await prometheus.waitForSeries('count_over_time(firedrill_runs_total[1h]) > 1');
});

afterAll(async () => {
  await prometheus?.stop();
  await world?.stop();
});

interface QueryAnswer {
  status: string;
  error?: string;
  data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe('the Grafana dashboard against a real Prometheus scraping firedrill', () => {
  it('answers every query of the dashboard with finite values', async () => {
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as Parameters<typeof dashboardQueries>[0];
    const empty: string[] = [];
    for (const { panel, expr } of dashboardQueries(dashboard)) {
      const query = Object.entries(VARIABLES).reduce((text, [name, value]) => text.replaceAll(name, value), expr);
      const answer = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as QueryAnswer;
      expect(answer.status, `${panel}: ${query}: ${answer.error ?? ''}`).toBe('success');
      const values = answer.data!.result.map((series) => Number(series.value[1]));
      if (values.length === 0 && !MAY_BE_EMPTY.has(panel)) empty.push(`${panel}: ${query}`);
      for (const value of values) expect(Number.isFinite(value), `${panel}: ${query} = ${value}`).toBe(true);
    }
    expect(empty).toEqual([]);
  });

  it('reads the score, the outcomes and the measured RTO as the runs left them', async () => {
    const query = async (text: string) => {
      const answer = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(text)}`)).json()) as QueryAnswer;
      return answer.data!.result;
    };
    const passRate = await query('sum(max by (environment, drill) (firedrill_runs_total{outcome="passed"})) / sum(max by (environment, drill, outcome) (firedrill_runs_total))');
    expect(Number(passRate[0]!.value[1])).toBe(0.5);
    const rtoP90 = await query('histogram_quantile(0.9, sum by (le, drill) (increase(firedrill_rto_seconds_bucket[1h])))');
    const measured = Number(rtoP90.find((series) => series.metric.drill === 'shop-down')!.value[1]);
    expect(measured).toBeGreaterThan(0);
    expect(measured).toBeLessThanOrEqual(60);
  });
});

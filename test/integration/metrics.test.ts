import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { effectiveDrill, loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import { runtimeFactory, type OpenedStore } from '../../src/compose/index.js';
import { serveMetrics } from '../../src/compose/serve-metrics.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent } from '../../src/engine/events.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { createLogger } from '../../src/log.js';
import { environmentScore } from '../../src/scoring/environment-score.js';
import type { Scorecard } from '../../src/scoring/scorecard-schema.js';
import type { FiredrillMetrics } from '../../src/server/metrics/firedrill-metrics.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

const DASHBOARD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/grafana/firedrill-dashboard.json');
const ALERT_TOKEN = 'metrics-test-alert-token';
const log = createLogger('silent');
const clock = systemClock();

let postgres: TestPostgres;
let dir: string;
let catalogue: Catalogue;
const replicas: { opened: OpenedStore; metrics: FiredrillMetrics; http: RunningHttpServer }[] = [];

/** A team's own disaster: the shop is "down" while the file `outage` exists; an alert says so; the runbook fixes it. */
const SHOP_DOWN = `
id: shop-down
title: The shop goes down
kind: command
severity: high
target: {inject: touch outage, undo: rm -f outage}
objectives: {ttd: 1m, rto: 1m}
steadyState: {probes: [{type: command, name: shop up, run: test ! -f outage}], interval: 50ms, stableFor: 200ms}
detection: {alerts: [{source: generic, match: ['alertname="ShopDown"']}], chat: false}
recovery: {mode: automated, trigger: on-detection, runbook: {action: command, run: rm -f outage}}
maxDuration: 30s
`;
/** Its inject command fails: the run is aborted, and scored so. */
const FLAG_BROKEN = `
id: flag-broken
title: A feature flag service that cannot be reached
kind: command
severity: low
target: {inject: exit 3, undo: 'true'}
objectives: {rto: 1m}
steadyState: {probes: [{type: command, name: always up, run: 'true'}], interval: 50ms, stableFor: 100ms}
recovery: {mode: automated, trigger: immediately, runbook: {action: command, run: 'true'}}
maxDuration: 30s
`;

async function startReplica(): Promise<(typeof replicas)[number]> {
  const { runs, schedules, deliveries, history, tallies } = await openPostgresStores(postgres.url('firedrill'));
  const opened: OpenedStore = { store: runs, schedules, deliveries, history, tallies, location: 'test', leaderLock: () => { throw new Error('not used'); }, close: () => runs.close() };
  const metrics = serveMetrics({ clock, log }, catalogue, opened);
  const http = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    alertToken: ALERT_TOKEN,
    log,
    metrics,
    intake: { store: opened.store, clock, drillFor: (run) => effectiveDrill(catalogue, run.drill, run.environment) },
  });
  const replica = { opened, metrics, http };
  replicas.push(replica);
  return replica;
}

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  dir = await mkdtemp(path.join(tmpdir(), 'firedrill-metrics-'));
  await writeFile(path.join(dir, 'shop-down.yaml'), SHOP_DOWN);
  await writeFile(path.join(dir, 'flag-broken.yaml'), FLAG_BROKEN);
  await writeFile(
    path.join(dir, 'firedrill.yaml'),
    ['builtInDrills: false', 'catalogue: [shop-down.yaml, flag-broken.yaml]', 'environments:', '  staging: {}', 'schedules:', '  - {name: weekly-staging, environment: staging, cron: "0 10 * * 2"}', ''].join('\n'),
  );
  const loaded = await loadCatalogue(path.join(dir, 'firedrill.yaml'));
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
  catalogue = loaded.catalogue;
});

afterAll(async () => {
  for (const { http, opened } of replicas.splice(0)) {
    await http.close();
    await opened.close().catch(() => undefined); // one test closes its store early
  }
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function scrape(url: string): Promise<string> {
  const response = await fetch(`${url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** The value of one series, or undefined when it is not in the scrape. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

/** Runs a drill through the replica's store; with `alert`, sends the alert through the webhook once the fault is in. */
async function drill(replica: (typeof replicas)[number], id: string, alert?: string): Promise<Scorecard> {
  const running = runDrill(
    { store: replica.opened.store, clock, runtimes: runtimeFactory({ configDir: dir, env: { PATH: process.env.PATH }, undoRetry: { attempts: 1, firstDelayMs: 10, maxDelayMs: 10 } }) },
    {
      drill: effectiveDrill(catalogue, id, 'staging'),
      environmentName: 'staging',
      environment: catalogue.config.environments.staging!,
      requestedBy: 'alice',
      onEvent: (event) => {
        if (event.type !== 'injected' || !alert) return;
        void fetch(`${replica.http.url}/hooks/generic`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ALERT_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: alert }),
        });
      },
    },
  );
  return (await running).scorecard;
}

describe('/metrics after real runs in a real store', () => {
  it('counts runs and objectives, and shows the last run, the score, the next start and what this process measured', async () => {
    const first = await startReplica();
    const passed = await drill(first, 'shop-down', 'ShopDown');
    expect(passed.outcome).toBe('pass');
    const aborted = await drill(first, 'flag-broken');
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
    const score = await environmentScore(first.opened.history, catalogue, 'staging', new Date());
    expect(score.score).not.toBeNull();
    expect(sample(text, 'firedrill_resilience_score', { environment: 'staging' })).toBe(score.score);
    expect(sample(text, 'firedrill_drills_overdue', { environment: 'staging' })).toBe(0);
    expect(sample(text, 'firedrill_schedule_next_start_timestamp_seconds', { schedule: 'weekly-staging', environment: 'staging' })).toBe(startAt.getTime() / 1_000);
    // Observed by this process as it finished the run: the histogram holds the one measured RTO.
    expect(sample(text, 'firedrill_rto_seconds_count', shop)).toBe(1);
    expect(sample(text, 'firedrill_rto_seconds_sum', shop)).toBeCloseTo(passed.rtoMs! / 1_000, 6);
    expect(sample(text, 'firedrill_rto_seconds_bucket', { ...shop, le: '60' })).toBe(1);
    expect(sample(text, 'firedrill_rto_seconds_count', flag)).toBeUndefined();
    expect(sample(text, 'firedrill_webhooks_total', { hook: 'generic', result: 'accepted' })).toBe(1);

    // Another replica on the same store reports the same store figures, and no histogram of runs it did not finish.
    const second = await startReplica();
    const other = await scrape(second.http.url);
    for (const [name, labels] of [
      ['firedrill_runs_total', { ...shop, outcome: 'passed' }],
      ['firedrill_last_run_timestamp_seconds', shop],
      ['firedrill_resilience_score', { environment: 'staging' }],
    ] as const) {
      expect(sample(other, name, labels), name).toBe(sample(text, name, labels));
    }
    expect(sample(other, 'firedrill_rto_seconds_count', shop)).toBeUndefined();
  });

  it('reports the store down, without its metrics, when it does not answer, and still answers the scrape', async () => {
    const replica = replicas[0] ?? (await startReplica());
    const broken = await startReplica();
    await broken.opened.close();
    const text = await scrape(broken.http.url);
    expect(sample(text, 'firedrill_store_up')).toBe(0);
    expect(text).not.toMatch(/^firedrill_runs_total\{/m);
    expect(sample(await scrape(replica.http.url), 'firedrill_store_up')).toBe(1);
  });

  it('has every metric the Grafana dashboard queries', async () => {
    const replica = replicas[0] ?? (await startReplica());
    const exposed = new Set([...(await scrape(replica.http.url)).matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap(([, name, type]) =>
      type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name!],
    ));
    const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queried = new Set(dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => target.expr.match(/\bfiredrill_\w+/g) ?? [])));
    expect(queried.size).toBeGreaterThan(10);
    expect([...queried].filter((name) => !exposed.has(name))).toEqual([]);
    for (const panel of dashboard.panels) expect(panel.title).toBeTruthy();
  });
});

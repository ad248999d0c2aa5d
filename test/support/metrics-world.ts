import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPostgresStores } from '../../adapters/postgres/run-store.js';
import { effectiveDrill, loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import { runtimeFactory, type OpenedStore } from '../../src/compose/index.js';
import { serveMetrics } from '../../src/compose/serve-metrics.js';
import { systemClock } from '../../src/engine/clock.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { createLogger } from '../../src/log.js';
import type { Scorecard } from '../../src/scoring/scorecard-schema.js';
import type { FiredrillMetrics } from '../../src/server/metrics/firedrill-metrics.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import { startTestPostgres, type TestPostgres } from './servers.js';

export const DASHBOARD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../deploy/grafana/firedrill-dashboard.json');
const ALERT_TOKEN = 'metrics-test-alert-token';
const log = createLogger('silent');
const clock = systemClock();

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

/** One `serve` replica as far as metrics go: its store, its metrics, its HTTP server. */
export interface MetricsReplica {
  opened: OpenedStore;
  metrics: FiredrillMetrics;
  http: RunningHttpServer;
}

export interface MetricsWorld {
  catalogue: Catalogue;
  /** Another replica on the same store (stopped by `stop`). */
  startReplica(): Promise<MetricsReplica>;
  /** Runs a drill in staging through the replica's store; with `alert`, sends it through the replica's webhook once the fault is in. */
  drill(replica: MetricsReplica, id: 'shop-down' | 'flag-broken', alert?: string): Promise<Scorecard>;
  stop(): Promise<void>;
}

/** A real embedded PostgreSQL, a catalogue of two command drills in `staging` and a weekly schedule. */
export async function startMetricsWorld(): Promise<MetricsWorld> {
  const replicas: MetricsReplica[] = [];
  let postgres: TestPostgres | undefined;
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-metrics-'));
  const stop = async () => {
    for (const { http, opened } of replicas.splice(0)) {
      await http.close();
      await opened.close().catch(() => undefined); // a test may close a store early
    }
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    postgres = await startTestPostgres();
    await postgres.createDatabase('firedrill');
    await writeFile(path.join(dir, 'shop-down.yaml'), SHOP_DOWN);
    await writeFile(path.join(dir, 'flag-broken.yaml'), FLAG_BROKEN);
    await writeFile(
      path.join(dir, 'firedrill.yaml'),
      ['builtInDrills: false', 'catalogue: [shop-down.yaml, flag-broken.yaml]', 'environments:', '  staging: {}', 'schedules:', '  - {name: weekly-staging, environment: staging, cron: "0 10 * * 2"}', ''].join('\n'),
    );
    const loaded = await loadCatalogue(path.join(dir, 'firedrill.yaml'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const catalogue = loaded.catalogue;
    const storeUrl = postgres.url('firedrill');
    return {
      catalogue,
      stop,
      async startReplica() {
        const { runs, schedules, deliveries, history, tallies } = await openPostgresStores(storeUrl);
        const opened: OpenedStore = {
          store: runs, schedules, deliveries, history, tallies, location: 'test',
          leaderLock: () => {
            throw new Error('not used');
          },
          close: () => runs.close(),
        };
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
      },
      async drill(replica, id, alert) {
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
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The value of one series in a scrape (exactly these labels), or undefined when it is not there. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',').filter(Boolean);
    if (wanted.every((label) => present.includes(label)) && present.length === wanted.length) return Number(match[3]);
  }
  return undefined;
}

/** Every query of the Grafana dashboard, with its panel's title. */
export function dashboardQueries(dashboard: { panels: { title: string; targets?: { expr: string }[] }[] }): { panel: string; expr: string }[] {
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })));
}

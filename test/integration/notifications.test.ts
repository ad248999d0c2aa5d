import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Config, type Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { createLogger } from '../../src/log.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { STAND_IN_SECRETS, startStandIns, type StandIns } from '../support/notify-stand-ins.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
let tools: StandIns;
const environment: Environment = { protected: false, allowProductionLookingNames: false, buckets: {} };
const env = {
  PATH: process.env.PATH,
  HOOK_SECRET: STAND_IN_SECRETS.webhook,
  GRAFANA_TOKEN: STAND_IN_SECRETS.grafana,
  PD_ROUTING_KEY: STAND_IN_SECRETS.pagerduty,
  OPSGENIE_KEY: STAND_IN_SECRETS.opsgenie,
};

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-notify-'));
  tools = await startStandIns();
});

afterAll(async () => {
  await tools?.stop();
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const list of [tools.webhook, tools.grafana, tools.pagerduty, tools.opsgenie, tools.refused]) list.length = 0;
  tools.failing = 0;
});

/** The notify: section as a config file writes it, parsed by the config schema. */
function notifyConfig(extra: unknown[] = []) {
  return Config.parse({
    notify: [
      { kind: 'webhook', url: `${tools.url}/hooks/firedrill`, secret: { env: 'HOOK_SECRET' } },
      { kind: 'grafana', url: `${tools.url}/grafana`, token: { env: 'GRAFANA_TOKEN' }, dashboardUid: 'shop-overview', tags: ['firedrill', 'drill'] },
      { kind: 'pagerduty', routingKey: { env: 'PD_ROUTING_KEY' }, url: `${tools.url}/pagerduty/v2/enqueue` },
      { kind: 'opsgenie', apiKey: { env: 'OPSGENIE_KEY' }, url: `${tools.url}/opsgenie/v2/alerts` },
      ...extra,
    ],
  }).notify;
}

function drill(overrides: Record<string, unknown> = {}) {
  return Drill.parse({
    id: 'flag-outage',
    title: 'A bad feature flag takes the shop down',
    kind: 'command',
    target: { inject: 'touch outage', undo: 'rm -f outage' },
    severity: 'high',
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'command', name: 'shop up', run: 'test ! -f outage' }], interval: '50ms', stableFor: '200ms' },
    recovery: { mode: 'automated', trigger: 'on-detection', runbook: { action: 'command', run: 'rm -f outage' } },
    maxDuration: '30s',
    ...overrides,
  });
}

function runtimes(notify: ReturnType<typeof notifyConfig>, logLines: string[] = []) {
  const log = createLogger('warn', new Writable({ write: (chunk: Buffer, _encoding, done) => void (logLines.push(chunk.toString()), done()) }));
  return runtimeFactory({ configDir: dir, env, undoRetry: { attempts: 1, firstDelayMs: 10, maxDelayMs: 10 }, notify, notifyPolicy: { attempts: 2, firstDelayMs: 10, maxDelayMs: 10 }, log });
}

/** Reports detection as a person would, once the fault is in effect. */
const detectOnInjection = (event: RunEvent, runId: string) => {
  if (event.type === 'injected') void store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } });
};

describe('telling the team’s tools about a run', () => {
  it('sends each run event to a signed webhook, annotates the fault in Grafana and opens then resolves a test incident', async () => {
    const factory = runtimes(notifyConfig());
    const { runId, scorecard } = await runDrill(
      { store, clock: systemClock(), runtimes: factory },
      { drill: drill(), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: detectOnInjection },
    );
    await factory.runEvents!.settle(10_000);

    expect(scorecard.outcome).toBe('pass');
    expect(tools.refused).toEqual([]);
    const events = await store.events(runId);
    const injected = findEvent(events, 'injected')!;
    const recovered = findEvent(events, 'recovered')!;

    // Signed as firedrill's own webhooks must be: the stand-in checks with the server's authenticator.
    expect(tools.webhook.map((hook) => hook.event)).toEqual(['started', 'injected', 'detected', 'recovered', 'finished']);
    const drillFields = { id: 'flag-outage', title: 'A bad feature flag takes the shop down', kind: 'command', severity: 'high' };
    expect(tools.webhook[1]!.body).toEqual({ version: 1, event: 'injected', runId, drill: drillFields, environment: 'staging', requestedBy: 'alice', at: injected.at, text: 'fault in effect' });
    expect(tools.webhook[2]!.body).toMatchObject({ event: 'detected', text: 'detected by cli: bob' });
    expect(tools.webhook[4]!.body).toMatchObject({ event: 'finished', outcome: 'pass', reason: null, text: 'drill finished: pass' });

    expect(tools.grafana).toEqual([
      {
        method: 'POST',
        path: '/grafana/api/annotations',
        body: { dashboardUID: 'shop-overview', time: Date.parse(injected.at), tags: ['firedrill', 'drill', 'flag-outage', 'staging'], text: expect.stringContaining(`run ${runId}`) },
      },
      // The fault ends when service is back: the start of the green streak, not when it was journaled.
      { method: 'PATCH', path: '/grafana/api/annotations/1', body: { timeEnd: Date.parse(recovered.at) } },
    ]);

    expect(tools.pagerduty).toEqual([
      {
        routing_key: STAND_IN_SECRETS.pagerduty,
        event_action: 'trigger',
        dedup_key: `firedrill-${runId}`,
        client: 'firedrill',
        payload: {
          summary: '[firedrill drill] A bad feature flag takes the shop down in staging',
          source: 'firedrill/staging',
          severity: 'error',
          timestamp: injected.at,
          component: 'flag-outage',
          group: 'staging',
          class: 'firedrill drill',
          custom_details: expect.objectContaining({ runId, drill: 'flag-outage', environment: 'staging', test: true, note: expect.stringMatching(/^This is a fire drill, not a real outage/) }),
        },
      },
      { routing_key: STAND_IN_SECRETS.pagerduty, event_action: 'resolve', dedup_key: `firedrill-${runId}` },
    ]);

    expect(tools.opsgenie).toEqual([
      {
        path: '/opsgenie/v2/alerts',
        body: {
          message: '[firedrill drill] A bad feature flag takes the shop down in staging',
          alias: `firedrill-${runId}`,
          description: expect.stringMatching(/^This is a fire drill, not a real outage/),
          tags: ['firedrill', 'drill'],
          details: { runId, drill: 'flag-outage', environment: 'staging', test: 'true' },
          entity: 'staging',
          source: 'firedrill',
          priority: 'P2',
        },
      },
      { path: `/opsgenie/v2/alerts/firedrill-${runId}/close?identifierType=alias`, body: { source: 'firedrill', note: 'service back (steady state held 0.2s)' } },
    ]);
  });

  it('tells an abort by a guard, resolving the incident only once the run has ended', async () => {
    const factory = runtimes(notifyConfig());
    const guarded = drill({
      target: { inject: 'touch outage', undo: 'rm -f outage budget-spent' },
      guards: [{ type: 'command', name: 'error budget', run: 'test ! -f budget-spent || { echo "budget spent"; exit 1; }' }],
      recovery: { mode: 'manual' },
    });
    // The error budget runs out once the fault is in effect.
    const spendBudget = (event: RunEvent) => event.type === 'injected' && writeFileSync(join(dir, 'budget-spent'), '');
    const { scorecard } = await runDrill({ store, clock: systemClock(), runtimes: factory }, { drill: guarded, environmentName: 'staging', environment, requestedBy: 'alice', onEvent: spendBudget });
    await factory.runEvents!.settle(10_000);

    expect(scorecard.reason).toBe('stopped by guard error budget: budget spent');
    expect(tools.webhook.map((hook) => hook.event)).toEqual(['started', 'injected', 'aborted', 'finished']);
    expect(tools.webhook[2]!.body).toMatchObject({ event: 'aborted', text: 'GUARD RED: error budget: budget spent; stopping the drill' });
    expect(tools.webhook[3]!.body).toMatchObject({ event: 'finished', outcome: 'aborted', reason: 'stopped by guard error budget: budget spent' });
    expect(tools.pagerduty.map((event) => event.event_action)).toEqual(['trigger', 'resolve']);
    expect(tools.opsgenie.map((request) => request.path)).toEqual(['/opsgenie/v2/alerts', expect.stringMatching(/\/close\?identifierType=alias$/)]);
    expect(tools.grafana.map((request) => request.method)).toEqual(['POST', 'PATCH']);
    expect(tools.refused).toEqual([]);
  });

  it('never holds up a run: deliveries wait in a queue while the run goes on', async () => {
    const factory = runtimes(notifyConfig());
    const release = tools.holdWebhook();
    try {
      const { scorecard } = await runDrill(
        { store, clock: systemClock(), runtimes: factory },
        { drill: drill(), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: detectOnInjection },
      );
      expect(scorecard.outcome).toBe('pass');
      expect(tools.webhook).toEqual([]);
    } finally {
      release();
    }
    await factory.runEvents!.settle(10_000);
    expect(tools.webhook.map((hook) => hook.event)).toEqual(['started', 'injected', 'detected', 'recovered', 'finished']);
  });

  it('a failing endpoint is retried, then logged without its secret, and the run and the other channels are unaffected', async () => {
    const logLines: string[] = [];
    const factory = runtimes(notifyConfig([{ kind: 'webhook', name: 'status page', url: `${tools.url}/failing`, secret: { env: 'HOOK_SECRET' }, events: ['finished'] }]), logLines);
    const { scorecard } = await runDrill(
      { store, clock: systemClock(), runtimes: factory },
      { drill: drill(), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: detectOnInjection },
    );
    await factory.runEvents!.settle(10_000);

    expect(scorecard.outcome).toBe('pass');
    expect(tools.failing).toBe(2);
    expect(tools.webhook).toHaveLength(5);
    const failures = logLines.map((line) => JSON.parse(line) as { msg: string; notify: Record<string, unknown> }).filter((line) => line.msg === 'notification not delivered');
    expect(failures).toEqual([
      expect.objectContaining({ notify: expect.objectContaining({ channel: 'status page', notice: 'finished', attempts: 2, error: expect.stringMatching(/^status page answered HTTP 503/) }) }),
    ]);
    expect(logLines.join('')).not.toContain(STAND_IN_SECRETS.webhook);
  });

  it('a missing secret fails its channel at once, saying which variable, without retries', async () => {
    const logLines: string[] = [];
    const factory = runtimes(notifyConfig([{ kind: 'pagerduty', name: 'second pager', routingKey: { env: 'NOT_SET_ANYWHERE' }, url: `${tools.url}/pagerduty/v2/enqueue` }]), logLines);
    const { scorecard } = await runDrill(
      { store, clock: systemClock(), runtimes: factory },
      { drill: drill(), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: detectOnInjection },
    );
    await factory.runEvents!.settle(10_000);

    expect(scorecard.outcome).toBe('pass');
    const failures = logLines.map((line) => JSON.parse(line) as { notify: Record<string, unknown> });
    expect(failures).toEqual([expect.objectContaining({ notify: expect.objectContaining({ channel: 'second pager', notice: 'injected', attempts: 1, error: 'environment variable NOT_SET_ANYWHERE is not set' }) })]);
    expect(tools.pagerduty).toHaveLength(2);
  });

  it('tells only the channels whose environments include the run’s', async () => {
    const only = Config.parse({ notify: [{ kind: 'webhook', url: `${tools.url}/hooks/firedrill`, secret: { env: 'HOOK_SECRET' }, environments: ['qa'] }] }).notify;
    const factory = runtimes(only);
    await runDrill({ store, clock: systemClock(), runtimes: factory }, { drill: drill(), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: detectOnInjection });
    await factory.runEvents!.settle(10_000);
    expect(tools.webhook).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { systemClock } from '../../src/engine/clock.js';
import type { EventType, RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { snapshot } from '../../src/engine/run-drill.js';
import { createLogger } from '../../src/log.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import type { AlertIntakeDeps } from '../../src/server/alert-intake.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

const TOKEN = 'test-alert-token-3f9a';

const drill = Drill.parse({
  id: 'drop-orders-table',
  title: 'The orders table is dropped',
  kind: 'drop-table',
  target: { table: 'public.orders' },
  severity: 'high',
  objectives: { ttd: '30s', rto: '2m', rpo: '15s' },
  steadyState: { probes: [{ type: 'sql', name: 'orders readable', query: 'select count(*) > 0 from public.orders' }] },
  detection: {
    alerts: [
      { source: 'alertmanager', match: ['alertname=OrdersTableMissing', 'severity=~page|critical'] },
      { source: 'generic', match: ['alertname=OrdersTableMissing'] },
    ],
  },
  recovery: { mode: 'manual' },
  maxDuration: '3m',
});

interface AlertInput {
  status?: 'firing' | 'resolved';
  alertname?: string;
  severity?: string;
  startsAt?: Date;
}

/** An Alertmanager webhook (version 4) carrying the given alerts. */
function alertmanagerBody(...alerts: AlertInput[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="OrdersTableMissing"}',
    truncatedAlerts: 0,
    status: alerts.some((alert) => alert.status !== 'resolved') ? 'firing' : 'resolved',
    receiver: 'firedrill',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.staging.example:9093',
    alerts: alerts.map(({ status = 'firing', alertname = 'OrdersTableMissing', severity = 'page', startsAt = new Date() }) => ({
      status,
      labels: { alertname, severity, namespace: 'shop' },
      annotations: { summary: `${alertname} on staging` },
      startsAt: startsAt.toISOString(),
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.staging.example:9090/graph',
      fingerprint: '1a30ba71cca2921f',
    })),
  };
}

describe('alert webhooks into a run journal (real PostgreSQL, real HTTP)', () => {
  let postgres: TestPostgres;
  let store: RunStore;
  let server: RunningHttpServer;
  let unconfigured: RunningHttpServer;
  let runId: string;
  let injectedAt: Date;

  const clock = systemClock();
  const log = createLogger('silent');

  beforeAll(async () => {
    postgres = await startTestPostgres();
    await postgres.createDatabase('firedrill');
    store = await openPostgresRunStore(postgres.url('firedrill'));
    const intake: AlertIntakeDeps = { store, clock, drillFor: (run) => (run.drill === drill.id ? drill : undefined) };
    server = await startHttpServer({ host: '127.0.0.1', port: 0, alertToken: TOKEN, intake, log });
    unconfigured = await startHttpServer({ host: '127.0.0.1', port: 0, alertToken: undefined, intake, log, leads: () => false });
  });

  afterAll(async () => {
    await server?.close();
    await unconfigured?.close();
    await store?.close();
    await postgres?.stop();
  });

  /** A fresh active run, injected just now; the previous one is finished so only this one is active. */
  async function newInjectedRun(): Promise<void> {
    if (runId) await store.finish(runId, 'aborted', null);
    const created = await store.createRun({ drill: drill.id, environment: 'staging' });
    if (!created.ok) throw new Error(`another run is active: ${created.activeRunId}`);
    runId = created.runId;
    await store.append(runId, { type: 'run-created', drill: snapshot(drill), environment: 'staging', requestedBy: 'alice' }, clock.now());
    const injected = await store.append(runId, { type: 'injected' }, clock.now());
    injectedAt = new Date(injected.at);
  }

  const after = (ms: number) => new Date(injectedAt.getTime() + ms);
  const events = (): Promise<RunEvent[]> => store.events(runId);
  const ofType = async (type: EventType) => (await events()).filter((event) => event.type === type);

  function post(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('journals a matching firing alert as the detection, with its source and name', async () => {
    await newInjectedRun();
    const response = await post('/hooks/alertmanager', alertmanagerBody({ startsAt: after(1_000) }));
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ received: 1, detections: 1, ignored: 0 });
    const [detected, ...more] = await ofType('detected');
    expect(more).toEqual([]);
    expect(detected).toMatchObject({
      type: 'detected',
      by: { source: 'alertmanager', name: 'OrdersTableMissing', detail: 'severity=page, namespace=shop' },
    });
    const injected = (await ofType('injected'))[0]!;
    expect(detected!.seq).toBeGreaterThan(injected.seq);
  });

  it('counts an alert that arrives while the injection is still being journaled: a fast monitor saw the fault', async () => {
    if (runId) await store.finish(runId, 'aborted', null);
    const created = await store.createRun({ drill: drill.id, environment: 'staging' });
    if (!created.ok) throw new Error(`another run is active: ${created.activeRunId}`);
    runId = created.runId;
    await store.append(runId, { type: 'run-created', drill: snapshot(drill), environment: 'staging', requestedBy: 'alice' }, clock.now());
    const injecting = await store.append(runId, { type: 'injecting', actions: ['hide public.orders'] }, clock.now());
    const response = await post('/hooks/alertmanager', alertmanagerBody({ startsAt: new Date(Date.parse(injecting.at) + 1) }));
    expect(await response.json()).toEqual({ received: 1, detections: 1, ignored: 0 });
    await store.append(runId, { type: 'injected' }, clock.now());
    const [detected] = await ofType('detected');
    expect(detected!.seq).toBeGreaterThan(injecting.seq);
  });

  it('ignores an alert that was already firing before the injection', async () => {
    await newInjectedRun();
    const response = await post('/hooks/alertmanager', alertmanagerBody({ startsAt: after(-60_000) }));
    expect(await response.json()).toEqual({ received: 1, detections: 0, ignored: 1 });
    expect(await ofType('detected')).toEqual([]);
    const [ignored] = await ofType('signal-ignored');
    expect(ignored).toMatchObject({ reason: 'already firing before the fault was injected', by: { name: 'OrdersTableMissing' } });
  });

  it('journals a resolved alert as alert-resolved, not as a detection', async () => {
    await newInjectedRun();
    const response = await post('/hooks/alertmanager', alertmanagerBody({ status: 'resolved', startsAt: after(1_000) }));
    expect(response.status).toBe(202);
    expect(await ofType('detected')).toEqual([]);
    expect(await ofType('alert-resolved')).toMatchObject([{ by: { source: 'alertmanager', name: 'OrdersTableMissing' } }]);
  });

  it.each([
    ['another alert name', { alertname: 'DiskAlmostFull' }],
    ['a severity the rule does not take', { severity: 'warning' }],
  ])('journals nothing for %s', async (_, alert) => {
    await newInjectedRun();
    const before = (await events()).length;
    const response = await post('/hooks/alertmanager', alertmanagerBody({ ...alert, startsAt: after(1_000) }));
    expect(await response.json()).toEqual({ received: 1, detections: 0, ignored: 0 });
    expect(await events()).toHaveLength(before);
  });

  it('journals nothing for a matching alert from a source the rule does not name', async () => {
    await newInjectedRun();
    const before = (await events()).length;
    const grafana = { ...alertmanagerBody({ startsAt: after(1_000) }), version: '1', orgId: 1, title: '[FIRING:1]', state: 'alerting' };
    expect((await post('/hooks/grafana', grafana)).status).toBe(202);
    expect(await events()).toHaveLength(before);
  });

  it('keeps the first detection: later matching alerts, in the same group or from any source, add none', async () => {
    await newInjectedRun();
    const twoInstances = alertmanagerBody({ startsAt: after(1_000) }, { severity: 'critical', startsAt: after(1_500) });
    const group = await post('/hooks/alertmanager', twoInstances);
    expect(await group.json()).toEqual({ received: 2, detections: 1, ignored: 0 });
    const again = await post('/hooks/alertmanager', alertmanagerBody({ severity: 'critical', startsAt: after(2_000) }));
    expect(await again.json()).toEqual({ received: 1, detections: 0, ignored: 0 });
    const generic = await post('/hooks/generic', { name: 'OrdersTableMissing', startsAt: after(3_000).toISOString() });
    expect(await generic.json()).toEqual({ received: 1, detections: 0, ignored: 0 });
    expect(await ofType('detected')).toHaveLength(1);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${TOKEN}x` }],
    ['the token without the Bearer scheme', { authorization: TOKEN }],
  ])('answers 401 and journals nothing for %s', async (_, headers) => {
    await newInjectedRun();
    const before = (await events()).length;
    const response = await post('/hooks/alertmanager', alertmanagerBody({ startsAt: after(1_000) }), headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect((await response.json()) as { error: string }).toEqual({ error: expect.stringContaining('Authorization: Bearer') });
    expect(await events()).toHaveLength(before);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const response = await post('/hooks/alertmanager', '{"alerts": [');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'the body is not JSON' });
  });

  it('answers 400 to JSON of the wrong shape, saying what is wrong', async () => {
    await newInjectedRun();
    const before = (await events()).length;
    const response = await post('/hooks/alertmanager', { alerts: [{ status: 'pending', labels: {} }] });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    expect(error).toMatch(/^not a valid alertmanager webhook payload: alerts\.0\.status: /);
    expect(await events()).toHaveLength(before);
  });

  it('answers 503 when no alert token is configured, even to a good request', async () => {
    const response = await fetch(`${unconfigured.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(alertmanagerBody({})),
    });
    expect(response.status).toBe(503);
    expect((await response.json()) as { error: string }).toEqual({ error: expect.stringContaining('server.alertToken') });
  });

  it('answers 404 to an unknown path and 405 to GET on a hook', async () => {
    expect((await fetch(`${server.url}/hooks/pagerduty`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${server.url}/hooks/alertmanager`)).status).toBe(405);
  });

  it('serves /livez, /healthz, saying whether this replica leads, and /readyz', async () => {
    const alive = await fetch(`${server.url}/livez`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ status: 'alive' });
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', leader: true, store: 'reachable' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
    // A replica that follows is healthy and ready all the same.
    const follower = await fetch(`${unconfigured.url}/healthz`);
    expect(follower.status).toBe(200);
    expect(await follower.json()).toEqual({ status: 'ok', leader: false, store: 'reachable' });
    expect((await fetch(`${unconfigured.url}/readyz`)).status).toBe(200);
  });

  it('counts webhook requests by source and result in /metrics', async () => {
    const counter = async (result: string): Promise<number> => {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const line = new RegExp(`^firedrill_webhooks_total\\{hook="generic",result="${result}"\\} (\\d+)$`, 'm').exec(text);
      return Number(line?.[1] ?? 0);
    };
    const [accepted, unauthorized] = [await counter('accepted'), await counter('unauthorized')];
    await post('/hooks/generic', { name: 'Unrelated' });
    await post('/hooks/generic', { name: 'Unrelated' }, {});
    expect(await counter('accepted')).toBe(accepted + 1);
    expect(await counter('unauthorized')).toBe(unauthorized + 1);
    expect(await (await fetch(`${server.url}/metrics`)).text()).toContain('# TYPE firedrill_webhooks_total counter');
  });
});

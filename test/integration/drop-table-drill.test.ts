import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { restoreTableBackup } from '../../adapters/postgres/table-backup.js';
import { findEvent } from '../../src/engine/events.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { createLogger } from '../../src/log.js';
import { startHttpServer, type RunningHttpServer } from '../../src/server/http-server.js';
import { eventWaiter, ordersDrill, startDrillWorld, type DrillWorld } from '../support/drill-world.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROBE_INTERVAL_MS = 100;

let world: DrillWorld;
let server: RunningHttpServer;
const TOKEN = 'test-alert-token';

beforeAll(async () => {
  world = await startDrillWorld();
  const drill = ordersDrill();
  server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    alertToken: TOKEN,
    log: createLogger('silent'),
    intake: { store: world.store, clock: world.clock, drillFor: () => drill },
  });
});

afterAll(async () => {
  await server?.close();
  await world?.stop();
});

beforeEach(async () => {
  await world.createOrders(500);
});

const deps = () => ({ store: world.store, clock: world.clock, runtimes: world.runtimes });

/** A run of the orders drill in staging, requested by alice unless `request` says otherwise. */
const runOrders = (drillFields: Record<string, unknown> = {}, request: Partial<Parameters<typeof runDrill>[1]> = {}) =>
  runDrill(deps(), { drill: ordersDrill(drillFields), environmentName: 'staging', environment: world.environment, requestedBy: 'alice', ...request });

async function restoreNewestBackup(): Promise<void> {
  const client = await world.staging.connect();
  try {
    await restoreTableBackup({ client, store: world.backups, table: 'public.orders', backup: 'newest' });
  } finally {
    client.release();
  }
}

function alertmanagerFiring(startsAt: Date) {
  return {
    version: '4',
    status: 'firing',
    receiver: 'firedrill',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'OrdersTableMissing', severity: 'critical' },
        annotations: {},
        startsAt: startsAt.toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.example',
        fingerprint: 'abc',
      },
    ],
  };
}

describe('the drop-table drill', () => {
  it('times a manual recovery: the test plays the team', async () => {
    const writer = world.startWriter(50);
    await world.backupOrders();
    const backupAgeTarget = 1_200;
    await sleep(backupAgeTarget);
    const waiter = eventWaiter();
    const running = runOrders({}, { onEvent: waiter.onEvent });

    const { runId, event: injected } = await waiter.next('injected');
    // The engine's own t0, on the clock the test shares with it: the comparisons below are exact.
    const t0 = injected.mono;
    expect(await world.orderCount()).toBeNull();
    await sleep(400);
    const detected = world.clock.now();
    await world.store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, detected);
    await sleep(300);
    const restoreStarted = performance.now();
    await restoreNewestBackup();
    const restored = performance.now();
    const { scorecard } = await running;
    await writer.stop();

    expect(scorecard.outcome).toBe('pass');
    expect(scorecard.detectedBy).toEqual({ source: 'cli', name: 'bob' });
    expect(scorecard.ttdMs).toBe(Math.round(detected.mono - t0));
    // Service is back between the restore's start and one probe interval after it returned
    // (plus scheduling delay when the machine is loaded).
    expect(scorecard.rtoMs).toBeGreaterThanOrEqual(Math.floor(restoreStarted - t0));
    expect(scorecard.rtoMs).toBeLessThanOrEqual(Math.ceil(restored - t0) + PROBE_INTERVAL_MS + 500);
    // Restoring a backup of known age loses about that much data: the newest order before
    // injection minus the newest order in the backup, never more than the backup's age at t0.
    const backupAge = Date.parse(scorecard.timeline.injectedAt!) - Date.parse(scorecard.rpo!.newestAfter!);
    // Within one writer interval when the machine is idle; 500 ms leaves room for a loaded CI.
    expect(backupAge).toBeGreaterThanOrEqual(backupAgeTarget);
    expect(scorecard.rpoMs).toBeLessThanOrEqual(backupAge);
    expect(scorecard.rpoMs).toBeGreaterThanOrEqual(backupAge - 500);
    expect(await world.leftovers()).toEqual([]);
  });

  it('measures the real data loss of an automated restore triggered by an Alertmanager alert', async () => {
    const writer = world.startWriter(50);
    const backup = await world.backupOrders();
    await sleep(800);
    const waiter = eventWaiter();
    const running = runOrders({ recovery: { mode: 'automated', runbook: { action: 'restore-table-from-s3', bucket: 'backups' } } }, { onEvent: waiter.onEvent });
    const { runId, event: injected } = await waiter.next('injected');
    await sleep(300);
    const sent = performance.now();
    const response = await fetch(`${server.url}/hooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(alertmanagerFiring(new Date())),
    });
    const answered = performance.now();
    expect(response.status).toBe(202);
    const { scorecard } = await running;
    await writer.stop();

    expect(scorecard.runId).toBe(runId);
    expect(scorecard.outcome).toBe('pass');
    expect(scorecard.detectedBy?.source).toBe('alertmanager');
    expect(scorecard.detectedBy?.name).toBe('OrdersTableMissing');
    // Detection is the moment the webhook reached firedrill: between sending and the answer.
    expect(scorecard.ttdMs).toBeGreaterThanOrEqual(Math.floor(sent - injected.mono));
    expect(scorecard.ttdMs).toBeLessThanOrEqual(Math.ceil(answered - injected.mono));
    expect(scorecard.rtoMs).toBeGreaterThan(scorecard.ttdMs!);
    expect(scorecard.recovery.runbookOk).toBe(true);
    // The restored table holds exactly the backup: orders written after it are really gone.
    const newest = await world.staging.query<{ newest: Date }>(
      'select max(created_at) as newest from public.orders where created_at <= $1',
      [scorecard.rpo!.newestBefore],
    );
    expect(newest.rows[0]!.newest.toISOString()).toBe(scorecard.rpo!.newestAfter);
    expect(Date.parse(scorecard.rpo!.newestAfter!)).toBeLessThanOrEqual(backup.takenAt.getTime());
    expect(scorecard.rpoMs).toBeGreaterThanOrEqual(800 - 60);
    expect(await world.leftovers()).toEqual([]);
  });

  it('refuses a table the environment does not allow, and changes nothing', async () => {
    const { scorecard } = await runOrders({}, { environment: { ...world.environment, postgres: { ...world.environment.postgres!, allowedTables: ['public.customers'] } } });
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain('not in the environment\'s allowedTables');
    expect(scorecard.timeline.injectedAt).toBeNull();
    expect(await world.orderCount()).toBe(500);
    expect(await world.safetyCopies()).toEqual([]);
  });

  it('refuses when the steady state is not green before injection', async () => {
    await world.staging.query('truncate public.orders');
    const { scorecard } = await runOrders();
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain('steady state: orders readable');
    expect(await world.orderCount()).toBe(0);
  });

  it('refuses protected and production-looking environments', async () => {
    const protectedRun = await runOrders({}, { environment: { ...world.environment, protected: true } });
    expect(protectedRun.scorecard.outcome).toBe('refused');
    expect(protectedRun.scorecard.reason).toContain('protected');
    const production = await runOrders({}, { environmentName: 'prod-eu' });
    expect(production.scorecard.outcome).toBe('refused');
    expect(production.scorecard.reason).toContain('looks like production');
    expect(await world.orderCount()).toBe(500);
  });

  it('allows one active run per environment, enforced by the database', async () => {
    const waiter = eventWaiter();
    const first = runOrders({}, { onEvent: waiter.onEvent });
    const { runId } = await waiter.next('injected');
    const second = await runOrders({}, { requestedBy: 'bob' });
    expect(second.scorecard.outcome).toBe('refused');
    expect(second.scorecard.reason).toContain(runId);
    await world.store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'test over' }, world.clock.now());
    expect((await first).scorecard.outcome).toBe('aborted');
  });

  it('aborts on request: undoes the injection at once and says what it undid', async () => {
    const waiter = eventWaiter();
    const running = runOrders({}, { onEvent: waiter.onEvent });
    const { runId } = await waiter.next('injected');
    expect(await world.orderCount()).toBeNull();
    // The table itself, out of the app's sight in the run's own schema.
    expect(await world.safetyCopies()).toEqual([`firedrill_safety_${runId.replace(/-/g, '').slice(0, 12)}.orders`]);
    await world.store.append(runId, { type: 'abort-requested', by: 'carol', reason: 'customer demo' }, world.clock.now());
    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.reason).toBe('aborted by carol: customer demo');
    expect(scorecard.events.map((event) => event.text).join('\n')).toMatch(/undone: .*public\.orders moved back from firedrill_safety_\w+, as it was/);
    expect(await world.orderCount()).toBe(500);
    expect(await world.leftovers()).toEqual([]);
    // The restored table works like the original: identity, primary key.
    await world.staging.query("insert into public.orders (customer) values ('after abort')");
    expect(await world.orderCount()).toBe(501);
  });

  it('rolls back at maxDuration when nobody recovers', async () => {
    const { scorecard } = await runOrders({ maxDuration: '1s' });
    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.reason).toContain('timed out');
    expect(scorecard.rtoMs).toBeNull();
    expect(await world.orderCount()).toBe(500);
    expect(await world.leftovers()).toEqual([]);
  });

  it('waits for a second person to approve; the requester cannot approve', async () => {
    const waiter = eventWaiter();
    const running = runOrders({ requiresApproval: true, maxDuration: '1s' }, { approvalTimeoutMs: 10_000, onEvent: waiter.onEvent });
    const { runId } = await waiter.next('approval-requested');
    await world.store.append(runId, { type: 'approved', by: 'alice' }, world.clock.now());
    await sleep(300);
    expect(await world.orderCount()).toBe(500);
    await world.store.append(runId, { type: 'approved', by: 'dave' }, world.clock.now());
    const { scorecard } = await running;
    const events = await world.store.events(runId);
    expect(findEvent(events, 'injected')).toBeDefined();
    expect(scorecard.outcome).toBe('aborted');

    const unapproved = await runOrders({ requiresApproval: true }, { approvalTimeoutMs: 300 });
    expect(unapproved.scorecard.outcome).toBe('refused');
    expect(unapproved.scorecard.reason).toContain('no approval');
  });

  it('honours an abort that arrives before injection: nothing is touched', async () => {
    const waiter = eventWaiter();
    const running = runOrders({ requiresApproval: true }, { approvalTimeoutMs: 30_000, onEvent: waiter.onEvent });
    const { runId } = await waiter.next('approval-requested');
    await world.store.append(runId, { type: 'abort-requested', by: 'bob', reason: 'not today' }, world.clock.now());
    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toBe('aborted by bob before injection: not today');
    expect(findEvent(await world.store.events(runId), 'injecting')).toBeUndefined();
    expect(await world.orderCount()).toBe(500);
  });

  it('refuses, and leaves no active run behind, when the database cannot be reached in preflight', async () => {
    const unreachable = { ...world.env, TEST_STAGING_URL: 'postgres://nobody:secret@127.0.0.1:1/none' };
    const { scorecard } = await runDrill(
      { ...deps(), runtimes: runtimeFactory({ configDir: process.cwd(), env: unreachable }) },
      { drill: ordersDrill(), environmentName: 'staging', environment: world.environment, requestedBy: 'alice' },
    );
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain('preflight could not complete');
    expect(JSON.stringify(scorecard)).not.toContain('secret');
    expect(await world.store.active('staging')).toEqual([]);
  });
});

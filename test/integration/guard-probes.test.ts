import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
/** The production site the drill must not hurt: answers with `productionStatus`. */
let production: Server;
let productionUrl: string;
let productionStatus = 200;
const environment: Environment = { protected: false, allowProductionLookingNames: false, buckets: {} };

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-guards-'));
  production = createServer((_request, response) => response.writeHead(productionStatus).end());
  await new Promise<void>((resolve) => production.listen(0, '127.0.0.1', resolve));
  productionUrl = `http://127.0.0.1:${(production.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => production?.close(resolve));
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (name: string) => access(join(dir, name)).then(() => true, () => false);

/** The shop is down while `outage` exists; nobody recovers it, so only a guard or maxDuration ends the run. */
function guardedDrill(inject: string, guards: unknown[]) {
  return Drill.parse({
    id: 'guarded-outage',
    title: 'A bad feature flag takes the shop down',
    kind: 'command',
    target: { inject, undo: 'rm -f outage budget-spent; touch undone' },
    severity: 'low',
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'command', name: 'shop up', run: 'test ! -f outage' }], interval: '50ms', stableFor: '200ms' },
    guards,
    recovery: { mode: 'manual' },
    maxDuration: '60s',
  });
}

const run = (drill: Drill, onEvent?: (event: RunEvent) => void) =>
  runDrill(
    { store, clock: systemClock(), runtimes: runtimeFactory({ configDir: dir, env: { PATH: process.env.PATH }, undoRetry: { attempts: 1, firstDelayMs: 10, maxDelayMs: 10 } }) },
    { drill, environmentName: 'staging', environment, requestedBy: 'alice', onEvent },
  );

describe('guard probes', () => {
  it('aborts at once and undoes when a guard goes red while the fault is in effect, and the scorecard names the guard', async () => {
    productionStatus = 200;
    await rm(join(dir, 'undone'), { force: true });
    const drill = guardedDrill('touch outage', [{ type: 'http', name: 'production site', url: productionUrl, expectStatus: 200 }]);
    const started = performance.now();

    const { runId, scorecard } = await run(drill, (event) => {
      if (event.type === 'injected') productionStatus = 503;
    });

    expect(performance.now() - started).toBeLessThan(drill.maxDuration);
    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.reason).toBe('stopped by guard production site: HTTP 503');
    const events = await store.events(runId);
    const tripped = findEvent(events, 'guard-tripped');
    expect(tripped).toMatchObject({ guard: 'production site', detail: 'HTTP 503' });
    expect(tripped!.seq).toBeGreaterThan(findEvent(events, 'injected')!.seq);
    expect(findEvent(events, 'rollback-started')?.reason).toBe('stopped by guard production site: HTTP 503');
    expect(findEvent(events, 'rolled-back')).toBeDefined();
    expect(findEvent(events, 'timed-out')).toBeUndefined();
    expect(findEvents(events, 'preflight-check').map((check) => `${check.check} ${check.ok}`)).toContain('guard: production site true');
    expect(scorecard.events.map((entry) => entry.text)).toContain('GUARD RED: production site: HTTP 503; stopping the drill');
    expect(await exists('outage')).toBe(false);
    expect(await exists('undone')).toBe(true);
  });

  it('ends an injection still running when a guard goes red, then undoes', async () => {
    productionStatus = 200;
    await rm(join(dir, 'undone'), { force: true });
    // The injection spends the error budget, then would keep going for a minute.
    const drill = guardedDrill('touch outage budget-spent; sleep 60', [{ type: 'command', name: 'error budget', run: 'test ! -f budget-spent || { echo "budget spent"; exit 1; }' }]);
    const started = performance.now();

    const { runId, scorecard } = await run(drill);

    expect(performance.now() - started).toBeLessThan(30_000);
    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.reason).toBe('stopped by guard error budget: budget spent');
    const events = await store.events(runId);
    expect(findEvent(events, 'injected')).toBeUndefined();
    expect(findEvent(events, 'rollback-started')?.reason).toBe('stopped by guard error budget during injection: budget spent');
    expect(findEvent(events, 'rolled-back')).toBeDefined();
    expect(await exists('outage')).toBe(false);
    expect(await exists('budget-spent')).toBe(false);
    expect(await exists('undone')).toBe(true);
  });

  it('refuses the run, touching nothing, when a guard is already red at preflight', async () => {
    productionStatus = 500;
    await writeFile(join(dir, 'untouched'), '');
    const drill = guardedDrill('rm untouched; touch outage', [{ type: 'http', name: 'production site', url: productionUrl, expectStatus: 200 }]);

    const { runId, scorecard } = await run(drill);

    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toBe('guard: production site: HTTP 500');
    const events = await store.events(runId);
    expect(findEvent(events, 'undo-recorded')).toBeUndefined();
    expect(findEvent(events, 'injecting')).toBeUndefined();
    expect(await exists('untouched')).toBe(true);
    expect(await exists('outage')).toBe(false);
  });
});

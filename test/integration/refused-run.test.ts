import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvents } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-refused-'));
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (name: string) => access(join(dir, name)).then(() => true, () => false);

/** Every command it could run leaves a file behind, so the test sees whether anything ran. */
const drill = Drill.parse({
  id: 'touchy',
  title: 'leaves a mark wherever it acts',
  kind: 'command',
  target: { inject: 'touch injected', undo: 'touch undone' },
  severity: 'low',
  objectives: { rto: '1m' },
  steadyState: { probes: [{ type: 'command', run: 'touch probed' }], interval: '50ms', stableFor: '50ms' },
  recovery: { mode: 'manual' },
  maxDuration: '10s',
});

describe('a run refused in preflight', () => {
  it.each([
    ['protected', { protected: true, allowProductionLookingNames: false, buckets: {} }],
    ['production', { protected: false, allowProductionLookingNames: false, buckets: {} }],
  ] as [string, Environment][])('touches nothing in %s: no probe, no injection, no undo', async (name, environment) => {
    const { runId, scorecard } = await runDrill(
      { store, clock: systemClock(), runtimes: runtimeFactory({ configDir: dir, env: { PATH: process.env.PATH } }) },
      { drill, environmentName: name, environment, requestedBy: 'alice' },
    );
    expect(scorecard.outcome).toBe('refused');
    const checks = findEvents(await store.events(runId), 'preflight-check');
    expect(checks.map((check) => [check.check, check.ok])).toEqual([['environment allowed', false]]);
    for (const mark of ['probed', 'injected', 'undone']) expect(await exists(mark), mark).toBe(false);
  });
});

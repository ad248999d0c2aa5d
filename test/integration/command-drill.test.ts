import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
const environment: Environment = { protected: false, allowProductionLookingNames: false, buckets: {} };

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-command-'));
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (name: string) => access(join(dir, name)).then(() => true, () => false);

/** A team's own disaster: the service is "down" while the file `outage` exists. */
function commandDrill(target: { inject: string; undo: string }, recoveryRun = 'sleep 0.3; rm -f outage') {
  return Drill.parse({
    id: 'feature-flag-outage',
    title: 'A bad feature flag takes the shop down',
    kind: 'command',
    target,
    severity: 'low',
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'command', name: 'shop up', run: 'test ! -f outage' }], interval: '50ms', stableFor: '200ms' },
    recovery: { mode: 'automated', trigger: 'immediately', runbook: { action: 'command', run: recoveryRun } },
    maxDuration: '20s',
  });
}

const QUICK_RETRIES = { attempts: 2, firstDelayMs: 10, maxDelayMs: 10 };
const run = (drill: Drill) =>
  runDrill(
    { store, clock: systemClock(), runtimes: runtimeFactory({ configDir: dir, env: { PATH: process.env.PATH }, undoRetry: QUICK_RETRIES }) },
    { drill, environmentName: 'staging', environment, requestedBy: 'alice' },
  );

describe('the command drill kind', () => {
  it('runs the inject command in the config folder, times the recovery, then runs the recorded undo', async () => {
    const { runId, scorecard } = await run(commandDrill({ inject: 'echo "$FIREDRILL_RUN_ID $FIREDRILL_ENVIRONMENT" > told; touch outage', undo: 'rm -f outage; echo undone > undo-ran' }));

    expect(scorecard.outcome).toBe('pass');
    const events = await store.events(runId);
    expect(findEvent(events, 'undo-recorded')!.seq).toBeLessThan(findEvent(events, 'injecting')!.seq);
    expect(findEvents(events, 'fault-step').map((step) => step.action)).toEqual([expect.stringMatching(/^ran `echo .*; touch outage` \(exit 0 after [\d.]+s\)$/)]);
    expect((await readFile(join(dir, 'told'), 'utf8')).trim()).toBe(`${runId} staging`);
    expect(findEvent(events, 'recovered')?.sawOutage).toBe(true);
    expect(findEvent(events, 'undo-done')?.detail).toMatch(/^undo command done \(exit 0 after [\d.]+s\)$/);
    expect(await exists('outage')).toBe(false);
    expect((await readFile(join(dir, 'undo-ran'), 'utf8')).trim()).toBe('undone');
  });

  it('says why the inject command failed, and still runs the undo', async () => {
    const { runId, scorecard } = await run(commandDrill({ inject: 'echo "flag service unreachable" >&2; exit 3', undo: 'echo undone-after-failure > undo-ran' }));

    expect(scorecard.outcome).toBe('aborted');
    const events = await store.events(runId);
    expect(findEvent(events, 'failed')?.error).toMatch(/^the run failed: the inject command failed \(exit 3 after [\d.]+s: flag service unreachable\)$/);
    expect(findEvent(events, 'injected')).toBeUndefined();
    expect((await readFile(join(dir, 'undo-ran'), 'utf8')).trim()).toBe('undone-after-failure');
  });

  it('keeps the run active when the undo command fails, so recover can retry it', async () => {
    const running = run(commandDrill({ inject: 'touch outage', undo: 'exit 1' }));
    await expect(running).rejects.toThrow(/the fault may still be in effect. 1 undo action\(s\) could not complete/);
    const [active] = await store.active('staging');
    expect(active?.drill).toBe('feature-flag-outage');
    const failed = findEvent(await store.events(active!.id), 'undo-failed');
    expect(failed?.error).toMatch(/^the undo command failed \(exit 1 after [\d.]+s\); fix it and run `firedrill recover`$/);
    await store.finish(active!.id, 'aborted', null);
  });
});

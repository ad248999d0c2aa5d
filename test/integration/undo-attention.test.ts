import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { UndoIncompleteError } from '../../src/errors.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { runCli } from '../support/cli.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
const environment: Environment = { protected: false, allowProductionLookingNames: false, buckets: {} };

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-attention-'));
  await writeFile(
    join(dir, 'firedrill.yaml'),
    `builtInDrills: false\nenvironments:\n  staging: {}\nstore:\n  url: { env: TEST_STORE_URL }\nundo: { attempts: 2, firstDelay: 10ms, maxDelay: 10ms }\n`,
  );
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (name: string) => access(join(dir, name)).then(() => true, () => false);

/** The service is "down" while the file `outage` exists; the undo is the given command. */
function drillUndoneBy(undo: string) {
  return Drill.parse({
    id: 'flag-outage',
    title: 'A bad feature flag takes the shop down',
    kind: 'command',
    target: { inject: 'touch outage', undo },
    severity: 'low',
    objectives: { rto: '1m' },
    steadyState: { probes: [{ type: 'command', name: 'shop up', run: 'test ! -f outage' }], interval: '50ms', stableFor: '100ms' },
    recovery: { mode: 'automated', trigger: 'immediately', runbook: { action: 'command', run: 'rm -f outage' } },
    maxDuration: '20s',
  });
}

const run = (drill: Drill, attempts: number) =>
  runDrill(
    {
      store,
      clock: systemClock(),
      runtimes: runtimeFactory({ configDir: dir, env: { PATH: process.env.PATH }, undoRetry: { attempts, firstDelayMs: 20, maxDelayMs: 40 } }),
    },
    { drill, environmentName: 'staging', environment, requestedBy: 'alice' },
  );

const cli = (args: string[]) => runCli([...args, '--config', join(dir, 'firedrill.yaml')], { env: { TEST_STORE_URL: postgres.url('firedrill') } });

describe('an undo that fails', () => {
  it('is tried again with growing delays, each try journaled, until it completes', async () => {
    // Fails twice (a database restarting, say), then works.
    const undo = 'n=$(cat tries 2>/dev/null || echo 0); echo $((n+1)) > tries; test "$n" -ge 2 && rm -f outage-left';
    await writeFile(join(dir, 'outage-left'), '');
    const { runId, scorecard } = await run(drillUndoneBy(undo), 5);

    expect(scorecard.outcome).toBe('pass');
    const events = await store.events(runId);
    const tries = findEvents(events, 'undo-attempt-failed');
    expect(tries.map((attempt) => [attempt.attempt, attempt.retryInMs])).toEqual([
      [1, 20],
      [2, 40],
    ]);
    expect(findEvent(events, 'rolled-back')).toBeDefined();
    expect(findEvent(events, 'needs-attention')).toBeUndefined();
    expect(await readFile(join(dir, 'tries'), 'utf8')).toBe('3\n');
    expect(await exists('outage-left')).toBe(false);
  });

  it('leaves the run active and needing attention, shown by status, until recover completes it', async () => {
    // The undo works only once a person has fixed its cause (created the file `fixed`).
    const failing = run(drillUndoneBy('test -f fixed && rm -f stuck'), 3);
    await writeFile(join(dir, 'stuck'), '');
    const error = await failing.then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(UndoIncompleteError);
    const runId = (error as UndoIncompleteError).runId;
    expect((error as Error).message).toContain('the fault may still be in effect');
    expect((await store.get(runId))?.finishedAt).toBeNull();
    const events = await store.events(runId);
    expect(findEvents(events, 'undo-attempt-failed')).toHaveLength(2);
    expect(findEvent(events, 'needs-attention')?.reason).toMatch(/^1 undo action\(s\) could not complete: run `test -f fixed && rm -f stuck`: the undo command failed/);

    // Any command reports it without retrying it; status shows the whole journal.
    const listed = await cli(['status']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${runId.slice(0, 8)}  flag-outage in staging`);
    expect(listed.stdout).toContain('NEEDS ATTENTION, the fault may still be in effect');
    expect(listed.stderr).toContain(`recovery: run ${runId} (flag-outage in staging): needs-attention:`);
    expect(listed.stderr).not.toMatch(/"stack"|\n\s+at /);
    const journal = await cli(['status', runId.slice(0, 8)]);
    expect(journal.stdout).toContain('UNDO FAILED: run `test -f fixed && rm -f stuck`');
    expect(journal.stdout).toMatch(/undo try 1 failed: .*; trying again in 0s/);
    expect(await exists('stuck')).toBe(true);

    // Still failing: recover says so and keeps it.
    const stillStuck = await cli(['recover']);
    expect(stillStuck.code).toBe(1);
    expect(stillStuck.stderr).toContain('needs-attention');

    await writeFile(join(dir, 'fixed'), '');
    const recovered = await cli(['recover']);
    // It did not crash: the drill had recovered and verified before its clean-up failed, so it keeps that outcome.
    expect(recovered.stderr).toContain(`run ${runId} (flag-outage in staging): rolled-back: undo actions ran; scored pass`);
    expect(recovered.code).toBe(0);
    expect(await exists('stuck')).toBe(false);
    const finished = await store.get(runId);
    expect(finished?.outcome).toBe('pass');
    expect((await store.scorecard(runId))?.outcome).toBe('pass');
    const after = await cli(['status', runId.slice(0, 8)]);
    expect(after.stdout).toContain('scored: pass');
    expect(after.stdout).toContain('NEEDS ATTENTION: 1 undo action(s) could not complete');
  }, 120_000);
});

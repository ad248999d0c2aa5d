import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { effectiveDrill, loadCatalogue, type Catalogue } from '../../src/catalogue/load.js';
import type { Drill } from '../../src/catalogue/drill-schema.js';
import { systemClock, type Clock } from '../../src/engine/clock.js';
import type { RunEvent } from '../../src/engine/events.js';
import { Journal } from '../../src/engine/journal.js';
import type { RunClaim, RunStore } from '../../src/engine/ports.js';
import { snapshot } from '../../src/engine/run-drill.js';
import { scoreRun, type Scorecard } from '../../src/scoring/score-run.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

export const ALERT_NAME = 'TimedOutage';
export const ENVIRONMENT = 'bench';
export const DRILL_ID = 'timed';

/**
 * What every source's trials share: a real run store (embedded PostgreSQL), a config with one
 * `command` drill, a target database for the SQL probe, and a temporary folder, all removed by
 * `close()`. A trial is one run: created, claimed (so that a CLI process started meanwhile
 * does not take it over), injected, and finished once measured.
 */
export interface TimingWorld {
  dir: string;
  config: string;
  storeUrl: string;
  store: RunStore;
  target: pg.Pool;
  clock: Clock;
  catalogue: Catalogue;
  drill: Drill;
  startRun(): Promise<Trial>;
  close(): Promise<void>;
}

export interface Trial {
  runId: string;
  injected: RunEvent;
  journal: Journal;
  /** Scores the run from its journal and ends it (its environment is then free for the next trial). */
  finish(): Promise<Scorecard>;
}

export async function startTimingWorld(): Promise<TimingWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-timing-'));
  let postgres: TestPostgres | undefined;
  try {
    postgres = await startTestPostgres();
    await postgres.createDatabase('firedrill');
    await postgres.createDatabase('target');
    const storeUrl = postgres.url('firedrill');
    await mkdir(join(dir, 'drills'));
    await writeFile(
      join(dir, 'drills', `${DRILL_ID}.yaml`),
      `id: ${DRILL_ID}
title: a fault whose moments the benchmark chooses
kind: command
target: { inject: 'true', undo: 'true' }
severity: low
objectives: { ttd: 1m, rto: 10m }
steadyState:
  probes: [{ type: command, run: 'true' }]
detection:
  alerts: [{ match: ['alertname=${ALERT_NAME}'] }]
recovery: { mode: manual }
maxDuration: 10m
`,
    );
    const config = join(dir, 'firedrill.yaml');
    await writeFile(config, `builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n  ${ENVIRONMENT}:\n    chat: { run: ['*'] }\nstore:\n  url: { env: BENCH_STORE_URL }\n`);
    const loaded = await loadCatalogue(config);
    if (!loaded.ok) throw new Error(`the benchmark's own config is invalid: ${loaded.problems.map((problem) => problem.message).join('; ')}`);
    const catalogue = loaded.catalogue;
    const drill = effectiveDrill(catalogue, DRILL_ID, ENVIRONMENT);
    const store = await openPostgresRunStore(storeUrl);
    const target = new pg.Pool({ connectionString: postgres.url('target'), max: 4 });
    const clock = systemClock();
    const server = postgres;
    return {
      dir,
      config,
      storeUrl,
      store,
      target,
      clock,
      catalogue,
      drill,
      async startRun() {
        const created = await store.createRun({ drill: DRILL_ID, environment: ENVIRONMENT });
        if (!created.ok) throw new Error(`run ${created.activeRunId} is still active in ${ENVIRONMENT}`);
        const claim: RunClaim | undefined = await store.claim(created.runId);
        const journal = new Journal(created.runId, store, clock);
        await journal.append({ type: 'run-created', drill: snapshot(drill), environment: ENVIRONMENT, requestedBy: userInfo().username });
        const injected = await journal.append({ type: 'injected' });
        return {
          runId: created.runId,
          injected,
          journal,
          async finish() {
            const scorecard = scoreRun(created.runId, await store.events(created.runId));
            await store.finish(created.runId, 'aborted', scorecard);
            await claim?.release();
            return scorecard;
          },
        };
      },
      async close() {
        await target.end();
        await store.close();
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await postgres?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Polls the store (another process may have written it) until the run has a `detected` event. */
export async function waitForDetection(store: RunStore, runId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await store.events(runId)).some((event) => event.type === 'detected')) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`run ${runId}: no detection within ${timeoutMs} ms`);
}

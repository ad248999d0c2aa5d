import { access, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStore } from '../../src/engine/ports.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { anyCommand, expectRolledBack, KILL_POINTS, runAndKill, type KillPoint } from '../support/crash-harness.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;

/**
 * Every step is slow enough to be caught in: the preflight probe, the inject (which leaves
 * `flag` behind, which only the undo removes), the runbook, the verification and the undo.
 */
const DRILL = `
id: slow-everywhere
title: firedrill dies at some point of a run
kind: command
target:
  inject: sleep 0.5; touch fault flag
  undo: sleep 0.5; rm -f fault flag
severity: low
objectives: { rto: 5m }
steadyState:
  probes: [{ type: command, run: sleep 0.3; test ! -f fault }]
  interval: 100ms
  stableFor: 300ms
recovery:
  mode: automated
  trigger: immediately
  runbook: { action: command, run: sleep 0.5; rm -f fault }
verify: [{ type: command, run: sleep 0.5; true }]
maxDuration: 10m
`;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await realpath(await mkdtemp(join(tmpdir(), 'firedrill-crash-suite-')));
  await mkdir(join(dir, 'drills'));
  await writeFile(join(dir, 'drills', 'slow-everywhere.yaml'), DRILL);
  await writeFile(
    join(dir, 'firedrill.yaml'),
    `builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n  staging: { commandGrace: 1s }\nstore:\n  url: { env: TEST_STORE_URL }\n`,
  );
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (name: string) => access(join(dir, 'drills', name)).then(() => true, () => false);

const killPoints: KillPoint[] = [
  KILL_POINTS.preflight,
  KILL_POINTS.undoRecorded,
  KILL_POINTS.slowInject,
  KILL_POINTS.awaitingDetection,
  KILL_POINTS.recovering,
  KILL_POINTS.verifying,
  KILL_POINTS.undoing,
];

describe('the command kind, killed with SIGKILL', () => {
  it.each(killPoints.map((point) => [point.name, point] as const))('%s: the next command leaves no fault behind', async (_name, killPoint) => {
    const config = join(dir, 'firedrill.yaml');
    const env = { TEST_STORE_URL: postgres.url('firedrill') };
    const killed = await runAndKill({ store, environment: 'staging', runArgs: ['run', 'slow-everywhere', '--env', 'staging', '--config', config], env, killPoint });

    const recovery = await anyCommand(config, env);
    await expectRolledBack(store, killed, recovery);
    expect(await exists('fault')).toBe(false);
    expect(await exists('flag')).toBe(false);
  }, 120_000);
});

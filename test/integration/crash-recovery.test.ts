import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recoverUnfinishedRuns } from '../../src/engine/recover.js';
import { runCli, spawnCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;

const CONFIG = `
builtInDrills: false
catalogue: [drills/]
environments:
  staging:
    postgres:
      url: { env: TEST_STAGING_URL }
      allowedTables: [public.orders]
store:
  url: { env: TEST_STORE_URL }
`;

const DRILL = `
id: drop-orders-crash
title: orders dropped while firedrill dies
kind: drop-table
severity: high
target: { table: public.orders }
objectives: { rto: 5m }
steadyState:
  probes: [{ type: sql, query: "select count(*) > 0 from public.orders" }]
  interval: 100ms
  stableFor: 1s
recovery: { mode: manual }
maxDuration: 10m
`;

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-crash-'));
  await writeFile(join(dir, 'firedrill.yaml'), CONFIG);
  await import('node:fs/promises').then((fs) => fs.mkdir(join(dir, 'drills')));
  await writeFile(join(dir, 'drills', 'drop-orders-crash.yaml'), DRILL);
});

afterAll(async () => {
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('rolls back a run whose process was killed with SIGKILL, and only then', async () => {
  await world.createOrders(500);
  const env = { ...world.env, TEST_STORE_URL: world.storeUrl };
  const child = spawnCli(['run', 'drop-orders-crash', '--env', 'staging', '--config', join(dir, 'firedrill.yaml')], { env });
  let childErr = '';
  child.stderr!.on('data', (chunk: Buffer) => (childErr += chunk.toString()));
  const runId = await world.injectedRun().catch((error: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${error.message}\n${childErr}`);
  });
  expect(await world.orderCount()).toBeNull();

  // While its owner lives, nobody else may roll the run back.
  const whileAlive = await recoverUnfinishedRuns(world.store, world.clock, world.runtimes, () => world.environment);
  expect(whileAlive).toEqual([expect.objectContaining({ runId, result: 'owned-elsewhere' })]);
  expect(await world.orderCount()).toBeNull();

  child.kill('SIGKILL');
  await once(child, 'exit');
  expect(await world.orderCount()).toBeNull();
  expect((await world.store.get(runId))?.finishedAt).toBeNull();

  // The next start of firedrill (any command) finds the run and undoes it.
  const recovered = await runCli(['recover', '--config', join(dir, 'firedrill.yaml')], { env });
  expect(recovered.stderr).toContain(`run ${runId} (drop-orders-crash in staging): rolled-back`);
  expect(recovered.code).toBe(0);

  expect(await world.orderCount()).toBe(500);
  expect(await world.safetyCopies()).toEqual([]);
  const run = await world.store.get(runId);
  expect(run?.outcome).toBe('aborted');
  const scorecard = (await world.store.scorecard(runId)) as { outcome: string; reason: string };
  expect(scorecard.outcome).toBe('aborted');
  expect(scorecard.reason).toContain('firedrill stopped in the middle of this run');
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { anyCommand, expectRolledBack, KILL_POINTS, runAndKill, type KillPoint } from '../support/crash-harness.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';

let world: DrillWorld;
let dir: string;
let config: string;
const ROWS = 500;

/** The same drill with each recovery mode; the canary marker also leaves a table to clean. */
const drillFile = (id: string, recovery: string) => `
id: ${id}
title: orders dropped while firedrill dies (${id})
kind: drop-table
target: { table: public.orders }
severity: high
objectives: { rto: 5m }
steadyState:
  probes: [{ type: sql, query: "select count(*) > 0 from public.orders" }]
  interval: 100ms
  stableFor: 300ms
recovery: ${recovery}
rpo: { marker: canary, table: public.firedrill_canary, interval: 100ms }
verify: [{ type: sql, query: "select pg_sleep(0.5) is not null and count(*) > 0 from public.orders" }]
maxDuration: 10m
`;

const MODES = {
  manual: '{ mode: manual }',
  s3: '{ mode: automated, trigger: immediately, runbook: { action: restore-table-from-s3, bucket: backups } }',
  command: '{ mode: automated, trigger: immediately, runbook: { action: command, run: sleep 30 } }',
};

beforeAll(async () => {
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-drop-crash-'));
  await mkdir(join(dir, 'drills'));
  for (const [mode, recovery] of Object.entries(MODES)) await writeFile(join(dir, 'drills', `${mode}.yaml`), drillFile(`drop-${mode}`, recovery));
  config = join(dir, 'firedrill.yaml');
  await writeFile(config, `builtInDrills: false\ncatalogue: [drills/]\nenvironments:\n${world.environmentYaml('staging')}store:\n  url: { env: TEST_STORE_URL }\n`);
  await world.createOrders(ROWS);
  await world.backupOrders();
});

afterAll(async () => {
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const abortFromAnotherTerminal = (env: NodeJS.ProcessEnv) => async (runId: string) =>
  void (await runCli(['abort', runId.slice(0, 8), '--config', config], { env }));

type Case = [mode: keyof typeof MODES, point: KillPoint, nudge?: 'abort'];
const CASES: Case[] = [
  ['manual', KILL_POINTS.preflight],
  ['manual', KILL_POINTS.undoRecorded],
  ['manual', KILL_POINTS.injecting],
  ['manual', KILL_POINTS.awaitingDetection],
  ['manual', KILL_POINTS.undoing, 'abort'],
  ['s3', KILL_POINTS.awaitingDetection],
  ['s3', { name: 'during the restore from S3', at: (event) => event.type === 'recovery-started' }],
  ['s3', KILL_POINTS.verifying],
  ['s3', KILL_POINTS.undoing],
  ['command', KILL_POINTS.recovering],
  ['command', KILL_POINTS.undoing, 'abort'],
];

describe('drop-table, killed with SIGKILL', () => {
  it.each(CASES.map(([mode, point, nudge]) => [`${mode} recovery, ${point.name}`, mode, point, nudge] as const))(
    '%s: the next command puts the table back and leaves nothing of firedrill behind',
    async (_name, mode, killPoint, nudge) => {
      const env = { ...world.env, TEST_STORE_URL: world.storeUrl };
      const killed = await runAndKill({
        store: world.store,
        environment: 'staging',
        runArgs: ['run', `drop-${mode}`, '--env', 'staging', '--config', config],
        env,
        killPoint,
        ...(nudge ? { afterInjected: abortFromAnotherTerminal(env) } : {}),
      });

      const recovery = await anyCommand(config, env);
      await expectRolledBack(world.store, killed, recovery);
      expect(await world.orderCount()).toBe(ROWS);
      expect(await world.leftovers()).toEqual([]);
    },
    180_000,
  );
});

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealCommand } from '../../src/cli/trust-commands.js';
import type { RunStore } from '../../src/engine/ports.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { writeFile } from 'node:fs/promises';
import { runCli } from '../support/cli.js';
import { anyCommand, expectRolledBack, KILL_POINTS, runAndKill, type KillPoint } from '../support/crash-harness.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';
import { BUCKETS, capturingContext, startTrustWorld, type TrustWorld } from '../support/trust-world.js';

let world: TrustWorld;
let postgres: TestPostgres;
let store: RunStore;
let config: string;
let env: NodeJS.ProcessEnv;
const PREFIX = 'crash/';

beforeAll(async () => {
  [world, postgres] = await Promise.all([
    startTrustWorld([
      { name: 'alice', algorithm: 'ed25519' },
      { name: 'bob', algorithm: 'ed25519' },
      { name: 'carol', algorithm: 'ed25519' },
    ]),
    startTestPostgres(),
  ]);
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  await writeFile(join(world.dir, 'vault.kdbx'), 'the DR bundle');
  config = await world.writeConfig('crash.yaml', { holders: ['alice', 'bob', 'carol'], threshold: 2, prefix: PREFIX, extra: 'environments:\n  staging: {}\n' });
  expect(await sealCommand(capturingContext(world.env), config, [join(world.dir, 'vault.kdbx')])).toBe(0);
  env = { ...world.env, DATABASE_URL: postgres.url('firedrill') };
});

afterAll(async () => {
  await store?.close();
  await postgres?.stop();
  await world?.stop();
});

/** The fault of this kind: a challenge object in some trust bucket. */
async function challengesLeft(): Promise<string[]> {
  const lists = await Promise.all(BUCKETS.map((bucket) => world.store(bucket, PREFIX).list('firedrill-challenges/')));
  return lists.flat().map((object) => object.key);
}

const killPoints: [KillPoint, ((runId: string) => Promise<void>)?][] = [
  [KILL_POINTS.preflight],
  [KILL_POINTS.undoRecorded],
  [KILL_POINTS.injecting],
  [KILL_POINTS.awaitingDetection],
  // Aborted from another terminal, so that the undo starts; killed as it does.
  [KILL_POINTS.undoing, async (runId) => void (await runCli(['abort', runId.slice(0, 8), '--config', config], { env }))],
];

describe('the key-holder-unavailable kind, killed with SIGKILL', () => {
  it.each(killPoints.map(([point, nudge]) => [point.name, point, nudge] as const))('%s: the next command removes the challenge', async (_name, killPoint, afterInjected) => {
    const killed = await runAndKill({ store, environment: 'staging', runArgs: ['run', 'key-holder-gone', '--env', 'staging', '--config', config], env, killPoint, afterInjected });

    const recovery = await anyCommand(config, env);
    await expectRolledBack(store, killed, recovery);
    expect(await challengesLeft()).toEqual([]);
  }, 180_000);
});

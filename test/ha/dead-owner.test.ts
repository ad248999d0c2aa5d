import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { findEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { KILL_POINTS, runAndKill } from '../support/crash-harness.js';
import { waitFor, writeCommandDrillConfig } from '../support/embedded-store.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';
import { outageIn, startReplica, stopReplica, theLeader, type Replica } from './serve-replicas.js';

/**
 * The leader takes over any run whose owner is gone, not only a dead leader's: here a
 * `firedrill run` on someone's terminal, killed with SIGKILL while a serve replica leads.
 */

let postgres: TestPostgres;
let dir: string;
let store: RunStore;
let config: string;
let env: NodeJS.ProcessEnv;
let leader: Replica;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('ha');
  store = await openPostgresRunStore(postgres.url('ha'));
  dir = await mkdtemp(join(tmpdir(), 'firedrill-ha-owner-'));
  config = await writeCommandDrillConfig(dir, { maxDuration: '10m' });
  env = { DATABASE_URL: postgres.url('ha'), FIREDRILL_STATE_DIR: join(dir, 'state'), FIREDRILL_ALERT_TOKEN: 'alert-token-for-tests' };
  leader = await startReplica('a', config, env);
  await theLeader([leader]);
});

afterAll(async () => {
  if (leader) await stopReplica(leader);
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const runArgs = () => ['run', 'flag-outage', '--env', 'staging', '--as', 'alice', '--config', config];
const finished = (runId: string) => waitFor('the run to finish', async () => ((await store.get(runId))?.finishedAt ? true : undefined), 60_000);

it('rolls back a run whose owner died while injecting, and says so in the journal', async () => {
  const killed = await runAndKill({ store, environment: 'staging', runArgs: runArgs(), env, killPoint: KILL_POINTS.injecting });
  await finished(killed.runId);
  const events = await store.events(killed.runId);
  expect(findEvent(events, 'taken-over')).toMatchObject({ to: leader.owner, action: 'rolled-back', why: 'its owner died before the fault was fully injected' });
  expect(findEvent(events, 'taken-over')?.from).toMatch(/ pid \d+$/);
  expect(findEvent(events, 'rolled-back')).toBeDefined();
  expect(findEvent(events, 'scored')?.outcome).toBe('aborted');
  expect(await outageIn(dir)).toBe(false);
});

it('resumes a run whose owner died waiting for detection: the alert and the fix are timed from the original injection', async () => {
  const killed = await runAndKill({ store, environment: 'staging', runArgs: runArgs(), env, killPoint: KILL_POINTS.awaitingDetection });
  const takeover = await waitFor('the takeover', async () => findEvent(await store.events(killed.runId), 'taken-over'), 30_000);
  expect(takeover).toMatchObject({ to: leader.owner, action: 'resumed' });
  expect(await outageIn(dir)).toBe(true);

  const alert = await fetch(`${leader.url}/hooks/generic`, {
    method: 'POST',
    headers: { authorization: 'Bearer alert-token-for-tests', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'ShopDown', status: 'firing' }),
  });
  expect(alert.status).toBe(202);
  // A check already going when the alert came may see the fix, and recovery is then timed from
  // that check's start (the conservative side): the fix waits for a whole check after the alert.
  await waitFor('a probe check after the detection', async () => {
    const journal = await store.events(killed.runId);
    const detected = findEvent(journal, 'detected');
    const probe = journal.find((event) => detected && event.seq > detected.seq && event.type === 'process-started' && event.role === 'probe');
    return probe?.type === 'process-started' && journal.some((event) => event.type === 'process-ended' && event.pid === probe.pid && event.seq > probe.seq) ? true : undefined;
  });
  await unlink(join(dir, 'outage'));
  await finished(killed.runId);

  const events = await store.events(killed.runId);
  const injected = findEvent(events, 'injected')!;
  const scorecard = await store.scorecard(killed.runId);
  expect(scorecard?.outcome).toBe('pass');
  expect(scorecard?.ttdMs).toBe(Math.round(Date.parse(findEvent(events, 'detected')!.at) - Date.parse(injected.at)));
  expect(scorecard?.rtoMs).toBeGreaterThan(Date.parse(takeover.at) - Date.parse(injected.at));
  expect(await outageIn(dir)).toBe(false);
});

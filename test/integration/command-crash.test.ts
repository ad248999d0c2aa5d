import { once } from 'node:events';
import { access, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findEvents } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { runCli, spawnCli } from '../support/cli.js';
import { isRunning, killIfRunning, pidIn, RUNNING_FUNCTION, waitForFile } from '../support/processes.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
let drills: string;
const started = new Set<number>();

const CONFIG = `
builtInDrills: false
catalogue: [drills/]
environments:
  staging:
    commandGrace: 2s
store:
  url: { env: TEST_STORE_URL }
`;

// The inject is slow: it says it started, then sleeps before it puts the fault in place.
const DRILL = `
id: slow-inject-crash
title: firedrill dies during a slow inject
kind: command
target:
  inject: echo $$ > inject-pid; sleep 60 & echo $! > sleep-pid; echo started > started; wait; touch fault
  undo: |
    ${RUNNING_FUNCTION}
    for p in $(cat inject-pid sleep-pid); do if running $p; then echo "$p running"; else echo "$p gone"; fi; done > undo-saw
    echo "$FIREDRILL_RUN_ID $FIREDRILL_ENVIRONMENT $FIREDRILL_DRILL" > undo-told
    rm -f fault
severity: low
objectives: { rto: 5m }
steadyState:
  probes: [{ type: command, run: test ! -f fault }]
  interval: 100ms
  stableFor: 1s
recovery: { mode: manual }
maxDuration: 10m
`;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await realpath(await mkdtemp(join(tmpdir(), 'firedrill-command-crash-')));
  drills = join(dir, 'drills');
  await mkdir(drills);
  await writeFile(join(dir, 'firedrill.yaml'), CONFIG);
  await writeFile(join(drills, 'slow-inject-crash.yaml'), DRILL);
});

afterAll(async () => {
  killIfRunning(started);
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const exists = (file: string) => access(join(drills, file)).then(() => true, () => false);

it('after a SIGKILL during a slow inject, recovery ends the orphaned inject before the undo, and no fault is left', async () => {
  const env = { TEST_STORE_URL: postgres.url('firedrill'), FIREDRILL_STATE_DIR: join(dir, 'state') };
  const config = join(dir, 'firedrill.yaml');
  const child = spawnCli(['run', 'slow-inject-crash', '--env', 'staging', '--config', config], { env });
  let childErr = '';
  child.stderr!.on('data', (chunk: Buffer) => (childErr += chunk.toString()));
  try {
    await waitForFile(join(drills, 'started'), 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}\n${childErr}`);
  }
  const [injectPid, sleepPid] = [await pidIn(join(drills, 'inject-pid')), await pidIn(join(drills, 'sleep-pid'))];
  started.add(injectPid).add(sleepPid);
  const [run] = await store.active('staging');
  expect(run?.drill).toBe('slow-inject-crash');
  const runId = run!.id;

  child.kill('SIGKILL');
  await once(child, 'exit');
  // Nothing ends the inject with firedrill: in a group of its own, it runs on.
  expect([isRunning(injectPid), isRunning(sleepPid)]).toEqual([true, true]);

  const recovered = await runCli(['recover', '--config', config], { env });
  expect(recovered.stderr).toContain(`run ${runId} (slow-inject-crash in staging): rolled-back`);
  expect(recovered.code).toBe(0);

  // The undo saw the inject's shell and its child gone, and they are: the fault can never appear.
  expect(await readFile(join(drills, 'undo-saw'), 'utf8')).toBe(`${injectPid} gone\n${sleepPid} gone\n`);
  expect([isRunning(injectPid), isRunning(sleepPid)]).toEqual([false, false]);
  expect(await exists('fault')).toBe(false);
  // Crash recovery tells the undo which run, environment and drill it serves.
  expect((await readFile(join(drills, 'undo-told'), 'utf8')).trim()).toBe(`${runId} staging slow-inject-crash`);

  expect((await store.get(runId))?.outcome).toBe('aborted');
  const events = await store.events(runId);
  const started_ = findEvents(events, 'process-started');
  const ended = findEvents(events, 'process-ended');
  const injectStarted = started_.find((event) => event.role === 'inject');
  const injectEnded = ended.find((event) => event.pid === injectPid);
  const undoStarted = started_.find((event) => event.role === 'undo');
  expect(injectStarted).toMatchObject({ pid: injectPid, command: expect.stringContaining('sleep 60'), startTicks: expect.stringMatching(/^\d+$/) });
  expect(injectEnded?.status).toBe('ended by SIGTERM before the undo (firedrill had stopped while it ran)');
  expect(injectEnded!.seq).toBeLessThan(undoStarted!.seq);
  expect(ended.find((event) => event.pid === undoStarted!.pid)?.status).toBe('exit 0');
  expect(findEvents(events, 'rolled-back')).toHaveLength(1);
  // Two real CLI processes from source: slow on a busy machine.
}, 120_000);

import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { effectiveDrill, loadCatalogue } from '../../src/catalogue/load.js';
import { runtimeFactory, runtimeFactoryFor } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents, type RunEvent } from '../../src/engine/events.js';
import type { RunStore, RuntimeFactory } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { eventWaiter } from '../support/drill-world.js';
import { isRunning, killIfRunning, pidIn, RUNNING_FUNCTION, waitForFile } from '../support/processes.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let store: RunStore;
let dir: string;
const started = new Set<number>();
const environment = Environment.parse({ commandGrace: '2s' });

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('firedrill');
  store = await openPostgresRunStore(postgres.url('firedrill'));
  dir = await realpath(await mkdtemp(join(tmpdir(), 'firedrill-owned-drill-')));
});

afterAll(async () => {
  killIfRunning(started);
  await store?.close();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs in its own folder, so that the tests' files do not meet. */
async function folder(name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  return path;
}

function start(drill: Drill, runtimes: RuntimeFactory) {
  const waiter = eventWaiter();
  const running = runDrill({ store, clock: systemClock(), runtimes }, { drill, environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });
  return { running, runId: waiter.next('run-created').then(({ runId }) => runId), next: waiter.next };
}

/** An undo that writes down, from inside the run, whether the processes named in `files` still run. */
const undoReporting = (files: string) =>
  `${RUNNING_FUNCTION}; for p in $(cat ${files}); do if running $p; then echo "$p running"; else echo "$p gone"; fi; done > undo-saw; rm -f outage`;

const processEvents = (events: RunEvent[]) => events.filter((event) => event.type === 'process-started' || event.type === 'process-ended');

describe('a command drill owns its commands', () => {
  it('on abort during a slow inject, ends the inject (its shell and its children) before the undo runs', async () => {
    const cwd = await folder('abort');
    const drill = Drill.parse({
      id: 'slow-inject',
      title: 'a slow inject, aborted',
      kind: 'command',
      target: { inject: 'echo $$ > inject-pid; sleep 30 & echo $! > sleep-pid; wait; touch outage', undo: undoReporting('inject-pid sleep-pid') },
      severity: 'low',
      objectives: { rto: '1m' },
      steadyState: { probes: [{ type: 'command', run: 'test ! -f outage' }], interval: '100ms', stableFor: '200ms' },
      recovery: { mode: 'manual' },
      maxDuration: '1m',
    });
    const { running, runId } = start(drill, runtimeFactory({ configDir: cwd, env: { PATH: process.env.PATH } }));
    const [injectPid, sleepPid] = [await pidIn(join(cwd, 'inject-pid')), await pidIn(join(cwd, 'sleep-pid'))];
    started.add(injectPid).add(sleepPid);

    await store.append(await runId, { type: 'abort-requested', by: 'bob', reason: 'test' });
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(await readFile(join(cwd, 'undo-saw'), 'utf8')).toBe(`${injectPid} gone\n${sleepPid} gone\n`);
    expect([isRunning(injectPid), isRunning(sleepPid)]).toEqual([false, false]);
    const events = await store.events(await runId);
    const inject = processEvents(events).filter((event) => event.pid === injectPid);
    expect(inject.map((event) => (event.type === 'process-started' ? `started ${event.role}` : `ended: ${event.status}`))).toEqual([
      'started inject',
      'ended: aborted (ended by SIGTERM)',
    ]);
    const undoStarted = findEvents(events, 'process-started').find((event) => event.role === 'undo');
    expect(inject[1]!.seq).toBeLessThan(undoStarted!.seq);
    expect(findEvent(events, 'undo-done')).toBeDefined();
  });

  it('at maxDuration during a slow runbook, ends the runbook before the undo runs', async () => {
    const cwd = await folder('max-duration');
    const drill = Drill.parse({
      id: 'slow-runbook',
      title: 'a runbook slower than maxDuration',
      kind: 'command',
      target: { inject: 'touch outage', undo: undoReporting('runbook-pid runbook-sleep-pid') },
      severity: 'low',
      objectives: { rto: '1m' },
      steadyState: { probes: [{ type: 'command', run: 'test ! -f outage' }], interval: '100ms', stableFor: '200ms' },
      recovery: { mode: 'automated', trigger: 'immediately', runbook: { action: 'command', run: 'echo $$ > runbook-pid; sleep 30 & echo $! > runbook-sleep-pid; wait; rm -f outage' } },
      maxDuration: '3s',
    });
    const { running, runId } = start(drill, runtimeFactory({ configDir: cwd, env: { PATH: process.env.PATH } }));
    const [runbookPid, sleepPid] = [await pidIn(join(cwd, 'runbook-pid')), await pidIn(join(cwd, 'runbook-sleep-pid'))];
    started.add(runbookPid).add(sleepPid);

    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.reason).toBe('timed out: service not back within maxDuration');
    expect(await readFile(join(cwd, 'undo-saw'), 'utf8')).toBe(`${runbookPid} gone\n${sleepPid} gone\n`);
    const events = await store.events(await runId);
    expect(findEvent(events, 'recovery-finished')).toMatchObject({
      ok: false,
      detail: 'the runbook command was ended before it finished: the run was aborted or reached maxDuration',
    });
    const runbookEnded = findEvents(events, 'process-ended').find((event) => event.pid === runbookPid);
    const undoStarted = findEvents(events, 'process-started').find((event) => event.role === 'undo');
    expect(runbookEnded?.status).toBe('aborted (ended by SIGTERM)');
    expect(runbookEnded!.seq).toBeLessThan(undoStarted!.seq);
  });
});

describe('commands named in a drill file', () => {
  it('run in the drill file folder, told the run, drill and environment: inject, probes, runbook, checks and undo', async () => {
    const cwd = await folder('relative');
    const team = join(cwd, 'drills', 'team');
    await mkdir(team, { recursive: true });
    await writeFile(join(cwd, 'firedrill.yaml'), 'builtInDrills: false\ncatalogue: [drills/team/]\nenvironments:\n  staging: {}\n');
    // The README's example: a script beside the drill file, named with a relative path.
    await writeFile(join(team, 'flags.sh'), '#!/bin/sh\necho "$1 $PWD $FIREDRILL_RUN_ID $FIREDRILL_ENVIRONMENT $FIREDRILL_DRILL" >> seen\n');
    await chmod(join(team, 'flags.sh'), 0o755);
    await writeFile(
      join(team, 'bad-flag.yaml'),
      [
        'id: bad-flag',
        'title: A bad feature flag takes checkout down',
        'kind: command',
        'target: { inject: ./flags.sh inject && touch outage, undo: ./flags.sh undo && rm -f outage }',
        'severity: low',
        'objectives: { rto: 1m }',
        'steadyState: { probes: [{ type: command, run: ./flags.sh probe && test ! -f outage }], interval: 100ms, stableFor: 200ms }',
        'recovery: { mode: automated, trigger: immediately, runbook: { action: command, run: ./flags.sh runbook && rm -f outage } }',
        'verify: [{ type: command, run: ./flags.sh check }]',
        'maxDuration: 30s',
        '',
      ].join('\n'),
    );
    const loaded = await loadCatalogue(join(cwd, 'firedrill.yaml'));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    const drill = effectiveDrill(loaded.catalogue, 'bad-flag', 'staging');

    const { running, runId, next } = start(drill, runtimeFactoryFor(loaded.catalogue, { PATH: process.env.PATH }));
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('pass');
    const seen = new Set((await waitForFile(join(team, 'seen'))).trim().split('\n'));
    const told = `${team} ${await runId} staging bad-flag`;
    expect([...seen].sort()).toEqual(['check', 'inject', 'probe', 'runbook', 'undo'].map((role) => `${role} ${told}`));
    // Recorded with the undo (the store drops it once the run is over), so that crash recovery runs it in the same folder.
    const { event: recorded } = await next('undo-recorded');
    expect(recorded.type === 'undo-recorded' && recorded.undo.params).toEqual({ command: './flags.sh undo && rm -f outage', cwd: team });
    const events = await store.events(await runId);
    expect(new Set(findEvents(events, 'process-started').map((event) => event.role))).toEqual(new Set(['probe', 'inject', 'runbook', 'undo']));
    expect(findEvents(events, 'process-started').length).toBe(findEvents(events, 'process-ended').length);
    // Probe commands run every interval: their process events are kept out of the timeline.
    expect(scorecard.events.filter((entry) => entry.text.startsWith('started probe command'))).toEqual([]);
    expect(scorecard.events.filter((entry) => entry.text.startsWith('started inject command'))).toHaveLength(1);
  });
});

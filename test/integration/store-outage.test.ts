import { afterEach, describe, expect, it } from 'vitest';
import { CLI_TEST_TIMEOUT_MS, embeddedStoreCli, type EmbeddedStoreCli } from '../support/embedded-store-cli.js';
import { waitFor } from '../support/embedded-store.js';

let world: EmbeddedStoreCli | undefined;

afterEach(async () => {
  await world?.cleanUp();
  world = undefined;
});

/** Every event once: a repeated append (an answer lost to the outage) must not journal twice. */
function expectEachOnce(types: string[], ...once: string[]): void {
  for (const type of once) expect(types.filter((seen) => seen === type), type).toHaveLength(1);
}

describe("the store's PostgreSQL killed in the middle of a run", () => {
  it('is started again by the running drill, which then undoes and scores as usual', async () => {
    world = await embeddedStoreCli({ maxDuration: '10m' });
    const { store } = world;
    const { run, runId } = await world.startRun();

    const killed = await store.killServer();
    // Nobody else uses the store: the drill's own process brings it back.
    await store.waitForRunning({ not: killed.pid });
    expect(await world.outageExists()).toBe(true);

    const aborted = await world.cli(['abort', runId.slice(0, 8)], { FIREDRILL_USER: 'bob' });
    expect(aborted.code, aborted.stderr).toBe(0);
    // It reached the running drill instead of rolling the run back as abandoned.
    expect(aborted.stderr).not.toContain('recovery:');

    expect(await world.finished(run), run.stderr()).toBe(1);
    const printed = JSON.parse(run.stdout()) as { outcome: string; reason: string };
    expect(printed).toMatchObject({ outcome: 'aborted', reason: 'aborted by bob: asked on the command line' });
    expect(await world.outageExists()).toBe(false);
    await store.waitForStopped();

    const stored = await world.stored(runId);
    expect(stored.scorecard).toEqual(printed);
    const types = stored.events.map((event) => event.type);
    expectEachOnce(types, 'injected', 'abort-requested', 'rollback-started', 'undo-done', 'rolled-back', 'scored');
    expect(types).not.toContain('failed');
  }, CLI_TEST_TIMEOUT_MS);

  it('is not taken for abandoned by a command that starts the store again before the drill has its claim back', async () => {
    world = await embeddedStoreCli({ maxDuration: '10m' });
    const { store } = world;
    const { run, runId } = await world.startRun();

    // The drill's process is frozen (a long pause, a suspended VM) when the store dies: the
    // next command starts it again, and the run's claim died with the old server.
    run.child.kill('SIGSTOP');
    await store.killServer();
    const aborting = world.start(['abort', runId.slice(0, 8)], { env: { FIREDRILL_USER: 'bob' } });
    // The drill wakes up once the command has started the store and joined it.
    await waitFor('the abort command to use the store', async () => {
      const users = await store.query("select 1 from pg_stat_activity where application_name = $1", [`firedrill store user ${aborting.child.pid}`]).catch(() => []);
      return users.length ? true : undefined;
    });
    run.child.kill('SIGCONT');

    expect(await world.finished(aborting), aborting.stderr()).toBe(0);
    expect(aborting.stderr()).not.toContain('recovery:');
    expect(await world.finished(run), run.stderr()).toBe(1);
    expect(JSON.parse(run.stdout())).toMatchObject({ outcome: 'aborted', reason: 'aborted by bob: asked on the command line' });
    expect(await world.outageExists()).toBe(false);
    await store.waitForStopped();
  }, CLI_TEST_TIMEOUT_MS);

  it('stops a drill whose store stays down past the outage limit, and the next command rolls it back', async () => {
    world = await embeddedStoreCli({ maxDuration: '8s' });
    const { store } = world;
    const { run, runId } = await world.startRun({ FIREDRILL_STORE_OUTAGE_LIMIT: '2s' });

    // Down for good, as far as the drill can tell: it cannot journal its undo, so it does not act.
    await store.breakConfig();
    await store.killServer();
    expect(await world.finished(run)).toBe(2);
    expect(run.stderr()).toMatch(/^firedrill: the run store has not answered for 2s \(.+\)$/m);
    expect(run.stderr()).toContain('the next firedrill command (e.g. `firedrill recover`) rolls it back');
    expect(run.stderr()).not.toMatch(/\n\s+at /);
    expect(await world.outageExists()).toBe(true);

    await store.mendConfig();
    const recovered = await world.cli(['recover']);
    expect(recovered.code, recovered.stderr).toBe(0);
    expect(recovered.stderr).toContain(`run ${runId} (flag-outage in staging): rolled-back`);
    expect(await world.outageExists()).toBe(false);
    await store.waitForStopped();

    const stored = await world.stored(runId);
    expect(stored.scorecard).toMatchObject({ outcome: 'aborted' });
    expectEachOnce(stored.events.map((event) => event.type), 'injected', 'rollback-started', 'undo-done', 'rolled-back', 'scored');
  }, CLI_TEST_TIMEOUT_MS);
});

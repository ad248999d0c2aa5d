import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runtimeFactory } from '../../src/compose/index.js';
import type { Environment } from '../../src/config/config-schema.js';
import { findEvent, findEvents } from '../../src/engine/events.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { CATCH_UP_MARGIN_MS } from '../../adapters/postgres/delayed-replica-rescue.js';
import { eventWaiter, ordersDrill } from '../support/drill-world.js';
import { recordingProcessJournal } from '../support/process-journal.js';
import { startTestPostgres } from '../support/servers.js';
import { startReplicaWorld, type ReplicaWorld } from '../support/replica-world.js';

// Short enough for a quick suite, long enough that the test notices the drop well within it.
const DELAY_MS = 3_000;
const PROBE_INTERVAL_MS = 100;

let world: ReplicaWorld;

beforeAll(async () => {
  world = await startReplicaWorld(DELAY_MS);
  await world.createOrders(300);
});

afterAll(async () => {
  await world?.stop();
});

const rescueDrill = () => ordersDrill({ recovery: { mode: 'automated', runbook: { action: 'rescue-from-delayed-replica' }, trigger: 'on-detection' } });

/** The world's environment with its delayed replica declared otherwise. */
function withReplica(replica: Partial<NonNullable<NonNullable<Environment['postgres']>['delayedReplica']>>): Environment {
  const base = world.environment.postgres!;
  return { ...world.environment, postgres: { ...base, delayedReplica: { ...base.delayedReplica!, ...replica } } };
}

async function preflightIn(environment: Environment, runtimes = world.runtimes): Promise<{ check: string; ok: boolean; detail: string }[]> {
  const runtime = await runtimes.runtimeFor(rescueDrill(), 'staging', environment, 'preflight-test', recordingProcessJournal());
  try {
    return await runtime.fault.preflight();
  } finally {
    await runtime.close();
  }
}

const failed = (checks: { check: string; ok: boolean; detail: string }[]) => checks.filter((check) => !check.ok);

describe('preflight of a delayed replica', () => {
  it('passes on a real standby that streams from the primary with the declared delay', async () => {
    const checks = await preflightIn(world.environment);
    expect(failed(checks)).toEqual([]);
    expect(checks.map((check) => check.check)).toEqual(
      expect.arrayContaining([
        'delayed replica is a standby',
        'delayed replica streams from the primary',
        'delayed replica delay',
        'delayed replica replays',
        'target table on the delayed replica',
      ]),
    );
    expect(checks.find((check) => check.check === 'delayed replica delay')?.detail).toContain('recovery_min_apply_delay is 3s, as declared (3s)');
  });

  it('refuses the primary given as the replica', async () => {
    const checks = failed(await preflightIn(withReplica({ url: { env: 'TEST_STAGING_URL' } })));
    expect(checks).toEqual([
      expect.objectContaining({ check: 'delayed replica is a standby', detail: expect.stringContaining('is not a standby (pg_is_in_recovery() is false)') }),
    ]);
  });

  it('refuses a delay far from the declared one', async () => {
    const checks = failed(await preflightIn(withReplica({ delay: 30_000 })));
    expect(checks).toEqual([
      expect.objectContaining({
        check: 'delayed replica delay',
        detail: expect.stringMatching(/recovery_min_apply_delay on .* is 3s, but postgres.delayedReplica.delay says 30s \(allowed: within 3s\)/),
      }),
    ]);
  });

  it('refuses a standby of another database cluster', async () => {
    const other = await startTestPostgres();
    try {
      await other.createDatabase('staging');
      const url = other.url('staging');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query('create table public.orders (id bigint primary key, created_at timestamptz not null default now())');
      await client.query('insert into public.orders (id) values (1)');
      await client.end();
      const environment = { ...world.environment, postgres: { ...world.environment.postgres!, url: { env: 'OTHER_STAGING_URL' } } };
      const runtimes = runtimeFactory({ configDir: process.cwd(), env: { ...world.env, OTHER_STAGING_URL: url } });
      expect(failed(await preflightIn(environment, runtimes))).toEqual([
        expect.objectContaining({
          check: 'delayed replica streams from the primary',
          detail: expect.stringMatching(/is a standby of another cluster \(system identifier \d+, the primary's is \d+\): point postgres.delayedReplica.url at a standby of postgres.url/),
        }),
      ]);
    } finally {
      await other.stop();
    }
  });

  it('refuses a standby that does not stream', async () => {
    const original = (await world.replica.query<{ value: string }>('select current_setting($1) as value', ['primary_conninfo'])).rows[0]!.value;
    await world.replica.query(`alter system set primary_conninfo = 'host=127.0.0.1 port=1 user=nobody connect_timeout=1'`);
    await world.replica.query('select pg_reload_conf()');
    try {
      await world.untilReplica(`coalesce((select status from pg_stat_wal_receiver), 'none') <> 'streaming'`);
      const checks = failed(await preflightIn(world.environment));
      expect(checks).toEqual([
        expect.objectContaining({ check: 'delayed replica streams from the primary', detail: expect.stringMatching(/WAL receiver of .* is .*, not streaming/) }),
      ]);
    } finally {
      await world.replica.query(`alter system set primary_conninfo = ${quoteLiteral(original)}`);
      await world.replica.query('select pg_reload_conf()');
      await world.untilReplica(`(select status from pg_stat_wal_receiver) = 'streaming'`);
    }
  });
});

describe('the rescue-from-delayed-replica runbook', () => {
  beforeEach(async () => {
    await world.createOrders(300);
  });

  it('pauses the standby before the drop, brings it up to just before it, copies the table back and resumes', async () => {
    const writer = startWriter(50);
    // The app has been writing for longer than the delay: the standby holds some of it, not all.
    await world.untilReplica(`exists (select 1 from public.orders where customer = 'writer')`);
    const waiter = eventWaiter();
    const running = runDrill(
      { store: world.store, clock: world.clock, runtimes: world.runtimes },
      { drill: rescueDrill(), environmentName: 'staging', environment: world.environment, requestedBy: 'alice', onEvent: waiter.onEvent },
    );
    const { runId, event: injected } = await waiter.next('injected');
    // The team notices at once: the standby is a whole delay behind.
    await world.store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, world.clock.now());
    const { scorecard } = await running;
    await writer.stop();
    const events = await world.store.events(runId);

    expect(scorecard.outcome).toBe('pass');
    expect(scorecard.recovery.runbookOk).toBe(true);
    const drop = findEvent(events, 'injected')!.walPosition!;
    const ordered = await world.staging.query<{ ok: boolean }>('select $1::pg_lsn < $2::pg_lsn as ok', [drop.before, drop.after]);
    expect(ordered.rows[0]!.ok).toBe(true);
    const finished = findEvent(events, 'recovery-finished')!;
    expect(finished.detail).toMatch(/^copied \d+ rows of public\.orders from the delayed replica .* back to the primary; the standby held commits up to .*; replay resumed$/);

    // Paused at once, the standby held commits up to a whole delay before the drop; brought
    // forward, up to CATCH_UP_MARGIN_MS before it (a little later when firedrill's timer fires
    // late on a loaded machine), and never the drop. What was committed in that last stretch
    // is lost, and the scorecard says how much.
    const dropAt = Date.parse(drop.at);
    const newestAfter = Date.parse(scorecard.rpo!.newestAfter!);
    const halfway = (DELAY_MS + CATCH_UP_MARGIN_MS) / 2;
    expect(newestAfter).toBeLessThan(dropAt);
    expect(newestAfter).toBeGreaterThan(dropAt - halfway);
    expect(scorecard.rpoMs).toBeGreaterThan(0);
    expect(scorecard.rpoMs).toBeLessThan(halfway);
    // What the rescued table holds from before the drop is exactly what the scorecard read (the app writes on after it).
    const restored = await world.staging.query<{ newest: Date; count: string }>(
      'select max(created_at) as newest, count(*) from public.orders where created_at <= $1',
      [scorecard.rpo!.newestBefore],
    );
    expect(restored.rows[0]!.newest.getTime()).toBe(newestAfter);
    expect(Number(restored.rows[0]!.count)).toBeGreaterThan(300);

    // The rescue waited for the standby to reach the drop: that is part of the outage.
    const finishedAfterMs = finished.mono - injected.mono;
    expect(scorecard.rtoMs).toBeGreaterThanOrEqual(DELAY_MS - CATCH_UP_MARGIN_MS - (Date.parse(injected.at) - dropAt));
    expect(scorecard.rtoMs).toBeLessThanOrEqual(finishedAfterMs + PROBE_INTERVAL_MS + 500);

    // The drill's undo keeps the rescued table and drops firedrill's hidden original.
    const undone = findEvents(events, 'undo-done').map((event) => event.detail);
    expect(undone).toEqual([
      expect.stringMatching(/replay on .* is not paused; nothing to resume/),
      expect.stringContaining('public.orders was restored by the team and is kept'),
    ]);
    expect(await world.leftovers()).toEqual([]);
    expect(await world.replayPaused()).toBe('not paused');
    // And the standby follows: it ends up with the rescued table.
    const count = (await world.staging.query<{ count: string }>('select count(*) from public.orders')).rows[0]!.count;
    await world.untilReplica(`to_regclass('public.orders') is not null`);
    await world.untilReplica(`(select count(*) from public.orders) = ${Number(count)}`);
  });

  it('fails cleanly when the standby has already applied the drop, and the drill still undoes it', async () => {
    const waiter = eventWaiter();
    const running = runDrill(
      { store: world.store, clock: world.clock, runtimes: world.runtimes },
      { drill: rescueDrill(), environmentName: 'staging', environment: world.environment, requestedBy: 'alice', onEvent: waiter.onEvent },
    );
    const { runId } = await waiter.next('injected');
    // Nobody notices until the standby has dropped the table too.
    await world.untilReplica(`to_regclass('public.orders') is null`);
    await world.store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, world.clock.now());
    const { event: finished } = await waiter.next('recovery-finished');
    expect(finished).toMatchObject({ ok: false, detail: expect.stringMatching(/^too late: the delayed replica .* had already applied the drop of public\.orders \(it replayed up to .*; the drop committed between .*\)/) });
    await world.store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'the rescue came too late' });
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(scorecard.recovery.runbookOk).toBe(false);
    expect(await world.replayPaused()).toBe('not paused');
    // The drill's own undo puts the table back, as it was.
    expect((await world.staging.query<{ count: string }>('select count(*) from public.orders')).rows[0]!.count).toBe('300');
    expect(await world.leftovers()).toEqual([]);
  });

});

describe('the undo a rescue records first', () => {
  it('resumes replay after a crash left the standby paused', async () => {
    await world.replica.query('select pg_wal_replay_pause()');
    const undoer = await world.runtimes.undoerFor('staging', world.environment, { runId: 'crashed', drillId: 'drop-orders-test', processes: recordingProcessJournal() });
    try {
      const action = { action: 'resume-delayed-replica', description: 'resume replay', params: {} };
      expect(await undoer.undo(action)).toMatch(/^replay resumed on /);
      expect(await world.replayPaused()).toBe('not paused');
      expect(await undoer.undo(action)).toMatch(/is not paused; nothing to resume$/);
    } finally {
      await undoer.close();
    }
  });
});

function startWriter(everyMs: number): { stop(): Promise<void> } {
  const timer = setInterval(() => {
    world.staging.query("insert into public.orders (customer) values ('writer')").catch(() => undefined);
  }, everyMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    },
  };
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

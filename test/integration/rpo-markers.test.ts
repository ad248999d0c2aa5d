import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCanaryTableSql, removeCanaryRows } from '../../adapters/postgres/canary-table.js';
import { canaryMarker, columnMarker, queryMarker } from '../../adapters/postgres/rpo-markers.js';
import type { RpoMarker } from '../../src/engine/ports.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

const INTERVAL_MS = 100;

let postgres: TestPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  postgres = await startTestPostgres();
  pool = new pg.Pool({ connectionString: postgres.url(), max: 6 });
  pool.on('error', () => undefined);
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

/** Every row of a canary table, oldest first, as the driver reads them (millisecond Dates). */
async function canaryRows(table: string, runId?: string): Promise<Date[]> {
  const result = await pool.query<{ written_at: Date }>(
    `select written_at from ${table} ${runId ? 'where run_id = $1' : ''} order by written_at`,
    runId ? [runId] : [],
  );
  return result.rows.map((row) => row.written_at);
}

async function tableExists(table: string): Promise<boolean> {
  const result = await pool.query<{ present: boolean }>('select to_regclass($1) is not null as present', [table]);
  return result.rows[0]!.present;
}

describe('canary marker', () => {
  const started: RpoMarker[] = [];
  const startCanary = async (table: string, runId: string) => {
    const marker = canaryMarker(pool, table, INTERVAL_MS, runId);
    started.push(marker);
    await marker.start();
    return marker;
  };
  afterEach(async () => {
    for (const marker of started.splice(0)) await marker.stop();
  });

  it('creates its table and writes a row about every interval until stopped', async () => {
    expect(await tableExists('public.canary_rate')).toBe(false);
    const before = Date.now();
    const marker = await startCanary('public.canary_rate', 'run-rate');
    expect(await tableExists('public.canary_rate')).toBe(true);
    // start() writes the first row itself: a drill injecting right after has a baseline.
    expect(await canaryRows('public.canary_rate', 'run-rate')).toHaveLength(1);

    // Waits for the writes rather than for a time: a loaded machine only makes them later.
    let rows = await canaryRows('public.canary_rate', 'run-rate');
    while (rows.length < 6) {
      await sleep(INTERVAL_MS / 2);
      rows = await canaryRows('public.canary_rate', 'run-rate');
    }
    const elapsed = Date.now() - before;
    await marker.stop();
    // Nothing of firedrill's stays: with no other run writing to it, the table goes too.
    expect(await tableExists('public.canary_rate')).toBe(false);
    // Never faster than one row an interval (one write at a time, none bunched).
    expect(rows.length).toBeLessThanOrEqual(2 + Math.floor(elapsed / INTERVAL_MS));
    const gaps = rows.slice(1).map((row, i) => row.getTime() - rows[i]!.getTime());
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL_MS * 0.5);
  });

  it('reads a newest value within one interval of now while it runs', async () => {
    const marker = await startCanary('public.canary_fresh', 'run-fresh');
    await sleep(INTERVAL_MS * 2);
    for (let sample = 0; sample < 8; sample++) {
      const before = Date.now();
      const newest = await marker.newest();
      const after = Date.now();
      expect(newest).toBeInstanceOf(Date);
      // Same machine, same clock: never later than the read itself (a row may land during it).
      expect(newest!.getTime()).toBeLessThanOrEqual(after + 1);
      // Still writing: the newest row is recent (timers fire late on a loaded machine, hence the slack).
      expect(before - newest!.getTime()).toBeLessThanOrEqual(INTERVAL_MS * 4);
      await sleep(INTERVAL_MS * 0.37);
    }
  });

  it('never reads a value after atMost, and reads back a value it returned', async () => {
    const marker = await startCanary('public.canary_at_most', 'run-at-most');
    await sleep(INTERVAL_MS * 6);
    // Writes wait on this lock (and the marker skips its turns meanwhile); reads do not.
    const holder = await pool.connect();
    await holder.query('begin');
    await holder.query('lock table public.canary_at_most in share mode');
    try {
      await expectNewestNeverAfterAtMost(marker, await canaryRows('public.canary_at_most'));
    } finally {
      await holder.query('commit');
      holder.release();
    }
  });

  async function expectNewestNeverAfterAtMost(marker: RpoMarker, rows: Date[]): Promise<void> {
    expect(rows.length).toBeGreaterThanOrEqual(4);

    const first = rows[0]!.getTime();
    const last = rows.at(-1)!.getTime();
    const probes = [
      first - 1,
      ...rows.map((row) => row.getTime()),
      ...rows.slice(1).map((row, i) => Math.floor((row.getTime() + rows[i]!.getTime()) / 2)),
      last + 1,
      last + 60_000,
    ];
    for (const atMost of probes) {
      const expected = rows.filter((row) => row.getTime() <= atMost).at(-1) ?? null;
      const newest = await marker.newest(new Date(atMost));
      expect(newest?.getTime() ?? null, `atMost ${new Date(atMost).toISOString()}`).toBe(expected?.getTime() ?? null);
      if (newest) expect(newest.getTime()).toBeLessThanOrEqual(atMost);
    }
    // What the engine does: the baseline read before injection, looked up again after recovery.
    // Nothing was lost, so it must find the very same row, not the one before it.
    const baseline = await marker.newest();
    expect(baseline?.getTime()).toBe(last);
    expect((await marker.newest(new Date(baseline!.toISOString())))?.getTime()).toBe(last);
  }

  it('writes nothing once stop() has resolved, even a write that was in flight', async () => {
    // Another run's recent row keeps the shared table, so a late write would show.
    await pool.query(createCanaryTableSql('public.canary_stop'));
    await pool.query("insert into public.canary_stop (run_id) values ('another-run')");
    const marker = await startCanary('public.canary_stop', 'run-stop');
    await sleep(INTERVAL_MS * 2);
    // Hold the inserts (not the reads) so that a write is in flight when stop() is called,
    // and let it through only later: a stop() that does not wait for it resolves first.
    const blocker = await pool.connect();
    let atStop: number;
    try {
      await blocker.query('begin');
      await blocker.query('lock table public.canary_stop in share mode');
      await sleep(INTERVAL_MS * 2.5);
      const released = sleep(INTERVAL_MS * 1.5).then(() => blocker.query('commit'));
      await marker.stop();
      atStop = (await canaryRows('public.canary_stop', 'run-stop')).length;
      await released;
    } finally {
      blocker.release();
    }
    await sleep(INTERVAL_MS * 4);
    expect(atStop).toBe(0);
    expect(await canaryRows('public.canary_stop', 'run-stop')).toEqual([]);
    expect(await canaryRows('public.canary_stop', 'another-run')).toHaveLength(1);
    await pool.query('drop table public.canary_stop');
  });

  it('reads rows at millisecond resolution: no later than atMost, and the baseline again', async () => {
    // Reading needs no writer: the rows are the test's own.
    const marker = canaryMarker(pool, 'public.canary_exact', INTERVAL_MS, 'run-exact');
    await pool.query(createCanaryTableSql('public.canary_exact'));
    await pool.query(`insert into public.canary_exact (written_at, run_id) values
      ('2024-05-01 10:00:01.000+00', 'run-exact'),
      ('2024-05-01 10:00:02.500+00', 'run-exact'),
      ('2024-05-01 10:00:03.250750+00', 'run-exact')`);
    const at = (iso: string) => new Date(iso);
    expect(await marker.newest()).toEqual(at('2024-05-01T10:00:03.250Z'));
    expect(await marker.newest(at('2024-05-01T10:00:03.250Z'))).toEqual(at('2024-05-01T10:00:03.250Z'));
    expect(await marker.newest(at('2024-05-01T10:00:03.249Z'))).toEqual(at('2024-05-01T10:00:02.500Z'));
    expect(await marker.newest(at('2024-05-01T10:00:02.500Z'))).toEqual(at('2024-05-01T10:00:02.500Z'));
    expect(await marker.newest(at('2024-05-01T10:00:02.499Z'))).toEqual(at('2024-05-01T10:00:01.000Z'));
    expect(await marker.newest(at('2024-05-01T10:00:00.999Z'))).toBeNull();
  });

  it('keeps going while its table is missing and writes again once it is back', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    try {
      const marker = await startCanary('public.canary_missing', 'run-missing');
      await pool.query('drop table public.canary_missing');
      await sleep(INTERVAL_MS * 4);
      await expect(marker.newest()).rejects.toThrow(/canary_missing/);

      const recreating = Date.now();
      await pool.query(`create table public.canary_missing (
        written_at timestamptz primary key default clock_timestamp(), run_id text not null)`);
      // Waits for the writes rather than for a time: a loaded machine only makes them later.
      let rows = await canaryRows('public.canary_missing', 'run-missing');
      while (rows.length < 3) {
        await sleep(INTERVAL_MS / 2);
        rows = await canaryRows('public.canary_missing', 'run-missing');
      }
      expect(rows[0]!.getTime()).toBeGreaterThanOrEqual(recreating);
      // It reads again, and no older row than the newest one written so far.
      const newest = await marker.newest();
      expect(newest!.getTime()).toBeGreaterThanOrEqual(rows.at(-1)!.getTime());
      // Let any failed write of the gap settle before checking nothing escaped.
      await sleep(10);
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  it('shares its table with another run: the last one to stop removes it', async () => {
    const first = await startCanary('public.canary_shared', 'run-one');
    const second = await startCanary('public.canary_shared', 'run-two');
    await sleep(INTERVAL_MS * 2);
    await first.stop();
    expect(await canaryRows('public.canary_shared', 'run-one')).toEqual([]);
    expect((await canaryRows('public.canary_shared', 'run-two')).length).toBeGreaterThan(0);
    await second.stop();
    expect(await tableExists('public.canary_shared')).toBe(false);
  });

  it('also removes the rows of runs that stopped writing long ago (a crash, or an older firedrill)', async () => {
    await pool.query(createCanaryTableSql('public.canary_stale'));
    await pool.query("insert into public.canary_stale values (now() - interval '2 hours', 'dead-run')");
    const marker = await startCanary('public.canary_stale', 'run-fresh');
    await marker.stop();
    expect(await tableExists('public.canary_stale')).toBe(false);
  });

  it('leaves alone a table that is not a canary, even when a drill names it', async () => {
    await pool.query('create table public.not_a_canary (id int, run_id text)');
    const client = await pool.connect();
    try {
      expect(await removeCanaryRows(client, 'public.not_a_canary', 'run-x')).toBe(
        'public.not_a_canary is not a firedrill canary table (its columns are id integer, run_id text); left alone',
      );
      expect(await removeCanaryRows(client, 'public.no_such_canary', 'run-x')).toBe('canary table public.no_such_canary already removed');
    } finally {
      client.release();
    }
    expect(await tableExists('public.not_a_canary')).toBe(true);
  });
});

describe('column marker', () => {
  beforeAll(async () => {
    await pool.query(`
      create schema shop;
      create table shop.orders (id int primary key, created_at timestamptz);
      insert into shop.orders values
        (1, '2024-05-01 10:00:01.000+00'),
        (2, '2024-05-01 10:00:02.500+00'),
        (3, '2024-05-01 10:00:03.250750+00'),
        (4, null);
      create table shop.empty (created_at timestamptz);`);
  });

  const at = (iso: string) => new Date(iso);

  it('reads the newest value of the column', async () => {
    const marker = columnMarker(pool, 'shop.orders', 'created_at');
    expect(marker.description).toBe('newest "shop"."orders"."created_at"');
    await marker.start();
    expect(await marker.newest()).toEqual(at('2024-05-01T10:00:03.250Z'));
    await marker.stop();
  });

  it('reads the newest value no later than atMost', async () => {
    const marker = columnMarker(pool, 'shop.orders', 'created_at');
    expect(await marker.newest(at('2024-05-01T10:00:02.600Z'))).toEqual(at('2024-05-01T10:00:02.500Z'));
    expect(await marker.newest(at('2024-05-01T10:00:02.500Z'))).toEqual(at('2024-05-01T10:00:02.500Z'));
    expect(await marker.newest(at('2024-05-01T10:00:02.499Z'))).toEqual(at('2024-05-01T10:00:01.000Z'));
    expect(await marker.newest(at('2024-05-01T10:00:00.999Z'))).toBeNull();
  });

  it('finds a sub-millisecond value again at the millisecond it was read as', async () => {
    const marker = columnMarker(pool, 'shop.orders', 'created_at');
    const newest = await marker.newest();
    expect(await marker.newest(newest!)).toEqual(newest);
  });

  it('reads null from an empty table', async () => {
    const marker = columnMarker(pool, 'shop.empty', 'created_at');
    expect(await marker.newest()).toBeNull();
    expect(await marker.newest(at('2030-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('query marker', () => {
  beforeAll(async () => {
    await pool.query(`
      create table public.events (at timestamptz not null);
      insert into public.events values ('2024-06-01 12:00:00+00'), ('2024-06-01 12:00:05+00');`);
  });

  it('binds nothing when the query does not use $1', async () => {
    // Binding a value the statement does not take is an error in PostgreSQL.
    const marker = queryMarker(pool, 'select max(at) from public.events');
    expect(marker.description).toBe('select max(at) from public.events');
    expect(await marker.newest()).toEqual(new Date('2024-06-01T12:00:05Z'));
    expect(await marker.newest(new Date('2024-06-01T12:00:01Z'))).toEqual(new Date('2024-06-01T12:00:05Z'));
  });

  it('binds $1 to atMost when the query uses it', async () => {
    const marker = queryMarker(pool, 'select max(at) from public.events where at <= $1');
    expect(await marker.newest(new Date('2024-06-01T12:00:01Z'))).toEqual(new Date('2024-06-01T12:00:00Z'));
    expect(await marker.newest(new Date('2024-06-01T11:00:00Z'))).toBeNull();
    const echo = queryMarker(pool, 'select $1::timestamptz');
    expect(await echo.newest(new Date('2024-06-01T12:34:56.789Z'))).toEqual(new Date('2024-06-01T12:34:56.789Z'));
  });

  it('binds $1 to no limit at all without atMost', async () => {
    const marker = queryMarker(pool, 'select max(at) from public.events where at <= $1');
    expect(await marker.newest()).toEqual(new Date('2024-06-01T12:00:05Z'));
  });

  it('does not take $10 for $1', async () => {
    const marker = queryMarker(pool, "select max(at) from public.events where '$10' <> ''");
    expect(await marker.newest(new Date('2024-06-01T12:00:01Z'))).toEqual(new Date('2024-06-01T12:00:05Z'));
  });

  it('says clearly when the query does not return a timestamp', async () => {
    for (const [query, shown] of [
      ['select 42', '42'],
      ['select 1.5::numeric', '1.5'],
      ["select 'soon'", 'soon'],
      ['select true', 'true'],
      ["select 'infinity'::timestamptz", 'Infinity'],
    ] as const) {
      const marker = queryMarker(pool, query);
      const failure = marker.newest().then(
        () => undefined,
        (error: unknown) => error,
      );
      const error = await failure;
      expect(error, query).toBeInstanceOf(Error);
      expect((error as Error).message, query).toContain(`returned ${shown}`);
      expect((error as Error).message, query).toMatch(/not a timestamp/);
    }
  });

  it('reads a timestamp given as text', async () => {
    const marker = queryMarker(pool, "select '2024-06-01 12:00:05.5+00'::text");
    expect(await marker.newest()).toEqual(new Date('2024-06-01T12:00:05.500Z'));
  });

  it('reads null when there is no data', async () => {
    const marker = queryMarker(pool, 'select max(at) from public.events where false');
    expect(await marker.newest()).toBeNull();
  });
});

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MIGRATION_LOCK } from '../../adapters/postgres/migrations.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let pool: pg.Pool;
let other: pg.Client;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('migrations');
  pool = new pg.Pool({ connectionString: postgres.url('migrations'), max: 2 });
  other = new pg.Client({ connectionString: postgres.url('migrations') });
  // A connection the server terminates as it stops at the end is expected, not an error of the test.
  pool.on('error', () => undefined);
  other.on('error', () => undefined);
  await other.connect();
});

afterAll(async () => {
  await other?.end();
  await pool?.end();
  await postgres?.stop();
});

const tables = async () =>
  (await pool.query<{ name: string }>("select tablename as name from pg_tables where tablename like 'firedrill_%' order by 1")).rows.map((row) => row.name);

describe('the store migrations', () => {
  it('create the tables once; an up-to-date store is left alone without waiting for the migration lock', async () => {
    await migrate(pool);
    expect(await tables()).toEqual(['firedrill_chat_deliveries', 'firedrill_incidents', 'firedrill_migrations', 'firedrill_run_events', 'firedrill_run_tallies', 'firedrill_runs', 'firedrill_schedule_occurrences']);
    // Another process migrating holds the lock: a start that has nothing to do need not wait for it.
    await other.query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(pool);
    } finally {
      await other.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  });

  it('apply a migration a store lacks', async () => {
    await pool.query('drop table firedrill_chat_deliveries');
    await pool.query('delete from firedrill_migrations where version = 3');
    await migrate(pool);
    expect(await tables()).toContain('firedrill_chat_deliveries');
    expect((await pool.query('select version from firedrill_migrations order by 1')).rows).toEqual([1, 2, 3, 4, 5].map((version) => ({ version })));
  });
});

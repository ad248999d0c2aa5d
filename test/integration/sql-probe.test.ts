import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { queryMarker } from '../../adapters/postgres/rpo-markers.js';
import { sqlProbe } from '../../adapters/postgres/sql-probe.js';
import { startTestPostgres, type TestPostgres } from '../support/servers.js';

let postgres: TestPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  postgres = await startTestPostgres();
  await postgres.createDatabase('staging');
  pool = new pg.Pool({ connectionString: postgres.url('staging'), max: 2 });
  await pool.query('create table customers (id int primary key); insert into customers values (1), (2)');
});

afterAll(async () => {
  await pool?.end();
  await postgres?.stop();
});

const customers = async () => (await pool.query<{ n: string }>('select count(*) as n from customers')).rows[0]?.n;

describe('an SQL probe', () => {
  it('is green for a query whose first value is true', async () => {
    expect(await sqlProbe(pool, 'up', 'select count(*) > 0 from customers', 5_000).check()).toEqual({ ok: true, detail: 'returned true' });
  });

  it('cannot carry a second statement: the whole probe fails and nothing is dropped', async () => {
    const result = await sqlProbe(pool, 'sneaky', 'select true; drop table if exists public.customers cascade', 5_000).check();
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/cannot insert multiple commands into a prepared statement/);
    expect(await customers()).toBe('2');
  });

  it('cannot write, even through a data-modifying CTE', async () => {
    const insert = await sqlProbe(pool, 'writer', 'insert into customers values (3) returning true', 5_000).check();
    expect(insert).toEqual({ ok: false, detail: 'cannot execute INSERT in a read-only transaction' });
    const cte = await sqlProbe(pool, 'cte', 'with gone as (delete from customers returning 1) select true', 5_000).check();
    expect(cte.ok).toBe(false);
    expect(await customers()).toBe('2');
  });

  it('is cut at its timeout, and leaves its connection usable', async () => {
    const slow = await sqlProbe(pool, 'slow', 'select pg_sleep(5) is not null', 200).check();
    expect(slow).toEqual({ ok: false, detail: 'canceling statement due to statement timeout' });
    expect((await sqlProbe(pool, 'up', 'select true', 5_000).check()).ok).toBe(true);
  });
});

describe('an RPO query', () => {
  it('runs read-only too: a query that writes fails and changes nothing', async () => {
    const marker = queryMarker(pool, 'with gone as (delete from customers returning 1) select now()');
    await expect(marker.newest()).rejects.toThrow(/read-only transaction/);
    expect(await customers()).toBe('2');
  });
});

describe('validate', () => {
  const drillWithProbe = (query: string) =>
    Drill.safeParse({
      id: 'x', title: 'x', kind: 'command', target: { inject: 'true', undo: 'true' }, severity: 'low', objectives: { rto: '1m' },
      steadyState: { probes: [{ type: 'sql', query }] }, recovery: { mode: 'manual' }, maxDuration: '1m',
    });

  it('rejects a probe with more than one statement, and accepts semicolons inside quotes and comments', () => {
    const refused = drillWithProbe('select true; drop table if exists public.customers cascade');
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/^one SQL statement only/);
    expect(drillWithProbe("select ';' = ';' -- one; statement\n;").success).toBe(true);
    expect(drillWithProbe('select $$a;b$$ is not null').success).toBe(true);
  });
});

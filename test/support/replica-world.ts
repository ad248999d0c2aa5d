import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Environment } from '../../src/config/config-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock, type Clock } from '../../src/engine/clock.js';
import type { RunStore, RuntimeFactory } from '../../src/engine/ports.js';
import { startDelayedStandby, type DelayedStandby } from '../../adapters/postgres/delayed-standby.js';
import { startEmbeddedServer, type EmbeddedServer } from '../../adapters/postgres/embedded-server.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';

/**
 * A primary with a `staging` database (and the run store), and a hot standby of it that
 * applies changes `delayMs` late: the setting of the delayed-replica rescue.
 */
export interface ReplicaWorld {
  primary: EmbeddedServer;
  standby: DelayedStandby;
  delayMs: number;
  store: RunStore;
  /** On the primary. */
  staging: pg.Pool;
  /** On the standby (read only). */
  replica: pg.Pool;
  environment: Environment;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  runtimes: RuntimeFactory;
  /** public.orders on the primary with `rows` orders, once the standby has it too. */
  createOrders(rows: number): Promise<void>;
  /** Resolves once `check` (a query returning one boolean) is true on the standby; throws after `timeoutMs`. */
  untilReplica(check: string, timeoutMs?: number): Promise<void>;
  /** Whatever of firedrill's is on the primary's staging database. */
  leftovers(): Promise<string[]>;
  replayPaused(): Promise<string>;
  stop(): Promise<void>;
}

export async function startReplicaWorld(delayMs: number): Promise<ReplicaWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-replica-'));
  const stops: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch(() => undefined);
  };
  try {
    const primary = await startEmbeddedServer({ dataDir: join(dir, 'primary'), durable: false });
    stops.push(() => primary.stop());
    await primary.createDatabase('firedrill');
    await primary.createDatabase('staging');
    const standby = await startDelayedStandby({ primary, dataDir: join(dir, 'standby'), delayMs });
    stops.push(() => standby.stop());
    const store = await openPostgresRunStore(primary.url('firedrill'));
    stops.push(() => store.close());
    const staging = new pg.Pool({ connectionString: primary.url('staging'), max: 4 });
    staging.on('error', () => undefined);
    stops.push(() => staging.end());
    const replica = new pg.Pool({ connectionString: standby.url('staging'), max: 2 });
    replica.on('error', () => undefined);
    stops.push(() => replica.end());
    const env = { TEST_STAGING_URL: primary.url('staging'), TEST_REPLICA_URL: standby.url('staging') };
    const environment: Environment = {
      protected: false,
      allowProductionLookingNames: false,
      postgres: {
        url: { env: 'TEST_STAGING_URL' },
        allowedTables: ['public.orders'],
        delayedReplica: { url: { env: 'TEST_REPLICA_URL' }, delay: delayMs },
      },
      buckets: {},
    };
    const untilReplica = async (check: string, timeoutMs = delayMs * 5 + 10_000) => {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        // A table the check reads may not exist at this point of the standby's replay: not yet.
        const result = await replica.query<{ ok: boolean }>(`select (${check}) as ok`).catch((error: { code?: string }) => {
          if (error.code === '42P01') return { rows: [{ ok: false }] };
          throw error;
        });
        if (result.rows[0]?.ok) return;
        await new Promise((done) => setTimeout(done, 50));
      }
      throw new Error(`the standby did not reach "${check}" within ${timeoutMs} ms`);
    };
    return {
      primary,
      standby,
      delayMs,
      store,
      staging,
      replica,
      environment,
      env,
      clock: systemClock(),
      runtimes: runtimeFactory({ configDir: process.cwd(), env }),
      async createOrders(rows) {
        await staging.query('drop table if exists public.orders');
        await staging.query(`
          create table public.orders (
            id bigint generated always as identity primary key,
            customer text not null,
            created_at timestamptz not null default clock_timestamp())`);
        await staging.query(
          `insert into public.orders (customer, created_at)
           select 'c' || n, clock_timestamp() - make_interval(secs => $1 - n) from generate_series(1, $1) n`,
          [rows],
        );
        const lsn = await staging.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
        await untilReplica(`pg_last_wal_replay_lsn() >= '${lsn.rows[0]!.lsn}'::pg_lsn`);
      },
      untilReplica,
      async leftovers() {
        const result = await staging.query<{ name: string }>(
          `select 'schema ' || nspname as name from pg_namespace where nspname like 'firedrill%'
           union all
           select 'table ' || n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where c.relname like 'firedrill%' and c.relkind = 'r'
           order by 1`,
        );
        return result.rows.map((row) => row.name);
      },
      async replayPaused() {
        const result = await replica.query<{ state: string }>('select pg_get_wal_replay_pause_state() as state');
        return result.rows[0]!.state;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

import pg from 'pg';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock, type Clock } from '../../src/engine/clock.js';
import type { RunEvent } from '../../src/engine/events.js';
import type { RunStore, RuntimeFactory } from '../../src/engine/ports.js';
import { openPostgresRunStore } from '../../adapters/postgres/run-store.js';
import { backupTable, type TableBackup } from '../../adapters/postgres/table-backup.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { startTestPostgres, startTestS3, type TestPostgres, type TestS3 } from './servers.js';

/**
 * A staging world for drill tests: one real PostgreSQL holding the run store and a staging
 * database with an `orders` table, and a real S3 server with a `backups` bucket.
 */
export interface DrillWorld {
  postgres: TestPostgres;
  s3: TestS3;
  store: RunStore;
  storeUrl: string;
  stagingUrl: string;
  staging: pg.Pool;
  backups: ObjectStore;
  environment: Environment;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  runtimes: RuntimeFactory;
  createOrders(rows: number): Promise<void>;
  /** Inserts an order every `everyMs` until stopped (failures while the table is gone are expected). */
  startWriter(everyMs: number): { stop(): Promise<void> };
  backupOrders(): Promise<TableBackup>;
  orderCount(): Promise<number | null>;
  /** Tables firedrill hid or copied (in its firedrill_safety* schemas), as schema.table. */
  safetyCopies(): Promise<string[]>;
  /** Whatever of firedrill's is in the staging database: its schemas and canary tables. Empty once a run is over. */
  leftovers(): Promise<string[]>;
  /** A config file's `<name>:` environment entry (2-space indent) for this world's database and bucket. */
  environmentYaml(name: string): string;
  /** The id of the active staging run once it has injected (runs started by another process). */
  injectedRun(): Promise<string>;
  stop(): Promise<void>;
}

export async function startDrillWorld(): Promise<DrillWorld> {
  const postgres = await startTestPostgres();
  const s3 = await startTestS3(['backups']);
  await postgres.createDatabase('firedrill');
  await postgres.createDatabase('staging');
  const storeUrl = postgres.url('firedrill');
  const stagingUrl = postgres.url('staging');
  const store = await openPostgresRunStore(storeUrl);
  const staging = new pg.Pool({ connectionString: stagingUrl, max: 4 });
  staging.on('error', () => undefined);
  const env = {
    TEST_STAGING_URL: stagingUrl,
    TEST_S3_KEY: s3.accessKeyId,
    TEST_S3_SECRET: s3.secretAccessKey,
  };
  const environment: Environment = {
    protected: false,
    allowProductionLookingNames: false,
    postgres: { url: { env: 'TEST_STAGING_URL' }, allowedTables: ['public.orders'] },
    buckets: {
      backups: {
        bucket: 'backups',
        prefix: '',
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyIdEnv: 'TEST_S3_KEY',
        secretAccessKeyEnv: 'TEST_S3_SECRET',
      },
    },
  };
  const backups = s3.store('backups');

  return {
    postgres,
    s3,
    store,
    storeUrl,
    stagingUrl,
    staging,
    backups,
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
    },
    startWriter(everyMs) {
      const timer = setInterval(() => {
        staging.query("insert into public.orders (customer) values ('writer')").catch(() => undefined);
      }, everyMs);
      return {
        stop: async () => {
          clearInterval(timer);
          await new Promise((resolve) => setTimeout(resolve, everyMs));
        },
      };
    },
    async backupOrders() {
      const client = await staging.connect();
      try {
        return await backupTable({ client, table: 'public.orders', store: backups });
      } finally {
        client.release();
      }
    },
    async orderCount() {
      const exists = await staging.query<{ present: boolean }>("select to_regclass('public.orders') is not null as present");
      if (!exists.rows[0]?.present) return null;
      const result = await staging.query<{ count: string }>('select count(*) from public.orders');
      return Number(result.rows[0]!.count);
    },
    async safetyCopies() {
      const result = await staging.query<{ name: string }>(
        `select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname like 'firedrill\\_safety%' and c.relkind = 'r' order by 1`,
      );
      return result.rows.map((row) => row.name);
    },
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
    environmentYaml(name) {
      return [
        `  ${name}:`,
        '    postgres:',
        '      url: { env: TEST_STAGING_URL }',
        '      allowedTables: [public.orders]',
        '    buckets:',
        `      backups: { bucket: backups, endpoint: "${s3.endpoint}", forcePathStyle: true, accessKeyIdEnv: TEST_S3_KEY, secretAccessKeyEnv: TEST_S3_SECRET }`,
        '',
      ].join('\n');
    },
    async injectedRun() {
      for (let attempt = 0; attempt < 300; attempt++) {
        for (const run of await store.active('staging')) {
          if ((await store.events(run.id)).some((event) => event.type === 'injected')) return run.id;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error('no staging run injected within 30 s');
    },
    async stop() {
      await staging.end();
      await store.close();
      await s3.stop();
      await postgres.stop();
    },
  };
}

/** A drop-table drill on public.orders with timings short enough for tests. */
export function ordersDrill(overrides: Record<string, unknown> = {}): Drill {
  return Drill.parse({
    id: 'drop-orders-test',
    title: 'orders dropped (test)',
    kind: 'drop-table',
    severity: 'high',
    target: { table: 'public.orders' },
    objectives: { ttd: '30s', rto: '1m', rpo: '1m' },
    steadyState: {
      probes: [{ type: 'sql', name: 'orders readable', query: 'select count(*) > 0 from public.orders' }],
      interval: '100ms',
      stableFor: '500ms',
    },
    detection: { alerts: [{ source: 'alertmanager', match: ['alertname=OrdersTableMissing'] }] },
    recovery: { mode: 'manual' },
    rpo: { marker: 'column', table: 'public.orders', column: 'created_at' },
    verify: [{ type: 'sql', name: 'orders present', query: 'select count(*) > 0 from public.orders' }],
    maxDuration: '1m',
    ...overrides,
  });
}

/** Resolves with the first event of `type` the run journals (pass to `onEvent`). */
export function eventWaiter(): { onEvent: (event: RunEvent, runId: string) => void; next: (type: RunEvent['type']) => Promise<{ event: RunEvent; runId: string }> } {
  const seen: { event: RunEvent; runId: string }[] = [];
  const waiting: { type: string; resolve: (value: { event: RunEvent; runId: string }) => void }[] = [];
  return {
    onEvent(event, runId) {
      seen.push({ event, runId });
      for (const waiter of waiting.filter((w) => w.type === event.type)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve({ event, runId });
      }
    },
    next(type) {
      const found = seen.find((entry) => entry.event.type === type);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiting.push({ type, resolve }));
    },
  };
}

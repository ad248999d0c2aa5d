/**
 * How fast firedrill backs up and restores a large table, and how much memory it takes, side
 * by side on one PostgreSQL server, as ratios to baselines measured in the same run:
 *
 *   npm run build && npm run bench:restore              # 1.5 M rows, 3 rounds
 *   npm run bench:restore -- --rows 200000 --runs 5
 *   (or from source: npx tsx test/bench/restore-bench.ts)
 *
 * - restore: `firedrill restore` (restoreEnvironmentTable, as the CLI and, through the same
 *   restoreTableBackup, the drill's runbook run it) from a local S3 server, against a raw
 *   `COPY FROM` of the backup's own CSV from a local file into a bare table followed by
 *   `ADD PRIMARY KEY` and `CREATE INDEX` of the same indexes (target ≤ 1.15×);
 * - backup: `firedrill backup` (backupEnvironmentTable) to that S3 server, against a raw
 *   `COPY TO` a local file (target ≤ 1.3×);
 * - firedrill's peak RSS above idle during each (target ≤ 128 MiB): the backup and the
 *   restore run in a process of their own (table-backup-worker.ts), which resets its peak
 *   after start-up and reads it when done; the S3 server runs in this process, as S3 would
 *   run elsewhere;
 * - for reference: the bare `COPY FROM`, the drill's undo (the hidden table moved back) and
 *   its injection.
 *
 * Each round runs every variant once; the figures are medians. PostgreSQL and the S3 server
 * run on this machine; everything lives in temporary directories removed at the end.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { dropTableFault } from '../../adapters/postgres/drop-table-fault.js';
import { undoDropTable, type RestoreTableParams } from '../../adapters/postgres/restore-table-undo.js';
import { listTableBackups } from '../../adapters/postgres/table-backup.js';
import type { Environment } from '../../src/config/config-schema.js';
import { connectToEnvironmentDatabase } from '../../src/compose/postgres-environment.js';
import { startTestPostgres, startTestS3 } from '../support/servers.js';
import type { WorkerResult } from './table-backup-worker.js';

const USAGE = 'usage: restore-bench [--rows N] [--runs N]   (defaults: 1500000 rows, 3 runs)';
const TABLE = 'bench.orders';
const COLUMNS = 'id bigint, customer text, email text, amount numeric(12,2), created_at timestamptz, note text';

const SCHEMA = `
  create schema bench;
  create schema bench_source;
  create table bench.orders (
    id bigint generated always as identity primary key,
    customer text not null,
    email text,
    amount numeric(12, 2) not null,
    created_at timestamptz not null,
    note text);
  create index orders_lower_customer_idx on bench.orders (lower(customer));
  create index orders_created_at_idx on bench.orders (created_at);`;

/** The indexes of bench.orders, for the baseline that builds them after a raw COPY. */
const INDEXES = [
  'alter table bench.baseline add primary key (id)',
  'create index on bench.baseline (lower(customer))',
  'create index on bench.baseline (created_at)',
];

interface Figures {
  copyTo: number;
  backup: WorkerResult;
  upload: number;
  bareCopy: number;
  copyAndIndexes: number;
  restore: WorkerResult;
  undo: number;
  inject: number;
}

async function main(): Promise<void> {
  const { rows, runs } = parseOptions(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-restore-bench-'));
  const csv = join(dir, 'data.csv');
  const [postgres, s3] = await Promise.all([startTestPostgres(), startTestS3(['backups'])]);
  const pool = new pg.Pool({ connectionString: postgres.url(), max: 2 });
  try {
    await pool.query(SCHEMA);
    await pool.query(
      `insert into bench.orders (customer, email, amount, created_at, note)
       select 'customer ' || (i % 50000), 'customer' || i || '@example.com', (i % 100000) / 7.0,
              timestamptz '2024-01-01 00:00+00' + i * interval '1 second',
              case when i % 3 = 0 then null else 'note number ' || i || ', with "quotes"' end
       from generate_series(1, $1) i`,
      [rows],
    );
    await pool.query('vacuum analyze bench.orders');
    const env = { BENCH_URL: postgres.url(), BENCH_S3_KEY: s3.accessKeyId, BENCH_S3_SECRET: s3.secretAccessKey };
    const environment: Environment = {
      protected: false,
      allowProductionLookingNames: false,
      postgres: { url: { env: 'BENCH_URL' }, allowedTables: [TABLE] },
      buckets: {
        backups: {
          bucket: 'backups',
          prefix: '',
          region: 'us-east-1',
          endpoint: s3.endpoint,
          forcePathStyle: true,
          accessKeyIdEnv: 'BENCH_S3_KEY',
          secretAccessKeyEnv: 'BENCH_S3_SECRET',
        },
      },
    };
    const worker = (mode: 'backup' | 'restore' | 'upload') => runWorker({ mode, table: TABLE, environment, env, file: csv });
    const store = s3.store('backups');
    await worker('backup');
    const [first] = await listTableBackups(store, TABLE);
    await pipeline(await store.get(`${first!.key}data.csv`), createWriteStream(csv));
    const version = (await pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
    const size = (await pool.query<{ b: string }>(`select pg_total_relation_size('${TABLE}') as b`)).rows[0]!.b;
    console.log(
      `firedrill restore bench: ${rows.toLocaleString('en')} rows (table and indexes ${mib(Number(size))}, CSV ${mib((await stat(csv)).size)}), ` +
        `PostgreSQL ${version}, ${process.version}, ${runs} round(s), medians`,
    );

    const database = await connectToEnvironmentDatabase('bench', environment, { configDir: dir, env });
    const rounds: Figures[] = [];
    try {
      for (let round = 1; round <= runs; round++) {
        const copyToFile = await timed(() => withClient(pool, (client) => copyToLocalFile(client, join(dir, 'copy-to.csv'))));
        const backup = await worker('backup');
        const upload = await worker('upload');
        const bareCopy = await timed(() => withClient(pool, (client) => loadBaseline(client, csv, [])));
        const copyAndIndexes = await timed(() => withClient(pool, (client) => loadBaseline(client, csv, INDEXES)));
        // The restore never overwrites: the original steps aside (with its indexes and sequence) while it runs.
        await pool.query('alter table bench.orders set schema bench_source');
        const restore = await worker('restore');
        await pool.query('drop table bench.orders');
        await pool.query('alter table bench_source.orders set schema bench');
        const fault = dropTableFault({ pool: database.pool, connect: database.connectForChanges, table: TABLE, allowedTables: [TABLE], runId: `bench-round-${round}`, databaseLabel: 'bench' });
        const undoAction = await fault.undoAction();
        const inject = await timed(() => fault.inject({ undoRecorded: async () => undefined, changed: async () => undefined, signal: new AbortController().signal }));
        const client = await database.connectForChanges();
        const undo = await timed(() => undoDropTable(client, undoAction.params as RestoreTableParams)).finally(() => client.end());
        rounds.push({ copyTo: copyToFile, backup, upload: upload.ms, bareCopy, copyAndIndexes, restore, undo, inject });
        console.log(
          `  round ${round}: COPY TO ${seconds(copyToFile)}, backup ${seconds(backup.ms)} (+${mib(1024 * (backup.peakKiB - backup.idleKiB))}), ` +
            `upload ${seconds(upload.ms)}, COPY FROM ${seconds(bareCopy)}, COPY FROM + indexes ${seconds(copyAndIndexes)}, ` +
            `restore ${seconds(restore.ms)} (+${mib(1024 * (restore.peakKiB - restore.idleKiB))}), undo ${seconds(undo)}, inject ${seconds(inject)}`,
        );
      }
    } finally {
      await database.pool.end();
    }
    printFigures(rounds);
  } finally {
    await pool.end();
    await Promise.all([postgres.stop(), s3.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The worker, from source under tsx when this runs under tsx, else the built one. */
async function runWorker(input: { mode: 'backup' | 'restore' | 'upload'; table: string; environment: Environment; env: Record<string, string>; file: string }): Promise<WorkerResult> {
  const fromSource = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./table-backup-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const args = [...(fromSource ? ['--import', 'tsx'] : []), script, JSON.stringify(input)];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as WorkerResult;
}

/** The backup's baseline: the same rows as CSV into a local file, with a raw COPY TO. */
async function copyToLocalFile(client: pg.PoolClient, file: string): Promise<void> {
  await pipeline(client.query(copyTo(`copy ${TABLE} to stdout (format csv, header true, encoding 'UTF8')`)), createWriteStream(file));
}

/**
 * The restore's baseline: a raw COPY of the local CSV into a bare table in one transaction,
 * with `indexes` built after the rows; dropped again.
 */
async function loadBaseline(client: pg.PoolClient, csv: string, indexes: string[]): Promise<void> {
  await client.query('begin');
  await client.query(`create table bench.baseline (${COLUMNS})`);
  await pipeline(createReadStream(csv), client.query(copyFrom(`copy bench.baseline from stdin (format csv, header true, encoding 'UTF8')`)));
  for (const statement of indexes) await client.query(statement);
  await client.query('commit');
  await client.query('drop table bench.baseline');
}

function printFigures(rounds: Figures[]): void {
  const median = (pick: (figures: Figures) => number) => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  const copyToFile = median((f) => f.copyTo);
  const backup = median((f) => f.backup.ms);
  const upload = median((f) => f.upload);
  const bare = median((f) => f.bareCopy);
  const indexed = median((f) => f.copyAndIndexes);
  const restore = median((f) => f.restore.ms);
  const undo = median((f) => f.undo);
  const inject = median((f) => f.inject);
  const backupRss = median((f) => f.backup.peakKiB - f.backup.idleKiB) * 1024;
  const restoreRss = median((f) => f.restore.peakKiB - f.restore.idleKiB) * 1024;
  const idle = median((f) => f.restore.idleKiB) * 1024;
  const row = (label: string, ms: number, ratio: string) => console.log(`  ${label.padEnd(62)} ${seconds(ms).padStart(9)}  ${ratio}`);
  const times = (ms: number, base: number) => `${(ms / base).toFixed(ms / base < 0.01 ? 4 : 2)}×`;
  console.log('');
  row('raw COPY FROM a local file, + ADD PRIMARY KEY + CREATE INDEX ×2', indexed, '1.00× (restore baseline)');
  row('firedrill restore from S3', restore, `${times(restore, indexed)}  (target ≤ 1.15×)`);
  row('raw COPY TO a local file', copyToFile, '1.00× (backup baseline)');
  row('firedrill backup to S3', backup, `${times(backup, copyToFile)}  (target ≤ 1.3×)`);
  row('  the CSV from a local file to the S3 server alone (reference)', upload, times(upload, copyToFile));
  row('raw COPY FROM a local file into a bare table (reference)', bare, times(bare, indexed));
  row('drop-table undo: the hidden table moved back', undo, times(undo, indexed));
  row('drop-table injection: the table hidden', inject, times(inject, indexed));
  console.log('');
  console.log(`  firedrill peak RSS above idle (${mib(idle)}): backup ${mib(backupRss)}, restore ${mib(restoreRss)}  (target ≤ 128 MiB)`);
}

async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}

function parseOptions(args: string[]): { rows: number; runs: number } {
  const { values } = parseArgs({ args, options: { rows: { type: 'string' }, runs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const whole = (value: string | undefined, name: string, fallback: number) => {
    if (value === undefined) return fallback;
    if (!/^[1-9]\d*$/.test(value)) throw new Error(`--${name} must be a whole number of at least 1, not "${value}"\n${USAGE}`);
    return Number(value);
  };
  return { rows: whole(values.rows, 'rows', 1_500_000), runs: whole(values.runs, 'runs', 3) };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

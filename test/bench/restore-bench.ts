/**
 * How fast the drop-table drill puts a large table back, side by side on one PostgreSQL
 * server, as ratios to baselines measured in the same run:
 *
 *   npx tsx test/bench/restore-bench.ts                 # 1.5 M rows, 3 rounds
 *   npx tsx test/bench/restore-bench.ts --rows 200000 --runs 5
 *   (or: npm run build && node dist/test/bench/restore-bench.js)
 *
 * - baseline: a raw `COPY FROM` of the backup's own CSV, read from a local file, into a bare table;
 * - the same, then `ADD PRIMARY KEY` and `CREATE INDEX` of the same indexes (issue 12's target),
 *   and with the keys and indexes built first (what the restore did before);
 * - firedrill's S3 restore (restoreTableBackup) of that backup, from a local S3 server, and
 *   the same restore reading the local file, which leaves out the S3 server's own work;
 * - the drill's undo (the hidden table moved back), and its injection.
 *
 * Each round runs every variant once, in that order; the figures are medians. PostgreSQL
 * and the S3 server run on this machine; everything lives in temporary directories that
 * are removed at the end.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { dropTableFault } from '../../adapters/postgres/drop-table-fault.js';
import { undoDropTable, type RestoreTableParams } from '../../adapters/postgres/restore-table-undo.js';
import { backupTable, restoreTableBackup } from '../../adapters/postgres/table-backup.js';
import { connectToEnvironmentDatabase } from '../../src/compose/postgres-environment.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { startTestPostgres, startTestS3 } from '../support/servers.js';

const USAGE = 'usage: restore-bench [--rows N] [--runs N]   (defaults: 1500000 rows, 3 runs)';
const TABLE = 'bench.orders';
const COLUMNS = 'id bigint, customer text, email text, amount numeric(12,2), created_at timestamptz, note text';

const SCHEMA = `
  create schema bench;
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
  bareCopy: number;
  copyAndIndexes: number;
  indexesFirst: number;
  restore: number;
  restoreLocal: number;
  undo: number;
  inject: number;
}

async function main(): Promise<void> {
  const { rows, runs } = parseOptions(process.argv.slice(2));
  const dir = await mkdtemp(join(tmpdir(), 'firedrill-restore-bench-'));
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
    const store = s3.store('backups');
    const backup = await withClient(pool, (client) => backupTable({ client, table: TABLE, store }));
    const csv = join(dir, 'data.csv');
    await pipeline(await store.get(`${backup.key}data.csv`), createWriteStream(csv));
    const local = localStore(dir, backup.key, csv, await readText(await store.get(`${backup.key}definition.json`)));
    const version = (await pool.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
    const size = (await pool.query<{ b: string }>(`select pg_total_relation_size('${TABLE}') as b`)).rows[0]!.b;
    console.log(
      `firedrill restore bench: ${rows.toLocaleString('en')} rows (table and indexes ${mib(Number(size))}, CSV ${mib((await stat(csv)).size)}), ` +
        `PostgreSQL ${version}, ${process.version}, ${runs} round(s), medians`,
    );

    const database = await connectToEnvironmentDatabase(
      'bench',
      { protected: false, allowProductionLookingNames: false, postgres: { url: { env: 'BENCH_URL' }, allowedTables: [TABLE] }, buckets: {} },
      { configDir: dir, env: { BENCH_URL: postgres.url() } },
    );
    const rounds: Figures[] = [];
    try {
      for (let round = 1; round <= runs; round++) {
        const bareCopy = await timed(() => withClient(pool, (client) => loadBaseline(client, csv, [])));
        const copyAndIndexes = await timed(() => withClient(pool, (client) => loadBaseline(client, csv, INDEXES)));
        const indexesFirst = await timed(() => withClient(pool, (client) => loadBaseline(client, csv, INDEXES, 'before')));
        const restore = await timed(() => withClient(pool, (client) => restoreTableBackup({ client, store, table: TABLE, backup, into: 'bench.restored' })));
        await pool.query('drop table bench.restored');
        const restoreLocal = await timed(() => withClient(pool, (client) => restoreTableBackup({ client, store: local, table: TABLE, backup, into: 'bench.restored' })));
        await pool.query('drop table bench.restored');
        const fault = dropTableFault({ pool: database.pool, connect: database.connectForChanges, table: TABLE, allowedTables: [TABLE], runId: `bench-round-${round}`, databaseLabel: 'bench' });
        const undoAction = await fault.undoAction();
        const inject = await timed(() => fault.inject({ undoRecorded: async () => undefined, changed: async () => undefined, signal: new AbortController().signal }));
        const client = await database.connectForChanges();
        const undo = await timed(() => undoDropTable(client, undoAction.params as RestoreTableParams)).finally(() => client.end());
        rounds.push({ bareCopy, copyAndIndexes, indexesFirst, restore, restoreLocal, undo, inject });
        console.log(`  round ${round}: ${Object.entries(rounds.at(-1)!).map(([name, ms]) => `${name} ${seconds(ms)}`).join(', ')}`);
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

/**
 * A raw COPY of the local CSV into a bare table in one transaction, with `indexes` built
 * after the rows (or before them, as firedrill's restore did until it learnt better);
 * dropped again.
 */
async function loadBaseline(client: pg.PoolClient, csv: string, indexes: string[], when: 'after' | 'before' = 'after'): Promise<void> {
  await client.query('begin');
  await client.query(`create table bench.baseline (${COLUMNS})`);
  if (when === 'before') for (const statement of indexes) await client.query(statement);
  await pipeline(createReadStream(csv), client.query(copyFrom(`copy bench.baseline from stdin (format csv, header true, encoding 'UTF8')`)));
  if (when === 'after') for (const statement of indexes) await client.query(statement);
  await client.query('commit');
  await client.query('drop table bench.baseline');
}

function printFigures(rounds: Figures[]): void {
  const median = (pick: (figures: Figures) => number) => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  const bare = median((f) => f.bareCopy);
  const indexed = median((f) => f.copyAndIndexes);
  const indexesFirst = median((f) => f.indexesFirst);
  const restore = median((f) => f.restore);
  const restoreLocal = median((f) => f.restoreLocal);
  const undo = median((f) => f.undo);
  const inject = median((f) => f.inject);
  const row = (label: string, ms: number, ratio: string) => console.log(`  ${label.padEnd(60)} ${seconds(ms).padStart(9)}  ${ratio}`);
  const times = (ms: number, base: number) => `${(ms / base).toFixed(ms / base < 0.01 ? 4 : 2)}×`;
  console.log('');
  row('raw COPY FROM a local file into a bare table (baseline)', bare, '1.00×');
  row('raw COPY, then ADD PRIMARY KEY + CREATE INDEX ×2', indexed, times(indexed, bare));
  row('the keys and indexes first, then COPY (the restore before)', indexesFirst, times(indexesFirst, bare));
  row('firedrill S3 restore (restoreTableBackup)', restore, `${times(restore, bare)} of the baseline, ${times(restore, indexed)} of COPY + indexes`);
  row('  the same, reading the local file (no S3 server)', restoreLocal, `${times(restoreLocal, bare)} of the baseline, ${times(restoreLocal, indexed)} of COPY + indexes`);
  row('drop-table undo: the hidden table moved back', undo, times(undo, bare));
  row('drop-table injection: the table hidden', inject, times(inject, bare));
}

/**
 * The backup as a store that reads the local copy of its CSV: the restore's own cost, without
 * the S3 server, which runs in this process and competes with the restore for the CPU.
 */
function localStore(dir: string, key: string, csv: string, manifest: string): ObjectStore {
  return {
    location: `file://${dir}/`,
    put: async () => {
      throw new Error('read-only');
    },
    get: async (wanted) => (wanted === `${key}data.csv` ? createReadStream(csv) : Readable.from([manifest])),
    list: async () => [{ key: `${key}definition.json`, size: manifest.length, lastModified: new Date() }],
    delete: async () => undefined,
  };
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
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

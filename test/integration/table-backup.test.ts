import { buffer } from 'node:stream/consumers';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupTable, listTableBackups, restoreTableBackup, type TableBackup } from '../../adapters/postgres/table-backup.js';
import { captureTableDefinition } from '../../adapters/postgres/capture-table-definition.js';
import type { TableDefinition } from '../../adapters/postgres/table-definition.js';
import { oldDefinitionShape } from '../support/old-manifest.js';
import { createRichTable, RICH_TABLE, RICH_TABLE_ORDER } from '../support/rich-table.js';
import { readTableCatalog, tableDigest } from '../support/table-catalog.js';
import { UserError } from '../../src/errors.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { startTestPostgres, startTestS3, type TestPostgres, type TestS3 } from '../support/servers.js';

const TABLE = 'public.orders';
const ROWS = 20_000;
const DELETED = 10;

const SCHEMA = `
  create table public.orders (
    id bigint generated always as identity primary key,
    legacy_no serial not null,
    customer text not null,
    email text,
    amount numeric(12, 2) not null constraint orders_amount_check check (amount >= 0),
    placed_at timestamptz not null default now(),
    details jsonb,
    note text collate "C",
    parent_id bigint references public.orders (id),
    with_tax numeric generated always as (amount * 1.2) stored,
    constraint orders_customer_email_key unique (customer, email)
  );
  create index orders_placed_noted_idx on public.orders (placed_at desc) where note is not null;
  create index orders_lower_customer_idx on public.orders (lower(customer));
`;

// Commas, quotes, newlines, non-ASCII, empty strings next to nulls: what CSV gets wrong.
const DATA = `
  insert into public.orders (customer, email, amount, placed_at, details, note, parent_id)
  select 'customer ' || i || case when i % 7 = 0 then E', "quoted"\\nnext line ✓' else '' end,
         case when i % 5 = 0 then null else 'c' || i || '@example.com' end,
         (i * 1.37)::numeric(12, 2),
         timestamptz '2024-01-01 00:00:00+00' + i * interval '63.123456 seconds',
         case when i % 3 = 0 then null
              else jsonb_build_object('i', i, 'tags', jsonb_build_array('a', i % 10), 'text', 'é,"x"') end,
         case when i % 4 = 0 then '' when i % 4 = 1 then null else 'note ' || i end,
         case when i > 1 then i - 1 end
  from generate_series(1, ${ROWS}) as i;
  -- A gap at the end: the restored sequence must follow max(id), not the row count.
  delete from public.orders where id > ${ROWS - DELETED};
`;

describe('table backup to S3 and restore', () => {
  let postgres: TestPostgres;
  let s3: TestS3;
  let client: pg.Client;
  let store: ObjectStore;
  let original: TableDefinition;
  let originalDigest: string;

  beforeAll(async () => {
    [postgres, s3] = await Promise.all([startTestPostgres(), startTestS3(['backups'])]);
    client = new pg.Client({ connectionString: postgres.url() });
    // The server stops at the end of the file: a connection it terminates then is expected, not a failure.
    client.on('error', () => undefined);
    await client.connect();
    store = s3.store('backups', 'staging/db');
    await client.query(SCHEMA);
    await client.query(DATA);
    original = await captureTableDefinition(client, TABLE);
    originalDigest = await digest(client, TABLE);
  });

  afterAll(async () => {
    await client?.end();
    await Promise.all([postgres?.stop(), s3?.stop()]);
  });

  it('captures the definition from the catalogs', () => {
    const legacy = original.columns.find((column) => column.name === 'legacy_no');
    expect(legacy).toMatchObject({ serial: true, identity: null, type: 'integer' });
    expect(original.columns.find((column) => column.name === 'id')).toMatchObject({ identity: 'always', notNull: true });
    expect(original.columns.find((column) => column.name === 'with_tax')?.generated?.kind).toBe('stored');
    expect(original.columns.find((column) => column.name === 'note')?.collation).toBe('"C"');
    expect(original.constraints.map((constraint) => [constraint.name, constraint.kind])).toEqual([
      ['orders_pkey', 'primary key'],
      ['orders_customer_email_key', 'unique'],
      ['orders_amount_check', 'check'],
      ['orders_parent_id_fkey', 'foreign key'],
    ]);
    expect(original.indexes.map((index) => index.name)).toEqual(['orders_lower_customer_idx', 'orders_placed_noted_idx']);
    expect(JSON.parse(JSON.stringify(original))).toEqual(original);
  });

  it('backs up, and after a drop restores the same table with the same rows', async () => {
    const before = new Date();
    const backup = await backupTable({ client, table: TABLE, store });
    expect(backup.rows).toBe(ROWS - DELETED);
    expect(backup.table).toBe(TABLE);
    expect(backup.key).toMatch(/^public\.orders\/\d{8}T\d{6}\.\d{3}Z\/$/);
    expect(backup.dataFile).toBe('data.csv.gz');
    expect(gunzipSync(await buffer(await store.get(`${backup.key}data.csv.gz`))).toString('utf8')).toMatch(/^id,legacy_no,customer,/);
    expect(backup.takenAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(backup.takenAt.getTime()).toBeGreaterThan(before.getTime() - 60_000);
    expect(await listTableBackups(store, TABLE)).toEqual([backup]);

    await client.query(`drop table ${TABLE}`);
    const restored = await restoreTableBackup({ client, store, table: TABLE, backup: 'newest' });
    expect(restored).toEqual({ ...backup, notes: [] });

    // The same definition: a serial is still a serial, its sequence where it stood.
    expect(await captureTableDefinition(client, TABLE)).toEqual(original);
    expect(await digest(client, TABLE)).toBe(originalDigest);

    // Values drawn before the backup (the deleted rows had them) are not handed out again.
    const inserted = await client.query<{ id: string; legacy_no: number }>(
      `insert into ${TABLE} (customer, amount) values ('after restore', 1) returning id, legacy_no`,
    );
    expect(inserted.rows[0]).toEqual({ id: String(ROWS + 1), legacy_no: ROWS + 1 });
  });

  it('refuses to restore over a table that exists, and leaves it alone', async () => {
    const count = await rowCount(client, TABLE);
    const error = await restoreTableBackup({ client, store, table: TABLE, backup: 'newest' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('public.orders already exists');
    expect(await rowCount(client, TABLE)).toBe(count);
  });

  it('leaves out rows written after the backup, and can restore under another name', async () => {
    const backup = await backupTable({ client, table: TABLE, store });
    await client.query(`insert into ${TABLE} (customer, amount) values ('written after the backup', 2)`);

    await restoreTableBackup({ client, store, table: TABLE, backup, into: 'public.orders_copy' });
    expect(await rowCount(client, 'public.orders_copy')).toBe(backup.rows);
    const late = await client.query(`select 1 from public.orders_copy where customer = 'written after the backup'`);
    expect(late.rowCount).toBe(0);

    const copy = await captureTableDefinition(client, 'public.orders_copy');
    expect(copy.indexes.map((index) => index.name)).toEqual([
      'orders_copy_lower_customer_idx',
      'orders_copy_placed_noted_idx',
    ]);
    const foreignKey = copy.constraints.find((constraint) => constraint.kind === 'foreign key');
    expect(foreignKey?.definition).toBe('FOREIGN KEY (parent_id) REFERENCES public.orders_copy(id)');
    await client.query('drop table public.orders_copy');
  });

  it('picks the newest complete backup, ignoring one without definition.json', async () => {
    const complete = await listTableBackups(store, TABLE);
    // Newer than every real backup, but its definition.json was never written.
    await store.put('public.orders/29991231T235959.999Z/data.csv', 'id\n1\n');
    const listed = await listTableBackups(store, TABLE);
    expect(listed).toEqual(complete);
    expect(listed.map((backup) => backup.takenAt.getTime())).toEqual(
      [...listed].map((backup) => backup.takenAt.getTime()).sort((a, b) => b - a),
    );

    const used = await restoreTableBackup({ client, store, table: TABLE, backup: 'newest', into: 'public.orders_newest' });
    expect(used).toEqual({ ...complete[0], notes: [] });
    expect(await rowCount(client, 'public.orders_newest')).toBe(complete[0]?.rows);
    await client.query('drop table public.orders_newest');
  });

  it('restores all or nothing: bad data leaves no table behind', async () => {
    const [newest] = await listTableBackups(store, TABLE);
    const manifest = await readText(await store.get(`${newest?.key}definition.json`));
    await store.put('public.orders/20000101T000000.000Z/data.csv.gz', gzipSync('header\nnot,a,valid,row\n'));
    await store.put('public.orders/20000101T000000.000Z/definition.json', manifest);
    const [broken] = (await listTableBackups(store, TABLE)).slice(-1);
    expect(broken?.key).toBe('public.orders/20000101T000000.000Z/');

    await expect(
      restoreTableBackup({ client, store, table: TABLE, backup: broken!, into: 'public.orders_broken' }),
    ).rejects.toThrow();
    const found = await client.query(`select to_regclass('public.orders_broken') as oid`);
    expect(found.rows[0]).toEqual({ oid: null });
  });

  it('refuses a data file that does not hold the rows its manifest counts (cut short), restoring nothing', async () => {
    const [newest] = await listTableBackups(store, TABLE);
    const csv = await csvOf(store, newest!);
    // Whole rows dropped from the end (cut where a line starts with an id, not inside a quoted
    // newline): still valid CSV, so only the count can tell.
    const cut = csv.slice(0, csv.slice(csv.length / 2).search(/\n\d/) + Math.floor(csv.length / 2) + 1);
    expect(cut.length).toBeLessThan(csv.length);
    await store.put('public.orders/20000102T000000.000Z/data.csv.gz', gzipSync(cut));
    await store.put('public.orders/20000102T000000.000Z/definition.json', await readText(await store.get(`${newest?.key}definition.json`)));
    const short = (await listTableBackups(store, TABLE)).find((backup) => backup.key === 'public.orders/20000102T000000.000Z/');

    const failure = restoreTableBackup({ client, store, table: TABLE, backup: short!, into: 'public.orders_short' });
    await expect(failure).rejects.toThrow(UserError);
    await expect(failure).rejects.toThrow(new RegExp(`holds \\d+ rows, but its manifest says the backup took ${newest?.rows}`));
    const found = await client.query(`select to_regclass('public.orders_short') as oid`);
    expect(found.rows[0]).toEqual({ oid: null });
    await Promise.all(['data.csv.gz', 'definition.json'].map((name) => store.delete(`public.orders/20000102T000000.000Z/${name}`)));
  });

  it('refuses a compressed data file that is cut short or damaged (gzip checks its length and CRC-32), restoring nothing', async () => {
    const [newest] = await listTableBackups(store, TABLE);
    const data = await buffer(await store.get(`${newest!.key}data.csv.gz`));
    const manifest = await readText(await store.get(`${newest!.key}definition.json`));
    const damaged = Buffer.from(data);
    damaged[Math.floor(damaged.length / 2)]! ^= 0xff;
    const variants = { truncated: data.subarray(0, data.length - 100), damaged };
    for (const [name, bytes] of Object.entries(variants)) {
      const folder = `public.orders/2000010${name === 'truncated' ? 3 : 4}T000000.000Z/`;
      await store.put(`${folder}data.csv.gz`, bytes);
      await store.put(`${folder}definition.json`, manifest);
      const bad = (await listTableBackups(store, TABLE)).find((backup) => backup.key === folder);
      await expect(restoreTableBackup({ client, store, table: TABLE, backup: bad!, into: 'public.orders_bad' }), name).rejects.toThrow();
      const found = await client.query(`select to_regclass('public.orders_bad') as oid`);
      expect(found.rows[0], name).toEqual({ oid: null });
      await Promise.all(['data.csv.gz', 'definition.json'].map((file) => store.delete(`${folder}${file}`)));
    }
  });

  it('says where it looked when there is no backup at all', async () => {
    const error = await restoreTableBackup({ client, store, table: 'public.invoices', backup: 'newest' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toContain('public.invoices');
    expect((error as UserError).message).toContain('s3://backups/staging/db/');
  });

  it('reports a store failing mid-COPY as a UserError and leaves the connection usable', async () => {
    // ~24 MiB of hex, ~12 MiB compressed: the store fails on its first 5 MiB parts while the COPY still has rows to send.
    await client.query(`create table public.blobs as
                        select i, (select string_agg(md5(i::text || '.' || j::text), '') from generate_series(1, 256) as j) as body
                        from generate_series(1, 3000) as i`);
    const missing = s3.store('no-such-bucket');
    await expect(backupTable({ client, table: 'public.blobs', store: missing })).rejects.toThrow(UserError);
    expect(await rowCount(client, 'public.blobs')).toBe(3000);
    await client.query('drop table public.blobs');
  });

  it('refuses to back up a table that does not exist', async () => {
    await expect(backupTable({ client, table: 'public.missing', store })).rejects.toThrow(UserError);
    // The failed backup's transaction was rolled back: the connection is usable.
    expect(await rowCount(client, TABLE)).toBeGreaterThan(0);
  });

  it('reads a backup taken before the data was compressed and the definition covered sequences, triggers, grants and the rest', async () => {
    const [newest] = await listTableBackups(store, TABLE);
    const { data: _compressed, ...manifest } = JSON.parse(await readText(await store.get(`${newest!.key}definition.json`))) as { definition: TableDefinition; data?: string };
    const folder = 'public.orders/19990101T000000.000Z/';
    // Then: the CSV as it came, and no `data` in the manifest.
    await store.put(`${folder}data.csv`, await csvOf(store, newest!));
    await store.put(`${folder}definition.json`, JSON.stringify({ ...manifest, definition: oldDefinitionShape(manifest.definition) }));
    const [old] = (await listTableBackups(store, TABLE)).slice(-1);
    expect(old?.key).toBe(folder);
    expect(old?.dataFile).toBe('data.csv');

    await restoreTableBackup({ client, store, table: TABLE, backup: old!, into: 'public.orders_old' });
    expect(await rowCount(client, 'public.orders_old')).toBe(newest!.rows);
    // Without the sequence's value, the next one follows the loaded rows, as it always did.
    const loaded = await client.query<{ last: number }>('select max(legacy_no) as last from public.orders_old');
    const inserted = await client.query<{ legacy_no: number }>(
      "insert into public.orders_old (customer, amount) values ('after an old restore', 1) returning legacy_no",
    );
    expect(inserted.rows[0]?.legacy_no).toBe(loaded.rows[0]!.last + 1);
    await client.query('drop table public.orders_old');
  });

  it('says what is wrong with a manifest that is not one', async () => {
    const folder = 'public.orders/20020101T000000.000Z/';
    await store.put(`${folder}data.csv`, 'id\n');
    await store.put(`${folder}definition.json`, JSON.stringify({ table: TABLE, takenAt: 'yesterday', rows: 'many', definition: {} }));
    const error = await listTableBackups(store, TABLE).catch((e: unknown) => e);
    await store.delete(`${folder}definition.json`);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/public\.orders\/20020101T000000\.000Z\/definition\.json is not a firedrill table backup manifest \(takenAt: not a date and time; rows: .*number/);
  });
});

describe('table backup and restore of a rich table', () => {
  let postgres: TestPostgres;
  let s3: TestS3;
  let pool: pg.Pool;
  let store: ObjectStore;

  beforeAll(async () => {
    [postgres, s3] = await Promise.all([startTestPostgres(), startTestS3(['backups'])]);
    pool = new pg.Pool({ connectionString: postgres.url(), max: 2 });
    pool.on('error', () => undefined);
    store = s3.store('backups');
  });

  afterAll(async () => {
    await pool?.end();
    await Promise.all([postgres?.stop(), s3?.stop()]);
  });

  const withClient = async <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  };

  it('gives back the same table, catalog by catalog, after DROP TABLE ... CASCADE', async () => {
    await createRichTable(pool);
    const before = await readTableCatalog(pool, RICH_TABLE);
    const rows = await tableDigest(pool, RICH_TABLE, RICH_TABLE_ORDER);
    await withClient((client) => backupTable({ client, table: RICH_TABLE, store }));
    await pool.query(`drop table ${RICH_TABLE} cascade`);
    expect((await readTableCatalog(pool, 'shop.order_lines')).constraints.map((c) => c.contype)).not.toContain('f');

    const restored = await withClient((client) => restoreTableBackup({ client, store, table: RICH_TABLE, backup: 'newest' }));
    expect(restored.notes).toEqual([]);
    expect(await readTableCatalog(pool, RICH_TABLE)).toEqual(before);
    expect(await tableDigest(pool, RICH_TABLE, RICH_TABLE_ORDER)).toEqual(rows);
  });

  it('restores even when rows of other tables no longer match, and says which foreign key is left NOT VALID', async () => {
    await createRichTable(pool);
    await withClient((client) => backupTable({ client, table: RICH_TABLE, store }));
    // An order and its line written after the backup: the backup does not have the order.
    await pool.query("insert into shop.orders (id, customer_id, amount) values (9001, 1, 5); insert into shop.order_lines values (9001, 9001)");
    await pool.query(`drop table ${RICH_TABLE} cascade`);

    const restored = await withClient((client) => restoreTableBackup({ client, store, table: RICH_TABLE, backup: 'newest' }));
    expect(restored.notes).toEqual([
      expect.stringMatching(/^foreign key order_lines_order_fkey of shop\.order_lines left NOT VALID: .*ALTER TABLE "shop"\."order_lines" VALIDATE CONSTRAINT "order_lines_order_fkey"$/),
    ]);
    const lines = await readTableCatalog(pool, 'shop.order_lines');
    expect(lines.constraints.find((c) => c.conname === 'order_lines_order_fkey')).toMatchObject({ convalidated: false });
  });

  it('skips, with a note, what names a role this cluster does not have', async () => {
    await createRichTable(pool);
    await withClient((client) => backupTable({ client, table: RICH_TABLE, store }));
    await pool.query(`drop table ${RICH_TABLE} cascade; drop owned by shop_reader; drop role shop_reader`);

    const restored = await withClient((client) => restoreTableBackup({ client, store, table: RICH_TABLE, backup: 'newest' }));
    expect(restored.notes.length).toBeGreaterThan(0);
    for (const note of restored.notes) expect(note).toMatch(/^skipped .*shop_reader.*does not exist; create the role, then run it again by hand$/);
    const after = await readTableCatalog(pool, RICH_TABLE);
    expect(after.relation.acl).toEqual(['shop_app=a*r*w*/shop_owner', 'shop_owner=arwdDxtm/shop_owner']);
    expect(await tableDigest(pool, RICH_TABLE, RICH_TABLE_ORDER)).toMatchObject({ rows: 500 });
  });
});

/** Every column of every row, generated ones included, in id order. */
async function digest(client: pg.Client, table: string): Promise<string> {
  const result = await client.query<{ digest: string; rows: string }>(
    `select md5(string_agg(t::text, E'\\n' order by t.id)) as digest, count(*) as rows from ${table} t`,
  );
  expect(Number(result.rows[0]?.rows)).toBe(ROWS - DELETED);
  return result.rows[0]?.digest ?? '';
}

async function rowCount(client: pg.Client, table: string): Promise<number> {
  const result = await client.query<{ count: string }>(`select count(*) from ${table}`);
  return Number(result.rows[0]?.count);
}

/** The CSV of a backup taken now: compressed. */
async function csvOf(store: ObjectStore, backup: TableBackup): Promise<string> {
  return gunzipSync(await buffer(await store.get(`${backup.key}${backup.dataFile}`))).toString('utf8');
}

async function readText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

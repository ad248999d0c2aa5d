import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGunzip, createGzip } from 'node:zlib';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import * as z from 'zod';
import { UserError } from '../../src/errors.js';
import { inTransaction } from './transaction.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { captureTableDefinition } from './capture-table-definition.js';
import { CopyOutStream } from './copy-out-stream.js';
import { rebuildTable } from './rebuild-table.js';
import { parseTableName, qualifiedName, TableDefinition, type TableName } from './table-definition.js';

/**
 * One logical backup of one table, stored as `<schema>.<table>/<takenAt>/data.csv.gz` and
 * then `definition.json`; a folder without definition.json is an unfinished backup. Backups
 * taken before the data was compressed hold `data.csv`; both restore.
 */
export interface TableBackup {
  /** The backup's folder in the store, e.g. `public.orders/20250102T030405.678Z/`. */
  key: string;
  /** `schema.table` */
  table: string;
  /** Every row committed before this moment is in the backup. */
  takenAt: Date;
  rows: number;
  /** The data's object in the backup's folder: `data.csv.gz`, or `data.csv` in older backups. */
  dataFile: DataFile;
}

/** `definition.json`: written last, it marks the backup complete. */
const BackupManifest = z.object({
  table: z.string(),
  takenAt: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'not a date and time'),
  rows: z.number().int().nonnegative(),
  /** Absent in manifests written before the data was compressed. */
  data: z.enum(['data.csv.gz', 'data.csv']).default('data.csv'),
  definition: TableDefinition,
});
type DataFile = BackupManifest['data'];
type BackupManifest = z.infer<typeof BackupManifest>;

export interface RestoredBackup extends TableBackup {
  /** What could not be restored as it was (a role missing here, rows a foreign key rejects), and what to do. */
  notes: string[];
}

const DATA: DataFile = 'data.csv.gz';
const MANIFEST = 'definition.json';
/**
 * gzip at its fastest level: a sixth of the CSV's size (test/bench/restore-bench.ts's table), so
 * the store receives, keeps and sends back six times less, for less CPU than the S3 path saves;
 * and its trailer (CRC-32 and length of the CSV) is checked when the restore reads it back.
 */
const GZIP = { level: constants.Z_BEST_SPEED, chunkSize: 64 * 1024 };
// Explicit encoding: the file must not depend on the client_encoding of whoever took it.
const CSV_OPTIONS = `(format csv, header true, encoding 'UTF8')`;
const CSV_OPTIONS_FROZEN = `(format csv, header true, encoding 'UTF8', freeze true)`;

export interface BackupTableOptions {
  /** Connected, and not inside a transaction: the backup runs its own. */
  client: pg.ClientBase;
  /** `schema.table` */
  table: string;
  store: ObjectStore;
}

/** Streams one table into the store with COPY, from one consistent snapshot. */
export async function backupTable({ client, table, store }: BackupTableOptions): Promise<TableBackup> {
  const name = parseTableName(table);
  await client.query('begin isolation level repeatable read read only');
  let manifest: BackupManifest;
  let key: string;
  try {
    // now() is the transaction's start; the snapshot is taken by the next statement, so
    // everything committed before takenAt is visible to the COPY below.
    const now = await client.query<{ taken_at: Date }>('select now() as taken_at');
    const takenAt = now.rows[0]?.taken_at ?? new Date();
    const definition = await captureTableDefinition(client, table);
    key = `${tableFolder(name)}${compactTimestamp(takenAt)}/`;
    const copy = client.query(new CopyOutStream(`copy ${qualifiedName(name)} ${columnList(definition)} to stdout ${CSV_OPTIONS}`));
    await putStream(store, key + DATA, copy);
    // The row count arrives with CommandComplete, after the stream ends: the next
    // statement's reply guarantees it has been read.
    await client.query('commit');
    manifest = { table: `${name.schema}.${name.table}`, takenAt: takenAt.toISOString(), rows: copy.rowCount, data: DATA, definition };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  // Written last: its presence is what marks the backup complete.
  await store.put(key + MANIFEST, JSON.stringify(manifest, null, 2));
  return toBackup(key, manifest);
}

/** Complete backups of `table` (schema.table), newest first. */
export async function listTableBackups(store: ObjectStore, table: string): Promise<TableBackup[]> {
  const folder = tableFolder(parseTableName(table));
  const objects = await store.list(folder);
  const complete = objects
    .filter((object) => object.key.endsWith(`/${MANIFEST}`) && object.key.split('/').length === 3)
    .map((object) => object.key.slice(0, -MANIFEST.length))
    .sort()
    .reverse();
  return Promise.all(complete.map(async (key) => toBackup(key, await readManifest(store, key))));
}

export type BackupChoice = TableBackup | 'newest' | { at: Date };

/** The objects of a backup, the manifest first: deleted in this order, it is never complete yet partial. */
export function backupObjectKeys(backup: TableBackup): string[] {
  return [backup.key + MANIFEST, backup.key + backup.dataFile];
}

export interface RestoreTableBackupOptions {
  /** Connected, and not inside a transaction: the restore runs its own. */
  client: pg.ClientBase;
  store: ObjectStore;
  /** The backed-up table, `schema.table`. */
  table: string;
  /** A backup, the newest, or the newest taken at or before `at`. */
  backup: BackupChoice;
  /** Restore under another name (`schema.table`) instead of `table`. */
  into?: string;
}

/**
 * Recreates the table and loads its data in one transaction, so it appears complete at
 * once or not at all: the bare table, the rows with COPY, then keys, indexes and foreign
 * keys (building them once is much faster than updating them for every row), then the rest
 * of the definition, and the sequences where they stood. Refuses to touch a table that exists.
 */
export async function restoreTableBackup(options: RestoreTableBackupOptions): Promise<RestoredBackup> {
  const { client, store, table } = options;
  const source = parseTableName(table);
  const target = options.into ? parseTableName(options.into) : source;
  const backup = await chooseBackup(store, table, options.backup);
  const { definition } = await readManifest(store, backup.key);

  let notes: string[];
  try {
    notes = await inTransaction(client, async () => {
      await refuseIfExists(client, target);
      const rebuilt = await rebuildTable(client, definition, target, async () => {
        const data = await store.get(backup.key + backup.dataFile);
        // FREEZE: the table is new in this transaction, so its rows can be written frozen,
        // and nobody has to rewrite them later to set hint bits.
        const copy = client.query(
          copyFrom(`copy ${qualifiedName(target)} ${columnList(definition)} from stdin ${CSV_OPTIONS_FROZEN}`),
        );
        // gunzip fails on a truncated or corrupted file: its trailer holds the CSV's CRC-32 and length.
        if (backup.dataFile === 'data.csv.gz') await pipeline(data, createGunzip({ chunkSize: GZIP.chunkSize }), copy);
        else await pipeline(data, copy);
        // The manifest's count, from the backup's own COPY: fewer or more rows here mean the
        // data file is not the one the manifest describes (cut short, replaced): nothing is restored.
        if (copy.rowCount !== backup.rows) {
          throw new UserError(
            `${store.location}${backup.key}${backup.dataFile} holds ${copy.rowCount} rows, but its manifest says the backup took ${backup.rows}; nothing was restored`,
            'restore another backup (--at an earlier time), or take a new one',
          );
        }
        return copy.rowCount;
      });
      return rebuilt.notes;
    });
  } catch (error) {
    if (isDuplicateTable(error)) throw tableExists(target);
    throw error;
  }
  return { ...backup, notes };
}

async function chooseBackup(store: ObjectStore, table: string, wanted: BackupChoice): Promise<TableBackup> {
  if (wanted !== 'newest' && !('at' in wanted)) {
    const a = parseTableName(wanted.table);
    const b = parseTableName(table);
    if (a.schema !== b.schema || a.table !== b.table) {
      throw new UserError(`the backup ${wanted.key} is of ${wanted.table}, not ${table}`);
    }
    return wanted;
  }
  const backups = await listTableBackups(store, table);
  const where = `${store.location}${tableFolder(parseTableName(table))}`;
  if (backups.length === 0) {
    throw new UserError(
      `there is no complete backup of ${table} in ${where}`,
      `take one first (firedrill backup ${table} --env <environment>), or check the bucket and prefix configured for this environment`,
    );
  }
  if (wanted === 'newest') return backups[0]!;
  const chosen = backups.find((backup) => backup.takenAt.getTime() <= wanted.at.getTime());
  if (!chosen) {
    throw new UserError(
      `no backup of ${table} in ${where} was taken at or before ${wanted.at.toISOString()}; the oldest was taken at ${backups.at(-1)!.takenAt.toISOString()}`,
      'give a later --at, or leave it out to restore the newest backup',
    );
  }
  return chosen;
}

async function refuseIfExists(client: pg.ClientBase, target: TableName): Promise<void> {
  const found = await client.query<{ oid: string | null }>('select to_regclass($1)::oid::text as oid', [
    qualifiedName(target),
  ]);
  if (found.rows[0]?.oid) throw tableExists(target);
}

function tableExists({ schema, table }: TableName): UserError {
  return new UserError(
    `the table ${schema}.${table} already exists; a restore never overwrites a table`,
    `drop or rename it first, or restore into another name`,
  );
}

function isDuplicateTable(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '42P07';
}

/** Generated columns are computed again on restore; COPY must leave them out both ways. */
function columnList(definition: TableDefinition): string {
  const columns = definition.columns.filter((column) => !column.generated);
  return `(${columns.map((column) => pg.escapeIdentifier(column.name)).join(', ')})`;
}

function tableFolder({ schema, table }: TableName): string {
  return `${schema}.${table}/`;
}

/** `2025-01-02T03:04:05.678Z` → `20250102T030405.678Z`: sorts by time as a string. */
function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '');
}

/**
 * Streams a COPY, compressed, into the store. If the store fails mid-way, the rest of the
 * COPY is drained so the connection leaves COPY mode and can roll back, instead of hanging.
 */
const COPY_BUFFER_BYTES = 4 * 2 ** 20;

async function putStream(store: ObjectStore, key: string, source: Readable): Promise<void> {
  let copyError: unknown;
  const gzip = createGzip(GZIP);
  // Room for one more part: PostgreSQL goes on producing rows while the store is busy
  // sending the parts before, instead of waiting for every read.
  const body = new PassThrough({ highWaterMark: COPY_BUFFER_BYTES });
  // The store reports the failure through its own reading; this only keeps an error raised
  // before it starts reading from being an uncaught 'error' event.
  body.on('error', () => undefined);
  const fail = (error: Error) => {
    copyError ??= error;
    body.destroy(error);
  };
  source.on('error', fail);
  gzip.on('error', fail);
  source.pipe(gzip).pipe(body);
  try {
    await store.put(key, body);
  } catch (error) {
    source.unpipe(gzip);
    if (copyError === undefined && !source.readableEnded) {
      await new Promise<void>((done) => {
        source.once('end', done).once('error', () => done());
        source.resume();
      });
    }
    throw copyError ?? error;
  }
  if (copyError !== undefined) throw copyError;
}

async function readManifest(store: ObjectStore, key: string): Promise<BackupManifest> {
  const location = `${store.location}${key}${MANIFEST}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readText(await store.get(key + MANIFEST)));
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`${location} is not valid JSON: ${String(error)}`);
  }
  const manifest = BackupManifest.safeParse(parsed);
  if (!manifest.success) {
    const problems = manifest.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new UserError(
      `${location} is not a firedrill table backup manifest (${problems.join('; ')})`,
      'restore another backup, or take a new one',
    );
  }
  return manifest.data;
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function toBackup(key: string, manifest: BackupManifest): TableBackup {
  return { key, table: manifest.table, takenAt: new Date(manifest.takenAt), rows: manifest.rows, dataFile: manifest.data };
}

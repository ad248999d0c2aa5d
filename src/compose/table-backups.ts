import type pg from 'pg';
import type { Bucket } from '../storage/bucket-schema.js';
import type { Environment } from '../config/config-schema.js';
import { ownValue } from '../catalogue/own.js';
import { didYouMean, joinParts } from '../catalogue/suggest.js';
import { environmentRefusal } from '../engine/environment-guard.js';
import { UserError } from '../errors.js';
import type { ObjectStore } from '../storage/object-store.js';
import { allowedTableCheck } from '../../adapters/postgres/allowed-table.js';
import { pruneTableBackups } from '../../adapters/postgres/prune-table-backups.js';
import { backupTable, restoreTableBackup, type RestoredBackup, type TableBackup } from '../../adapters/postgres/table-backup.js';
import { s3ObjectStoreFor } from '../../adapters/s3/s3-object-store.js';
import type { ComposeOptions } from './kind-runtime.js';
import { connectToEnvironmentDatabase, databaseAllowedCheck } from './postgres-environment.js';

/** One table of one environment, and the bucket its backups live in. */
export interface TableBackupTarget {
  environmentName: string;
  environment: Environment;
  table: string;
  /** The name of one of the environment's buckets; may be left out when it has only one. */
  bucket?: string;
  options: ComposeOptions;
}

export interface TakenBackup {
  backup: TableBackup;
  /** Where it is, e.g. `s3://backups/public.orders/20260101T000000.000Z/`. */
  location: string;
  /** Older backups deleted because of `keep`. */
  pruned: TableBackup[];
}

/** Takes a backup of the table, in the format the restore (and the drill's runbook) reads; keeps the newest `keep`. */
export async function backupEnvironmentTable(target: TableBackupTarget, keep?: number): Promise<TakenBackup> {
  return withAllowedTarget(target, async (client, store) => {
    const backup = await backupTable({ client, table: target.table, store });
    const pruned = keep === undefined ? [] : await pruneTableBackups(store, target.table, keep);
    return { backup, location: `${store.location}${backup.key}`, pruned };
  });
}

export interface RestoredTable extends RestoredBackup {
  location: string;
}

/**
 * Restores the newest backup of the table, or the newest taken at or before `at`. Like the
 * drill's runbook, it never overwrites: a table that exists is refused.
 */
export async function restoreEnvironmentTable(target: TableBackupTarget, at?: Date): Promise<RestoredTable> {
  return withAllowedTarget(target, async (client, store) => {
    const restored = await restoreTableBackup({ client, store, table: target.table, backup: at ? { at } : 'newest' });
    return { ...restored, location: `${store.location}${restored.key}` };
  });
}

/**
 * The drill's target rules, in the drill's order, before anything connects: the environment
 * may be a target (not protected, not production-looking), the table is in its allowedTables,
 * the bucket is its own; then the database, by its URL and by the server's own answer.
 */
async function withAllowedTarget<T>(target: TableBackupTarget, work: (client: pg.Client, store: ObjectStore) => Promise<T>): Promise<T> {
  const { environmentName, environment, table } = target;
  const refusal = environmentRefusal(environmentName, environment);
  if (refusal) throw new UserError(refusal);
  if (!environment.postgres) {
    throw new UserError(`environment "${environmentName}" has no postgres: section`, 'add postgres.url and postgres.allowedTables to it');
  }
  const allowed = allowedTableCheck(table, environment.postgres.allowedTables);
  if (!allowed.ok) {
    throw new UserError(allowed.detail, `firedrill only backs up and restores tables listed in environments.${environmentName}.postgres.allowedTables`);
  }
  const store = s3ObjectStoreFor(bucketOf(target), target.options.env);
  const database = await connectToEnvironmentDatabase(environmentName, environment, target.options);
  try {
    const check = await databaseAllowedCheck(database, environmentName, environment);
    if (!check.ok) throw new UserError(check.detail);
    const client = await database.connectForChanges();
    try {
      return await work(client, store);
    } finally {
      await client.end();
    }
  } finally {
    await database.pool.end();
  }
}

function bucketOf({ environmentName, environment, bucket }: TableBackupTarget): Bucket {
  const names = Object.keys(environment.buckets);
  if (bucket !== undefined) {
    const found = ownValue(environment.buckets, bucket);
    if (found) return found;
    throw new UserError(
      joinParts(`environment "${environmentName}" has no bucket named "${bucket}"`, didYouMean(bucket, names)),
      `its buckets: ${names.join(', ') || 'none'}`,
    );
  }
  if (names.length === 1) return environment.buckets[names[0]!]!;
  throw new UserError(
    names.length === 0 ? `environment "${environmentName}" has no buckets` : `environment "${environmentName}" has ${names.length} buckets: say which one`,
    names.length === 0 ? `add one under environments.${environmentName}.buckets` : `name one of ${names.join(', ')} (--bucket on the command line, bucket: in a backups: entry)`,
  );
}

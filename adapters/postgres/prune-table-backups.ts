import type { ObjectStore } from '../../src/storage/object-store.js';
import { backupObjectKeys, listTableBackups, type TableBackup } from './table-backup.js';

/**
 * Deletes all but the newest `keep` complete backups of `table`; returns those deleted.
 * Unfinished folders are left alone: one may be a backup still being written.
 */
export async function pruneTableBackups(store: ObjectStore, table: string, keep: number): Promise<TableBackup[]> {
  const expired = (await listTableBackups(store, table)).slice(keep);
  for (const backup of expired) {
    for (const key of backupObjectKeys(backup)) await store.delete(key);
  }
  return expired;
}

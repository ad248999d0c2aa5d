import type pg from 'pg';
import type { Runbook } from '../../src/engine/ports.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { restoreTableBackup } from './table-backup.js';

/** The automated recovery "restore the table from the newest backup in the bucket". */
export function restoreNewestBackupRunbook(pool: pg.Pool, table: string, store: ObjectStore): Runbook {
  return {
    description: `restore ${table} from the newest backup in ${store.location}`,
    async run() {
      const client = await pool.connect();
      try {
        const backup = await restoreTableBackup({ client, store, table, backup: 'newest' });
        return `restored ${backup.rows} rows from the backup taken at ${backup.takenAt.toISOString()} (${store.location}${backup.key})`;
      } finally {
        client.release();
      }
    },
  };
}

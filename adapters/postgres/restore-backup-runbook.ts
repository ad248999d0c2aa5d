import type pg from 'pg';
import type { Runbook } from '../../src/engine/ports.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { restoreTableBackup } from './table-backup.js';

/**
 * The automated recovery "restore the table from the newest backup in the bucket", on a
 * connection of its own: a restore of a large table takes longer than a probe may.
 */
export function restoreNewestBackupRunbook(connect: () => Promise<pg.Client>, table: string, store: ObjectStore): Runbook {
  return {
    description: `restore ${table} from the newest backup in ${store.location}`,
    async run() {
      const client = await connect();
      try {
        const backup = await restoreTableBackup({ client, store, table, backup: 'newest' });
        const notes = backup.notes.length > 0 ? `; ${backup.notes.join('; ')}` : '';
        return `restored ${backup.rows} rows from the backup taken at ${backup.takenAt.toISOString()} (${store.location}${backup.key})${notes}`;
      } finally {
        await client.end();
      }
    },
  };
}

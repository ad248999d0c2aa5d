import type pg from 'pg';
import { backupTable, type TableBackup } from '../../adapters/postgres/table-backup.js';
import type { ObjectStore } from '../storage/object-store.js';

export interface BackupJob {
  /** Resolves once the first backup is in the bucket, so the drill has something to restore. */
  firstBackup: Promise<TableBackup>;
  taken(): readonly TableBackup[];
  stop(): Promise<void>;
}

/** The shop's backup job: the table to the bucket every `everyMs`, as a cron job would. */
export function startBackupJob(pool: pg.Pool, table: string, store: ObjectStore, everyMs: number): BackupJob {
  const taken: TableBackup[] = [];
  let running: Promise<void> = Promise.resolve();
  let resolveFirst!: (backup: TableBackup) => void;
  const firstBackup = new Promise<TableBackup>((resolve) => (resolveFirst = resolve));

  const backupOnce = async () => {
    const client = await pool.connect();
    try {
      const backup = await backupTable({ client, table, store });
      taken.push(backup);
      resolveFirst(backup);
    } catch {
      // While the table is gone there is nothing to back up; the job tries again next time.
    } finally {
      client.release();
    }
  };
  const tick = () => {
    running = running.then(backupOnce);
  };
  tick();
  const timer = setInterval(tick, everyMs);

  return {
    firstBackup,
    taken: () => taken,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

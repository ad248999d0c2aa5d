import type { Catalogue } from '../catalogue/load.js';
import { ownValue } from '../catalogue/own.js';
import { backupScheduleName } from '../schedule/backup-schema.js';
import { BackupScheduler } from '../schedule/backup-scheduler.js';
import type { CliContext } from './context.js';

/** The `backups:` of the config, taken by `firedrill serve` as `firedrill backup` takes one. */
export function serveBackups(context: CliContext, catalogue: Catalogue): BackupScheduler {
  return new BackupScheduler({
    backups: catalogue.config.backups,
    async take(backup) {
      // The S3 and PostgreSQL adapters load with the first backup taken, not with every serve.
      const { backupEnvironmentTable } = await import('../compose/table-backups.js');
      const started = performance.now();
      const taken = await backupEnvironmentTable(
        {
          environmentName: backup.env,
          // The config's cross-check has made sure it exists.
          environment: ownValue(catalogue.config.environments, backup.env)!,
          table: backup.table,
          bucket: backup.bucket,
          options: { configDir: catalogue.configDir, env: context.env, configPath: catalogue.configPath },
        },
        backup.keep,
      );
      const pruned = taken.pruned.length > 0 ? `; deleted ${taken.pruned.length} older backup(s), keeping ${backup.keep}` : '';
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      return `backup of ${backupScheduleName(backup)}: ${taken.backup.rows} rows to ${taken.location} in ${seconds}s${pruned}`;
    },
    report(text, failed) {
      if (failed) context.log.warn({ text }, 'backup schedule');
      else context.log.info({ text }, 'backup schedule');
      context.err(`[backup] ${text}\n`);
    },
  });
}

import { environmentRefusal } from '../engine/environment-guard.js';
import type { Config } from '../config/config-schema.js';
import { qualifiedTable } from './table-name.js';
import { ownValue } from './own.js';
import type { Problem } from './problems.js';
import { didYouMean, joinParts } from './suggest.js';
import { atPath, problemAt, type DataPath, type YamlSource } from './yaml-source.js';

/**
 * Backup schedules that could never take a backup: an unknown or refused environment, a
 * table it does not allow, a bucket it does not have. Reported at the entry to change.
 */
export function backupScheduleProblems(config: Config, source: YamlSource): Problem[] {
  const problems: Problem[] = [];
  const report = (path: DataPath, message: string) => problems.push(problemAt(source, path, atPath(path, message)));
  const environmentNames = Object.keys(config.environments);
  config.backups.forEach((backup, index) => {
    const base = ['backups', index];
    const environment = ownValue(config.environments, backup.env);
    if (!environment) {
      const hint = didYouMean(backup.env, environmentNames) || `environments: ${environmentNames.join(', ') || 'none'}`;
      return report([...base, 'env'], joinParts(`unknown environment "${backup.env}"`, hint));
    }
    const refusal = environmentRefusal(backup.env, environment);
    if (refusal) return report([...base, 'env'], refusal);
    if (!environment.postgres) {
      return report([...base, 'env'], `environment "${backup.env}" has no postgres: section; add postgres.url and postgres.allowedTables to it`);
    }
    if (!environment.postgres.allowedTables.map(qualifiedTable).includes(qualifiedTable(backup.table))) {
      report(
        [...base, 'table'],
        `${qualifiedTable(backup.table)} is not in environments.${backup.env}.postgres.allowedTables; firedrill only backs up and restores the tables listed there`,
      );
    }
    const buckets = Object.keys(environment.buckets);
    if (backup.bucket !== undefined && !ownValue(environment.buckets, backup.bucket)) {
      const hint = didYouMean(backup.bucket, buckets) || `its buckets: ${buckets.join(', ') || 'none'}`;
      report([...base, 'bucket'], joinParts(`environment "${backup.env}" has no bucket named "${backup.bucket}"`, hint));
    } else if (backup.bucket === undefined && buckets.length !== 1) {
      report(
        base,
        buckets.length === 0
          ? `environment "${backup.env}" has no buckets; add one under environments.${backup.env}.buckets`
          : `environment "${backup.env}" has ${buckets.length} buckets; say which with bucket: (one of ${buckets.join(', ')})`,
      );
    }
  });
  return problems;
}

import type { Config, Environment } from '../config/config-schema.js';
import type { LoadedDrill } from './loaded-drill.js';
import type { Drill } from './drill-schema.js';
import type { Problem } from './problems.js';
import { didYouMean, joinParts } from './suggest.js';
import { atPath, nodeAt, problemAt, type DataPath, type YamlSource } from './yaml-source.js';
import { ownValue } from './own.js';
import { backupScheduleProblems } from './backup-check.js';
import { digestProblems } from './digest-check.js';
import { qualifiedTable } from './table-name.js';

/**
 * Checks that need the config and all drills together: names that must refer to a
 * drill, and drills that an environment allows but could not run (a table it may not
 * drop, a bucket it does not have). Each problem is reported in the config file, at
 * the entry a reader would change.
 */
export function crossCheck(
  config: Config,
  source: YamlSource,
  drills: ReadonlyMap<string, LoadedDrill>,
  /** Ids of drills whose files have problems: already reported there, so not "unknown" here. */
  brokenIds: ReadonlySet<string> = new Set(),
): Problem[] {
  const ids = [...drills.keys()];
  const problems: Problem[] = [];
  const unknownDrill = (path: DataPath, id: string, key = false): void => {
    if (brokenIds.has(id)) return;
    const hint = didYouMean(id, ids) || `known drills: ${ids.join(', ')}`;
    problems.push(problemAt(source, path, atPath(path, joinParts(`unknown drill "${id}"`, hint)), { key }));
  };

  for (const id of Object.keys(config.overrides)) {
    if (!drills.has(id)) unknownDrill(['overrides', id], id, true);
  }
  for (const [name, environment] of Object.entries(config.environments)) {
    environment.drills?.forEach((id, index) => {
      if (!drills.has(id)) unknownDrill(['environments', name, 'drills', index], id);
    });
    for (const { drill } of drills.values()) problems.push(...runnable(source, name, environment, drill));
  }
  const environmentNames = Object.keys(config.environments);
  config.schedules.forEach((schedule, index) => {
    const path = ['schedules', index];
    if (!ownValue(config.environments, schedule.environment)) {
      const where = [...path, 'environment'];
      const hint = didYouMean(schedule.environment, environmentNames) || `environments: ${environmentNames.join(', ')}`;
      problems.push(problemAt(source, where, atPath(where, joinParts(`unknown environment "${schedule.environment}"`, hint))));
    }
    if (schedule.pick !== 'random' && !drills.has(schedule.pick)) unknownDrill([...path, 'pick'], schedule.pick);
    schedule.drills?.forEach((id, drillIndex) => {
      if (!drills.has(id)) unknownDrill([...path, 'drills', drillIndex], id);
    });
  });
  problems.push(...keyHolderDrillsWithoutTrust(config, source, drills));
  problems.push(...backupScheduleProblems(config, source));
  problems.push(...digestProblems(config, source));
  return problems;
}

/**
 * A key-holder drill that an environment lists, or a schedule names, while the config has no
 * `trust:` section: it would be refused when it runs (or when a schedule picks it). Drills
 * allowed only because an environment lists none are left to `firedrill validate --live`.
 */
function keyHolderDrillsWithoutTrust(config: Config, source: YamlSource, drills: ReadonlyMap<string, LoadedDrill>): Problem[] {
  if (config.trust !== undefined) return [];
  const isKeyHolder = (id: string) => drills.get(id)?.drill.kind === 'key-holder-unavailable';
  const fix = 'add a trust: section (threshold, holders, buckets; see drills.example.yaml)';
  const problems: Problem[] = [];
  for (const [name, environment] of Object.entries(config.environments)) {
    environment.drills?.forEach((id, index) => {
      if (!isKeyHolder(id)) return;
      const path = ['environments', name, 'drills', index];
      problems.push(problemAt(source, path, atPath(path, `drill "${id}" is a key-holder drill, but the config has no trust: section; ${fix}, or remove the drill from this list`)));
    });
  }
  config.schedules.forEach((schedule, index) => {
    const named: [DataPath, string][] = [
      ...(schedule.pick !== 'random' ? [[['schedules', index, 'pick'], schedule.pick] as [DataPath, string]] : []),
      ...(schedule.drills ?? []).map((id, drillIndex): [DataPath, string] => [['schedules', index, 'drills', drillIndex], id]),
    ];
    for (const [path, id] of named) {
      if (!isKeyHolder(id)) continue;
      problems.push(problemAt(source, path, atPath(path, `schedule "${schedule.name}" picks key-holder drill "${id}", but the config has no trust: section; ${fix}, or pick another drill`)));
    }
  });
  return problems;
}

/** Problems that stop `drill` from running in this environment, if the environment allows it. */
function runnable(source: YamlSource, name: string, environment: Environment, drill: Drill): Problem[] {
  if (drill.kind !== 'drop-table') return [];
  const listedAt = environment.drills?.indexOf(drill.id) ?? -1;
  const explicit = listedAt >= 0;
  // Without a `drills:` list every drill is allowed, but a drop-table drill only
  // concerns environments with a database; preflight refuses it elsewhere.
  if (environment.drills !== undefined && !explicit) return [];
  const base = ['environments', name] as const;
  if (environment.postgres === undefined) {
    if (!explicit) return [];
    const path = [...base, 'drills', listedAt];
    const message = `drill "${drill.id}" drops a table, but environment "${name}" has no postgres: section; add one or remove the drill from this list`;
    return [problemAt(source, path, atPath(path, message))];
  }
  const problems: Problem[] = [];
  const table = qualifiedTable(drill.target.table);
  if (!environment.postgres.allowedTables.map(qualifiedTable).includes(table)) {
    const path = [...base, 'postgres', 'allowedTables'];
    const message = `drill "${drill.id}" drops ${table}, which is not listed here; add it, or ${explicit ? 'remove the drill from' : 'list the allowed drills in'} environments.${name}.drills`;
    problems.push(problemAt(source, path, atPath(path, message)));
  }
  const recovery = drill.recovery;
  // Listed only: where every drill is allowed, an environment without a replica simply does not offer it (effectiveDrill).
  if (explicit && recovery.mode === 'automated' && recovery.runbook.action === 'rescue-from-delayed-replica' && !environment.postgres.delayedReplica) {
    const path = [...base, 'postgres'];
    const message = `drill "${drill.id}" rescues the table from a delayed replica, but environment "${name}" declares none; add delayedReplica: {url: {env: ...}, delay: 15m}, or remove the drill from environments.${name}.drills`;
    problems.push(problemAt(source, path, atPath(path, message)));
  }
  if (recovery.mode === 'automated' && recovery.runbook.action === 'restore-table-from-s3') {
    const bucket = recovery.runbook.bucket;
    if (!(bucket in environment.buckets)) {
      // On the buckets: mapping when the file has one, else on the environment's name.
      const hasBuckets = nodeAt(source, [...base, 'buckets']) !== nodeAt(source, base);
      const path = hasBuckets ? [...base, 'buckets'] : [...base];
      const hint = didYouMean(bucket, Object.keys(environment.buckets)) || `add it under environments.${name}.buckets`;
      const message = joinParts(`drill "${drill.id}" restores from bucket "${bucket}", which environment "${name}" does not define`, hint);
      problems.push(problemAt(source, path, atPath(path, message), { key: !hasBuckets }));
    }
  }
  return problems;
}

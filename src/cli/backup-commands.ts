import type { Environment } from '../config/config-schema.js';
import type { Catalogue } from '../catalogue/load.js';
import { ownValue } from '../catalogue/own.js';
import { didYouMean, joinParts } from '../catalogue/suggest.js';
import { backupEnvironmentTable, restoreEnvironmentTable, type TableBackupTarget } from '../compose/table-backups.js';
import type { Actor } from '../engine/actor.js';
import { requirePermission } from '../engine/permissions.js';
import { UserError } from '../errors.js';
import { loadCatalogueOrExplain, type CliContext } from './context.js';

interface TableOptions {
  env: string;
  bucket?: string;
}

/** `firedrill backup <table>`: what the drill's runbook reads, by hand. */
export async function backupCommand(context: CliContext, configPath: string, table: string, options: TableOptions, actor: Actor): Promise<number> {
  const target = await targetFor(context, configPath, table, options, actor);
  const started = performance.now();
  const { backup, location, pruned } = await backupEnvironmentTable(target);
  context.out(`backed up ${backup.rows} rows of ${backup.table} to ${location} (taken at ${backup.takenAt.toISOString()}) in ${seconds(started)}\n`);
  for (const old of pruned) context.out(`deleted the old backup ${old.key}\n`);
  return 0;
}

/** `firedrill restore <table>`: what the drill's runbook does, by hand. */
export async function restoreCommand(context: CliContext, configPath: string, table: string, options: TableOptions & { at?: Date }, actor: Actor): Promise<number> {
  const target = await targetFor(context, configPath, table, options, actor);
  const started = performance.now();
  const restored = await restoreEnvironmentTable(target, options.at);
  context.out(
    `restored ${restored.rows} rows of ${restored.table} from the backup taken at ${restored.takenAt.toISOString()} (${restored.location}) in ${seconds(started)}\n`,
  );
  for (const note of restored.notes) context.out(`note: ${note}\n`);
  return 0;
}

async function targetFor(context: CliContext, configPath: string, table: string, options: TableOptions, actor: Actor): Promise<TableBackupTarget> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const environment = environmentOf(catalogue, options.env);
  // Restoring writes a table as a drill does: the same people may do it.
  requirePermission('run', actor, options.env, environment);
  return {
    environmentName: options.env,
    environment,
    table,
    bucket: options.bucket,
    options: { configDir: catalogue.configDir, env: context.env, configPath: catalogue.configPath },
  };
}

function environmentOf(catalogue: Catalogue, name: string): Environment {
  const environment = ownValue(catalogue.config.environments, name);
  if (environment) return environment;
  const names = Object.keys(catalogue.config.environments);
  throw new UserError(joinParts(`unknown environment "${name}"`, didYouMean(name, names), `environments in ${catalogue.configPath}: ${names.join(', ') || 'none'}`));
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)}s`;
}

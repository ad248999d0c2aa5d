import { InvalidArgumentError, type Command } from 'commander';
import type { Environment } from '../catalogue/config-schema.js';
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

/** `firedrill backup <table>` and `firedrill restore <table>`: what the drill's runbook reads, by hand. */
export function addBackupCommands(
  program: Command,
  context: CliContext,
  configPath: () => string,
  /** The person at the keyboard (their operating-system user, or FIREDRILL_USER). */
  actor: (as: string | undefined) => Actor,
  done: (code: number) => void,
): void {
  program
    .command('backup <table>')
    .description("back up a table (schema.table) of an environment to its bucket, in the format `restore` and the drop-table drill's runbook read")
    .requiredOption('-e, --env <environment>', 'the environment whose table to back up')
    .option('--bucket <name>', "which of the environment's buckets (default: its only one)")
    .action(async (table: string, options: TableOptions) => done(await backupCommand(context, configPath(), table, options, actor(undefined))));

  program
    .command('restore <table>')
    .description('restore a table (schema.table) from the newest backup in its bucket; never overwrites a table that exists')
    .requiredOption('-e, --env <environment>', 'the environment whose table to restore')
    .option('--at <time>', 'restore the newest backup taken at or before this ISO time, e.g. 2026-11-30T09:00:00Z', parseIsoTime)
    .option('--bucket <name>', "which of the environment's buckets (default: its only one)")
    .action(async (table: string, options: TableOptions & { at?: Date }) =>
      done(await restoreCommand(context, configPath(), table, options, actor(undefined))),
    );
}

async function backupCommand(context: CliContext, configPath: string, table: string, options: TableOptions, actor: Actor): Promise<number> {
  const target = await targetFor(context, configPath, table, options, actor);
  const started = performance.now();
  const { backup, location, pruned } = await backupEnvironmentTable(target);
  context.out(`backed up ${backup.rows} rows of ${backup.table} to ${location} (taken at ${backup.takenAt.toISOString()}) in ${seconds(started)}\n`);
  for (const old of pruned) context.out(`deleted the old backup ${old.key}\n`);
  return 0;
}

async function restoreCommand(context: CliContext, configPath: string, table: string, options: TableOptions & { at?: Date }, actor: Actor): Promise<number> {
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

/** An ISO 8601 date and time with its zone: a time without one would mean whatever zone this machine is in. */
export function parseIsoTime(text: string): Date {
  const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
  const time = Date.parse(text);
  if (!iso.test(text) || Number.isNaN(time)) {
    throw new InvalidArgumentError('give an ISO date and time with its zone, e.g. 2026-11-30T09:00:00Z or 2026-11-30T10:00+01:00');
  }
  return new Date(time);
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)}s`;
}

import type { Command } from 'commander';
import type { Actor } from '../engine/actor.js';
import type { CliContext } from './cli-context.js';
import { parseIsoTime } from './iso-time.js';

/** `firedrill backup <table>` and `firedrill restore <table>`; their module (and the SDKs it uses) loads when one runs. */
export function addBackupCommands(
  program: Command,
  context: CliContext,
  configPath: () => string,
  /** The person at the keyboard (their operating-system user, or FIREDRILL_USER). */
  actor: (as: string | undefined) => Actor,
  done: (code: number) => void,
): void {
  const commands = () => import('./backup-commands.js');
  program
    .command('backup <table>')
    .description("back up a table (schema.table) of an environment to its bucket, in the format `restore` and the drop-table drill's runbook read")
    .requiredOption('-e, --env <environment>', 'the environment whose table to back up')
    .option('--bucket <name>', "which of the environment's buckets (default: its only one)")
    .action(async (table: string, options: { env: string; bucket?: string }) =>
      done(await (await commands()).backupCommand(context, configPath(), table, options, actor(undefined))),
    );

  program
    .command('restore <table>')
    .description('restore a table (schema.table) from the newest backup in its bucket; never overwrites a table that exists')
    .requiredOption('-e, --env <environment>', 'the environment whose table to restore')
    .option('--at <time>', 'restore the newest backup taken at or before this ISO time, e.g. 2026-11-30T09:00:00Z', parseIsoTime)
    .option('--bucket <name>', "which of the environment's buckets (default: its only one)")
    .action(async (table: string, options: { env: string; bucket?: string; at?: Date }) =>
      done(await (await commands()).restoreCommand(context, configPath(), table, options, actor(undefined))),
    );
}

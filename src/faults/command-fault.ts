import type { UndoAction } from '../engine/events.js';
import type { Fault } from '../engine/ports.js';
import { describeShellResult, runShellCommand } from '../probes/shell-command.js';

export const RUN_UNDO_COMMAND = 'run-undo-command';

export interface ShellContext {
  timeoutMs: number;
  /** Relative paths in the commands mean the same as in the config file. */
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface UndoCommandParams {
  command: string;
}

/**
 * The `command` kind: a team's own disaster as two shell commands. The undo command is recorded
 * as it is at injection, so a later edit of the drill cannot change what a crashed run undoes.
 */
export function commandFault(commands: { inject: string; undo: string }, shell: ShellContext): Fault {
  return {
    plan: () => [`run \`${commands.inject}\``, `undo: run \`${commands.undo}\` (it may run more than once, so it must be safe to repeat)`],
    preflight: async () => [],
    async undoAction(): Promise<UndoAction> {
      const params: UndoCommandParams = { command: commands.undo };
      return { action: RUN_UNDO_COMMAND, description: `run \`${commands.undo}\``, params: { ...params } };
    },
    async inject(journal) {
      const result = await runShellCommand(commands.inject, { ...shell, signal: journal.signal });
      if (!result.ok) throw new Error(`the inject command failed (${describeShellResult(result)})`);
      await journal.changed(`ran \`${commands.inject}\` (${describeShellResult(result)})`, `run \`${commands.undo}\` (recorded before injection)`);
    },
  };
}

/** The undo. */
export async function runUndoCommand(params: UndoCommandParams, shell: ShellContext): Promise<string> {
  const result = await runShellCommand(params.command, shell);
  if (!result.ok) throw new Error(`the undo command failed (${describeShellResult(result)}); fix it and run \`firedrill recover\``);
  return `undo command done (${describeShellResult(result)})`;
}

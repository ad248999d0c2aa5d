import type { UndoAction } from '../engine/events.js';
import type { Fault } from '../engine/ports.js';
import { describeShellResult, runShellCommand, type Shell } from '../probes/shell-command.js';

export const RUN_UNDO_COMMAND = 'run-undo-command';

/** A shell, and how long each command in it may run. */
export interface ShellContext extends Shell {
  timeoutMs: number;
}

export interface UndoCommandParams {
  command: string;
  /**
   * The folder it runs in: the drill file's, as at injection, so that crash recovery resolves its
   * relative paths the same way. Runs journaled before it was kept have none: the config file's folder.
   */
  cwd?: string;
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
      const params: UndoCommandParams = { command: commands.undo, cwd: shell.cwd };
      return { action: RUN_UNDO_COMMAND, description: `run \`${commands.undo}\``, params: { ...params } };
    },
    async inject(journal) {
      const result = await runShellCommand(commands.inject, shell, { role: 'inject', timeoutMs: shell.timeoutMs, signal: journal.signal });
      if (!result.ok) throw new Error(`the inject command failed (${describeShellResult(result)})`);
      await journal.changed(`ran \`${commands.inject}\` (${describeShellResult(result)})`, `run \`${commands.undo}\` (recorded before injection)`);
    },
  };
}

/** The undo; `shell` runs in the folder recorded with it. */
export async function runUndoCommand(command: string, shell: ShellContext): Promise<string> {
  const result = await runShellCommand(command, shell, { role: 'undo', timeoutMs: shell.timeoutMs });
  if (!result.ok) throw new Error(`the undo command failed (${describeShellResult(result)}); fix it and run \`firedrill recover\``);
  return `undo command done (${describeShellResult(result)})`;
}

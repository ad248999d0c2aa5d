import type { UndoAction } from '../engine/events.js';
import type { Fault } from '../engine/ports.js';
import { describeShellResult, runShellCommand } from '../probes/shell-command.js';
import type { ShellContext } from './command-fault.js';

export const REBUILD_CLUSTER = 'rebuild-cluster';

/** Both commands run with the same shell context: the config file's folder, variables and timeout. */
export interface TeardownCommands extends ShellContext {
  command: string;
  rebuild: string;
}

/**
 * delete-cluster, teardown mode: the team's own teardown (terraform destroy, a script) takes
 * the staging cluster away; their rebuild command is the undo, so it must be safe to run
 * again after they rebuilt by hand (terraform apply is).
 */
export function teardownFault(commands: TeardownCommands, where: string): Fault {
  return {
    plan: () => [`run the teardown command \`${commands.command}\` for ${where}`, `undo: run the rebuild command \`${commands.rebuild}\``],
    preflight: async () => [],
    async undoAction(): Promise<UndoAction> {
      return { action: REBUILD_CLUSTER, description: `run the rebuild command \`${commands.rebuild}\` for ${where}`, params: { where } };
    },
    async inject(journal) {
      // An abort ends the teardown (its whole process group) before the rebuild runs.
      const result = await runShellCommand(commands.command, commands, { role: 'teardown', timeoutMs: commands.timeoutMs, signal: journal.signal });
      if (!result.ok) throw new Error(`the teardown command failed (${describeShellResult(result)})`);
      await journal.changed(`ran the teardown command (${describeShellResult(result)})`, 'the rebuild command (recorded before injection)');
    },
  };
}

/** The undo. */
export async function rebuildCluster(commands: TeardownCommands): Promise<string> {
  const result = await runShellCommand(commands.rebuild, commands, { role: 'rebuild', timeoutMs: commands.timeoutMs });
  if (!result.ok) throw new Error(`the rebuild command failed (${describeShellResult(result)}); fix it and run \`firedrill recover\``);
  return `rebuild command done (${describeShellResult(result)})`;
}

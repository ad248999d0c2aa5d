import * as z from 'zod';
import type { Probe } from '../engine/ports.js';
import { commandFault, RUN_UNDO_COMMAND, runUndoCommand, type UndoCommandParams } from '../faults/command-fault.js';
import { drillShell, undoShell } from './command-shell.js';
import type { Environment } from '../config/config-schema.js';
import type { ComposeOptions, KindRuntime } from './kind-runtime.js';
import { allProbeSpecs, commandRunbookFor, drillProbes, rpoMarkerFor } from './probes.js';
import { parseUndoParams } from './undo-params.js';

/** How long the undo command may run when the drill that recorded it is not at hand (crash recovery). */
const UNDO_TIMEOUT_MS = 30 * 60_000;

const UndoCommandParamsSchema: z.ZodType<UndoCommandParams> = z.object({ command: z.string().min(1), cwd: z.string().optional() });

export const commandRuntime: KindRuntime<'command'> = {
  async build(drill, context) {
    const { environmentName, environment, runId, options } = context;
    const probes = allProbeSpecs(drill);
    // A command drill loads pg or the Kubernetes client only when its probes read them.
    const database =
      drill.rpo || probes.some((probe) => probe.type === 'sql')
        ? await (await import('./postgres-environment.js')).connectToEnvironmentDatabase(environmentName, environment, options)
        : undefined;
    const workloads = probes.some((probe) => probe.type === 'kubernetes-workloads') ? await workloadsProbes(environmentName, environment, options) : undefined;
    const shell = drillShell(drill.id, context);
    return {
      fault: commandFault(drill.target, { ...shell, timeoutMs: drill.maxDuration }),
      ...drillProbes(drill, { pool: database?.pool, workloads, shell }),
      rpo: drill.rpo && database && rpoMarkerFor(drill.rpo, database.pool, runId),
      runbook: commandRunbookFor(drill, shell),
      close: async () => void (await database?.pool.end()),
    };
  },
  undo: {
    async [RUN_UNDO_COMMAND](params, context) {
      const { command, cwd } = parseUndoParams(UndoCommandParamsSchema, params, RUN_UNDO_COMMAND, 'undo the drill by hand');
      // Runs journaled before the folder was recorded ran their commands in the config file's folder.
      const folder = typeof cwd === 'string' ? cwd : context.options.configDir;
      return runUndoCommand(command, { ...undoShell(folder, context), timeoutMs: UNDO_TIMEOUT_MS });
    },
  },
};

async function workloadsProbes(environmentName: string, environment: Environment, options: ComposeOptions): Promise<(name: string) => Probe> {
  const [{ connectToEnvironmentCluster }, { workloadsProbe }] = await Promise.all([
    import('./kube-environment.js'),
    import('../../adapters/kubernetes/workloads-probe.js'),
  ]);
  const { kube, target } = connectToEnvironmentCluster(environmentName, environment, options);
  return (name) => workloadsProbe(kube, name, target.allowedNamespaces);
}

import { z } from 'zod';
import type { Probe } from '../engine/ports.js';
import { commandFault, RUN_UNDO_COMMAND, runUndoCommand, type UndoCommandParams } from '../faults/command-fault.js';
import { drillShell, undoShell } from './command-shell.js';
import { connectToEnvironmentDatabase } from './postgres-environment.js';
import type { KindRuntime } from './kind-runtime.js';
import { connectToEnvironmentCluster } from './kube-environment.js';
import { allProbeSpecs, commandRunbookFor, drillProbes, rpoMarkerFor } from './probes.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';
import { parseUndoParams } from './undo-params.js';

/** How long the undo command may run when the drill that recorded it is not at hand (crash recovery). */
const UNDO_TIMEOUT_MS = 30 * 60_000;

const UndoCommandParamsSchema: z.ZodType<UndoCommandParams> = z.object({ command: z.string().min(1), cwd: z.string().optional() });

export const commandRuntime: KindRuntime<'command'> = {
  async build(drill, context) {
    const { environmentName, environment, runId, options } = context;
    const probes = allProbeSpecs(drill);
    const database =
      drill.rpo || probes.some((probe) => probe.type === 'sql') ? await connectToEnvironmentDatabase(environmentName, environment, options) : undefined;
    const kube = probes.some((probe) => probe.type === 'kubernetes-workloads') ? connectToEnvironmentCluster(environmentName, environment, options) : undefined;
    const workloads = kube && ((name: string): Probe => workloadsProbe(kube.kube, name, kube.target.allowedNamespaces));
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

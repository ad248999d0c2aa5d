import type { Probe } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { commandFault, RUN_UNDO_COMMAND, runUndoCommand, type ShellContext, type UndoCommandParams } from '../faults/command-fault.js';
import { connectToEnvironmentDatabase } from './postgres-environment.js';
import type { ComposeOptions, KindRuntime } from './kind-runtime.js';
import { connectToEnvironmentCluster } from './kube-environment.js';
import { commandRunbookFor, drillProbes, rpoMarkerFor } from './probes.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';

/** How long the undo command may run when the drill that recorded it is not at hand (crash recovery). */
const UNDO_TIMEOUT_MS = 30 * 60_000;

export const commandRuntime: KindRuntime<'command'> = {
  async build(drill, { environmentName, environment, runId, options }) {
    const probes = [...drill.steadyState.probes, ...drill.verify];
    const database =
      drill.rpo || probes.some((probe) => probe.type === 'sql') ? await connectToEnvironmentDatabase(environmentName, environment, options) : undefined;
    const kube = probes.some((probe) => probe.type === 'kubernetes-workloads') ? connectToEnvironmentCluster(environmentName, environment, options) : undefined;
    const workloads = kube && ((name: string): Probe => workloadsProbe(kube.kube, name, kube.target.allowedNamespaces));
    return {
      fault: commandFault(drill.target, shellContext(environmentName, options, drill.maxDuration, runId)),
      ...drillProbes(drill, { pool: database?.pool, workloads, cwd: options.configDir }),
      rpo: drill.rpo && database && rpoMarkerFor(drill.rpo, database.pool, runId),
      runbook: commandRunbookFor(drill, options.configDir),
      close: async () => void (await database?.pool.end()),
    };
  },
  undo: {
    async [RUN_UNDO_COMMAND](params, { environmentName, options }) {
      const command = (params as Partial<UndoCommandParams>).command;
      if (typeof command !== 'string') throw new UserError('the recorded undo holds no command', 'undo the drill by hand, then run `firedrill recover`');
      return runUndoCommand({ command }, shellContext(environmentName, options, UNDO_TIMEOUT_MS));
    },
  },
};

/** Commands run in the config file's folder and are told which environment (and run) they serve. */
function shellContext(environmentName: string, options: ComposeOptions, timeoutMs: number, runId?: string): ShellContext {
  return {
    timeoutMs,
    cwd: options.configDir,
    env: { ...options.env, FIREDRILL_ENVIRONMENT: environmentName, ...(runId ? { FIREDRILL_RUN_ID: runId } : {}) },
  };
}

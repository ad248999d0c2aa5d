import * as z from 'zod';
import path from 'node:path';
import type { KubernetesTarget } from '../config/config-schema.js';
import type { DeleteClusterDrill } from '../catalogue/drill-schema.js';
import type { Fault, Probe } from '../engine/ports.js';
import type { Shell } from '../probes/shell-command.js';
import { UserError } from '../errors.js';
import { REBUILD_CLUSTER, rebuildCluster, teardownFault, type TeardownCommands } from '../faults/teardown-fault.js';
import { drillShell, runShell, undoShell } from './command-shell.js';
import { connectToEnvironmentDatabase } from './postgres-environment.js';
import type { ComposeOptions, KindContext, KindRuntime } from './kind-runtime.js';
import { connectToEnvironmentCluster, guardProductionContext, productionRefusal } from './kube-environment.js';
import { allProbeSpecs, commandRunbookFor, drillProbes, rpoMarkerFor } from './probes.js';
import type { KubeContext } from '../../adapters/kubernetes/kube-context.js';
import {
  deleteNamespacesFault,
  prepareDeleteNamespaces,
  RESTORE_NAMESPACES,
  restoreNamespaces,
  type RestoreNamespacesParams,
} from '../../adapters/kubernetes/delete-namespaces-fault.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';
import { parseUndoParams, SavedObject } from './undo-params.js';
import { drilledNamespaces, veleroRecoveryFor, withBackupPreflight } from './velero-recovery.js';

/** How long the undo waits for a deleted namespace to finish terminating before re-creating it. */
const NAMESPACE_TERMINATION_TIMEOUT_MS = 10 * 60_000;

const RestoreNamespacesParamsSchema = z.object({
  context: z.string(),
  namespaces: z.array(z.object({ name: z.string().min(1), objects: z.array(SavedObject) })),
}) as unknown as z.ZodType<RestoreNamespacesParams>;

export const deleteClusterRuntime: KindRuntime<'delete-cluster'> = {
  async build(drill, context) {
    const { environmentName, environment, runId, options } = context;
    if (drill.target.mode === 'teardown' && environment.kubernetes && environment.kubernetes.kubeconfig === undefined) {
      throw new UserError(
        `drill ${drill.id} would tear down the cluster firedrill itself runs in (environment "${environmentName}" uses the in-cluster account)`,
        'run firedrill outside the staging cluster and give the environment a kubeconfig for it',
      );
    }
    const { kube, target } = connectToEnvironmentCluster(environmentName, environment, options);
    const refusal = productionRefusal(kube, environmentName, environment);
    // Velero is asked nothing about a refused (production-looking) cluster.
    const velero = refusal ? undefined : veleroRecoveryFor(drill, kube, target, runId);
    const drillFault = refusal ? refusedFault(drill) : await faultFor(drill, kube, target, context);
    const fault = velero ? withBackupPreflight(drillFault, velero) : drillFault;
    // The data half of "rebuild from code and restore the data": SQL probes and the RPO marker.
    const database = drill.rpo || usesSql(drill) ? await connectToEnvironmentDatabase(environmentName, environment, options) : undefined;
    // A rebuilt cluster usually comes with a new kubeconfig: teardown mode reads it for every check.
    const reopen = drill.target.mode === 'teardown' ? () => connectToEnvironmentCluster(environmentName, environment, options).kube : undefined;
    const workloads = (name: string): Probe => workloadsProbe(kube, name, target.allowedNamespaces, { reopen });
    const shell = drillShell(drill.id, context);
    const probes = drillProbes(drill, { pool: database?.pool, workloads, shell });
    return {
      fault: guardProductionContext(fault, kube, refusal),
      // With Velero, service is back only once its restore is Completed: the RTO includes the restore.
      steadyState: velero ? [...probes.steadyState, velero.probe] : probes.steadyState,
      verify: probes.verify,
      // The drill's own data marker when it has one; else what the backup implies: its age at injection.
      rpo: (drill.rpo && database && rpoMarkerFor(drill.rpo, database.pool, runId)) || velero?.rpo,
      runbook: velero?.runbook ?? commandRunbookFor(drill, shell),
      close: async () => void (await database?.pool.end()),
    };
  },
  undo: {
    async [RESTORE_NAMESPACES](params, { environmentName, environment, options }) {
      const checked = parseUndoParams(RestoreNamespacesParamsSchema, params, RESTORE_NAMESPACES, "apply the namespaces' manifests from your repository");
      const { kube } = connectToEnvironmentCluster(environmentName, environment, options);
      return restoreNamespaces(kube, checked, { terminationTimeoutMs: NAMESPACE_TERMINATION_TIMEOUT_MS });
    },
    async [REBUILD_CLUSTER](_params, context) {
      const { environmentName, environment } = context;
      const target = environment.kubernetes;
      if (!target?.teardown) {
        throw new UserError(
          `environment "${environmentName}" no longer has kubernetes.teardown, so its rebuild command cannot run`,
          'put it back, or rebuild the cluster by hand and then run `firedrill recover`',
        );
      }
      return rebuildCluster(teardownCommands(target, undoShell(context.options.configDir, context), context.options));
    },
  },
};

async function faultFor(drill: DeleteClusterDrill, kube: KubeContext, target: KubernetesTarget, context: KindContext): Promise<Fault> {
  const { environmentName, options } = context;
  if (drill.target.mode === 'teardown') {
    if (!target.teardown) {
      throw new UserError(
        `drill ${drill.id} tears the cluster down, but environment "${environmentName}" has no kubernetes.teardown`,
        'add kubernetes.teardown.command and kubernetes.teardown.rebuild to the environment, or use target.mode: namespaces',
      );
    }
    const identity = { runId: context.runId, drillId: drill.id, environmentName };
    const shell = runShell({ cwd: options.configDir, identity, environment: context.environment, options, processes: context.processes });
    return teardownFault(teardownCommands(target, shell, options), `environment ${environmentName} (context ${kube.contextName})`);
  }
  const rules = { allowedNamespaces: target.allowedNamespaces, selfNamespace: options.env.POD_NAMESPACE || undefined };
  const namespaces = drilledNamespaces(drill, target);
  return deleteNamespacesFault(kube, await prepareDeleteNamespaces(kube, namespaces, rules), rules);
}

/** A production-looking cluster is not even listed: preflight refuses it with the reason. */
function refusedFault(drill: DeleteClusterDrill): Fault {
  return {
    plan: () => [`nothing: the drill ${drill.id} is refused in this context`],
    preflight: async () => [],
    undoAction: async () => {
      throw new Error('the drill was refused; there is nothing to undo');
    },
    inject: async () => {
      throw new Error('the drill was refused');
    },
  };
}

function usesSql(drill: DeleteClusterDrill): boolean {
  return allProbeSpecs(drill).some((probe) => probe.type === 'sql');
}

/**
 * The environment's teardown and rebuild commands, in `shell`: the config file names them, so
 * they run in its folder and relative paths (terraform -chdir=infra/staging) mean the same as in it.
 */
function teardownCommands(target: KubernetesTarget, shell: Shell, options: ComposeOptions): TeardownCommands {
  const teardown = target.teardown!;
  const kubeconfig = typeof target.kubeconfig === 'string' ? { KUBECONFIG: path.resolve(options.configDir, target.kubeconfig) } : {};
  const env = { ...shell.env, ...kubeconfig, ...(target.context ? { FIREDRILL_KUBE_CONTEXT: target.context } : {}) };
  return { ...shell, env, command: teardown.command, rebuild: teardown.rebuild, timeoutMs: teardown.timeout };
}

import * as z from 'zod';
import type { Probe } from '../engine/ports.js';
import { drillShell } from './command-shell.js';
import { commandRunbookFor, drillProbes } from './probes.js';
import type { KindRuntime } from './kind-runtime.js';
import { connectToEnvironmentCluster, guardProductionContext, productionRefusal } from './kube-environment.js';
import { deleteNodeFault, prepareDeleteNode, RECREATE_NODE, recreateNode, type RecreateNodeParams } from '../../adapters/kubernetes/delete-node-fault.js';
import { drainNodeFault, prepareLoseNode, UNCORDON_NODE, uncordonNode, type UncordonParams } from '../../adapters/kubernetes/lose-node-fault.js';
import { NO_TARGET } from '../../adapters/kubernetes/lose-node-target.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';
import { parseUndoParams } from './undo-params.js';

const UncordonParamsSchema: z.ZodType<UncordonParams> = z.object({ node: z.string().min(1), context: z.string() });
const RecreateNodeParamsSchema = z.object({
  node: z.string().min(1),
  context: z.string(),
  saved: z.looseObject({ metadata: z.looseObject({ name: z.string() }), spec: z.looseObject({}) }),
}) as unknown as z.ZodType<RecreateNodeParams>;

export const loseNodeRuntime: KindRuntime<'lose-node'> = {
  async build(drill, context) {
    const { environmentName, environment, runId, options } = context;
    const { kube, target } = connectToEnvironmentCluster(environmentName, environment, options);
    const nodeSelector = combineSelectors(target.nodeSelector, drill.target.nodeSelector);
    const refusal = productionRefusal(kube, environmentName, environment);
    const rules = { nodeSelector, allowControlPlane: target.allowControlPlane, selfNode: options.env.NODE_NAME || undefined };
    const deleting = drill.target.mode === 'delete';
    const prepare = deleting ? prepareDeleteNode : prepareLoseNode;
    // A production-looking cluster is not even listed: preflight refuses it with the reason.
    const prepared = refusal ? NO_TARGET : await prepare(kube, rules, target.allowedNamespaces, runId);
    const faultOptions = { kube, target: prepared, allowedNamespaces: target.allowedNamespaces, nodeSelector };
    const fault = deleting ? deleteNodeFault(faultOptions) : drainNodeFault({ ...faultOptions, maxDurationMs: drill.maxDuration });
    const workloads = (name: string): Probe => workloadsProbe(kube, name, target.allowedNamespaces, { podsNeedTheirNode: true });
    return {
      fault: guardProductionContext(fault, kube, refusal),
      ...drillProbes(drill, { workloads, shell: drillShell(drill.id, context) }),
      runbook: commandRunbookFor(drill, drillShell(drill.id, context)),
      close: async () => undefined,
    };
  },
  undo: {
    async [UNCORDON_NODE](params, { environmentName, environment, options }) {
      const checked = parseUndoParams(UncordonParamsSchema, params, UNCORDON_NODE, 'uncordon the node with kubectl uncordon');
      const { kube } = connectToEnvironmentCluster(environmentName, environment, options);
      return uncordonNode(kube, checked);
    },
    async [RECREATE_NODE](params, { environmentName, environment, options }) {
      const checked = parseUndoParams(RecreateNodeParamsSchema, params, RECREATE_NODE, 'add the node back to the cluster');
      const { kube } = connectToEnvironmentCluster(environmentName, environment, options);
      return recreateNode(kube, checked);
    },
  },
};

/** The drill may narrow the environment's nodes, never widen them: both selectors must match. */
function combineSelectors(environment: string | undefined, drill: string | undefined): string | undefined {
  const parts = [environment, drill].filter((part): part is string => Boolean(part?.trim()));
  return parts.length ? parts.join(',') : undefined;
}

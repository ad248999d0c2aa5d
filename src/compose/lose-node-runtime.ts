import type { Probe } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { commandRunbook, probeFor } from './probes.js';
import type { KindRuntime } from './kind-runtime.js';
import { connectToEnvironmentCluster, guardProductionContext, productionRefusal } from './kube-environment.js';
import { drainNodeFault, prepareLoseNode, UNCORDON_NODE, uncordonNode, type UncordonParams } from '../../adapters/kubernetes/lose-node-fault.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';

export const loseNodeRuntime: KindRuntime<'lose-node'> = {
  async build(drill, { environmentName, environment, runId, options }) {
    if (drill.target.mode !== 'drain') {
      throw new UserError(`lose-node mode "${drill.target.mode}" cannot run in this version of firedrill`, 'use target.mode: drain');
    }
    const { kube, target } = await connectToEnvironmentCluster(environmentName, environment, options);
    const nodeSelector = combineSelectors(target.nodeSelector, drill.target.nodeSelector);
    const refusal = productionRefusal(kube, environmentName, environment);
    // A production-looking cluster is not even listed: preflight refuses it with the reason.
    const prepared = refusal
      ? { node: undefined, choice: { candidates: [], excluded: [] }, pods: [] }
      : await prepareLoseNode(
          kube,
          { nodeSelector, allowControlPlane: target.allowControlPlane, selfNode: options.env.NODE_NAME || undefined },
          target.allowedNamespaces,
          runId,
        );
    const fault = drainNodeFault({ kube, target: prepared, allowedNamespaces: target.allowedNamespaces, nodeSelector, maxDurationMs: drill.maxDuration });
    const workloads = (name: string): Probe => workloadsProbe(kube, name, target.allowedNamespaces);
    return {
      fault: guardProductionContext(fault, kube, refusal),
      steadyState: drill.steadyState.probes.map((spec, index) => probeFor(spec, `probe ${index + 1}`, undefined, workloads)),
      verify: drill.verify.map((spec, index) => probeFor(spec, `check ${index + 1}`, undefined, workloads)),
      runbook: drill.recovery.mode === 'automated' && drill.recovery.runbook.action === 'command' ? commandRunbook(drill.recovery.runbook.run, drill.maxDuration) : undefined,
      close: async () => undefined,
    };
  },
  undo: {
    async [UNCORDON_NODE](params, { environmentName, environment, options }) {
      const { kube } = await connectToEnvironmentCluster(environmentName, environment, options);
      return uncordonNode(kube, params as unknown as UncordonParams);
    },
  },
};

/** The drill may narrow the environment's nodes, never widen them: both selectors must match. */
function combineSelectors(environment: string | undefined, drill: string | undefined): string | undefined {
  const parts = [environment, drill].filter((part): part is string => Boolean(part?.trim()));
  return parts.length ? parts.join(',') : undefined;
}

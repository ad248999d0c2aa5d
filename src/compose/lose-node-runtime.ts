import path from 'node:path';
import type { Environment, KubernetesTarget } from '../catalogue/config-schema.js';
import { looksLikeProduction } from '../engine/environment-guard.js';
import type { Fault, Probe } from '../engine/ports.js';
import { UserError } from '../errors.js';
import { commandRunbook, probeFor } from './probes.js';
import type { ComposeOptions, KindRuntime } from './kind-runtime.js';
import { openKubeContext, type KubeContext, type KubeconfigSource } from '../../adapters/kubernetes/kube-context.js';
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

/** Why this context may not be drilled (its name or server looks like production); undefined when it may. */
function productionRefusal(kube: KubeContext, environmentName: string, environment: Environment): string | undefined {
  if (environment.allowProductionLookingNames) return undefined;
  const suspect = [kube.contextName, kube.server].find((text) => looksLikeProduction(text));
  return suspect && `${suspect} looks like production; set allowProductionLookingNames: true on ${environmentName} if it is staging`;
}

function guardProductionContext(fault: Fault, kube: KubeContext, refusal: string | undefined): Fault {
  return {
    ...fault,
    preflight: async () => [
      { check: 'kube context allowed', ok: !refusal, detail: refusal ?? `context ${kube.contextName} (${kube.server}) is not production-looking` },
      // The node checks would only repeat "no candidate" for a cluster that was never listed.
      ...(refusal ? [] : await fault.preflight()),
    ],
  };
}

export async function connectToEnvironmentCluster(
  name: string,
  environment: Environment,
  options: ComposeOptions,
): Promise<{ kube: KubeContext; target: KubernetesTarget }> {
  const target = environment.kubernetes;
  if (!target) {
    throw new UserError(`environment "${name}" has no kubernetes: section`, 'lose-node drills need kubernetes.kubeconfig (or the in-cluster account), context and allowedNamespaces');
  }
  try {
    return { kube: openKubeContext(kubeconfigSource(target, name, options), target.context), target };
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `environment "${name}": cannot use its kubeconfig: ${error instanceof Error ? error.message : String(error)}`,
      'check kubernetes.kubeconfig and kubernetes.context',
    );
  }
}

function kubeconfigSource(target: KubernetesTarget, name: string, options: ComposeOptions): KubeconfigSource {
  const { kubeconfig } = target;
  if (kubeconfig === undefined) return { kind: 'in-cluster' };
  if (typeof kubeconfig === 'string') return { kind: 'file', path: path.resolve(options.configDir, kubeconfig) };
  const text = options.env[kubeconfig.env];
  if (!text) throw new UserError(`environment "${name}": variable ${kubeconfig.env} (kubernetes.kubeconfig) is not set`, `set it to the kubeconfig's YAML`);
  return { kind: 'text', text };
}

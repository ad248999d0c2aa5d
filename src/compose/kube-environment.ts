import path from 'node:path';
import type { Environment, KubernetesTarget } from '../config/config-schema.js';
import { looksLikeProduction } from '../engine/environment-guard.js';
import type { Fault } from '../engine/ports.js';
import { UserError } from '../errors.js';
import type { ComposeOptions } from './kind-runtime.js';
import { openKubeContext, type KubeContext, type KubeconfigSource } from '../../adapters/kubernetes/kube-context.js';

/** Why this context may not be drilled (its name or server looks like production); undefined when it may. */
export function productionRefusal(kube: KubeContext, environmentName: string, environment: Environment): string | undefined {
  if (environment.allowProductionLookingNames) return undefined;
  const suspect = [kube.contextName, kube.server].find((text) => looksLikeProduction(text));
  return suspect && `${suspect} looks like production; set allowProductionLookingNames: true on ${environmentName} if it is staging`;
}

export function guardProductionContext(fault: Fault, kube: KubeContext, refusal: string | undefined): Fault {
  return {
    ...fault,
    preflight: async () => [
      { check: 'kube context allowed', ok: !refusal, detail: refusal ?? `context ${kube.contextName} (${kube.server}) is not production-looking` },
      // The node checks would only repeat "no candidate" for a cluster that was never listed.
      ...(refusal ? [] : await fault.preflight()),
    ],
  };
}

/** Opens the environment's cluster from its kubeconfig (read anew on every call). */
export function connectToEnvironmentCluster(
  name: string,
  environment: Environment,
  options: ComposeOptions,
): { kube: KubeContext; target: KubernetesTarget } {
  const target = environment.kubernetes;
  if (!target) {
    throw new UserError(`environment "${name}" has no kubernetes: section`, 'Kubernetes drills need kubernetes.kubeconfig (or the in-cluster account), context and allowedNamespaces');
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

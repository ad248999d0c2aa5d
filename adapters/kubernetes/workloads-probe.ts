import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { Probe, ProbeResult } from '../../src/engine/ports.js';
import type { KubeContext } from './kube-context.js';

interface Workload {
  label: 'deployment' | 'statefulset';
  namespace: string;
  name: string;
  desired: number;
  selector: V1LabelSelector | undefined;
}

/**
 * Every Deployment and StatefulSet in the namespaces has all its desired replicas Ready, counted
 * from its pods: Ready and not terminating. Pods, not the workload's status, because an eviction
 * marks its pod terminating at once while status.readyReplicas changes only when the controllers
 * catch up (on kwok they can skip the dip entirely).
 *
 * Each check lists afresh rather than reading an informer cache: a cache can lag the injection by
 * a few milliseconds, and a check in that gap reads "recovered" at t0. Seen in the e2e test with a
 * Deployments informer: recovered 2 ms after injection, outage never seen. A list is a quorum read.
 */
export function workloadsProbe(kube: KubeContext, name: string, namespaces: readonly string[]): Probe {
  return {
    name,
    async check(): Promise<ProbeResult> {
      try {
        const short: string[] = [];
        let count = 0;
        for (const namespace of namespaces) {
          const [workloads, pods] = await Promise.all([workloadsIn(kube, namespace), kube.core.listNamespacedPod({ namespace })]);
          const available = pods.items.filter(readyAndStaying);
          for (const workload of workloads) {
            count += 1;
            const ready = available.filter((pod) => selects(workload.selector, pod.metadata?.labels ?? {})).length;
            if (ready < workload.desired) short.push(`${workload.label} ${namespace}/${workload.name} ${ready}/${workload.desired} ready`);
          }
        }
        if (short.length) return { ok: false, detail: short.join('; ') };
        return { ok: true, detail: `${count} workload(s) in ${namespaces.join(', ')} fully ready` };
      } catch (error) {
        return { ok: false, detail: `cannot read workloads: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
  };
}

async function workloadsIn(kube: KubeContext, namespace: string): Promise<Workload[]> {
  const [deployments, statefulSets] = await Promise.all([
    kube.apps.listNamespacedDeployment({ namespace }),
    kube.apps.listNamespacedStatefulSet({ namespace }),
  ]);
  return [
    ...deployments.items.map((item) => ({ label: 'deployment' as const, namespace, name: item.metadata?.name ?? '', desired: item.spec?.replicas ?? 1, selector: item.spec?.selector })),
    ...statefulSets.items.map((item) => ({ label: 'statefulset' as const, namespace, name: item.metadata?.name ?? '', desired: item.spec?.replicas ?? 1, selector: item.spec?.selector })),
  ];
}

function readyAndStaying(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  return pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/** Label selector semantics of the API server; an empty selector selects nothing, as for workloads. */
export function selects(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  const matchLabels = Object.entries(selector?.matchLabels ?? {});
  const expressions = selector?.matchExpressions ?? [];
  if (matchLabels.length === 0 && expressions.length === 0) return false;
  if (!matchLabels.every(([key, value]) => labels[key] === value)) return false;
  return expressions.every(({ key, operator, values = [] }) => {
    const has = key in labels;
    switch (operator) {
      case 'In':
        return has && values.includes(labels[key]!);
      case 'NotIn':
        return !has || !values.includes(labels[key]!);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

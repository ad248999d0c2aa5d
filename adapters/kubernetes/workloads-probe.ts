import type { V1LabelSelector, V1Pod } from '@kubernetes/client-node';
import type { Probe, ProbeResult } from '../../src/engine/ports.js';
import { watchForChanges } from './change-watch.js';
import { statusOf, type KubeContext } from './kube-context.js';

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
 * Watches on the same objects only wake the engine, so a change is checked when it happens rather
 * than at the next interval: the watch says when to look, the list says what is true.
 */
export interface WorkloadsProbeOptions {
  /**
   * Count a pod whose node no longer exists as lost. A deleted node's pods keep reading Ready
   * until the pod garbage collector removes them (40-80 s on a test control plane), though
   * nothing serves them: without this, losing a node by deletion looks like no outage at all.
   * Costs one list of nodes per check, so only lose-node drills ask for it.
   */
  podsNeedTheirNode?: boolean;
  /**
   * Opens the cluster afresh for every check, and does not watch: after a teardown and rebuild
   * the cluster's kubeconfig (endpoint, CA, credentials) is usually new.
   */
  reopen?: () => KubeContext;
}

export function workloadsProbe(cluster: KubeContext, name: string, namespaces: readonly string[], options: WorkloadsProbeOptions = {}): Probe {
  // The workloads of the first green check (the steady state before injection): each must come
  // back, so a namespace rebuilt with half its Deployments is not "recovered".
  let expected: Set<string> | undefined;
  return {
    name,
    async check(): Promise<ProbeResult> {
      try {
        const kube = options.reopen ? options.reopen() : cluster;
        const short: string[] = [];
        const present = new Set<string>();
        const nodes = options.podsNeedTheirNode ? new Set((await kube.core.listNode()).items.map((node) => node.metadata?.name)) : undefined;
        const available = (pod: V1Pod) => readyAndStaying(pod) && (!nodes || nodes.has(pod.spec?.nodeName));
        for (const namespace of namespaces) {
          const [gone, workloads, pods] = await Promise.all([namespaceGoing(kube, namespace), workloadsIn(kube, namespace), kube.core.listNamespacedPod({ namespace })]);
          // A namespace being deleted still shows Ready pods for a while: its content is on the way out.
          if (gone) {
            short.push(gone);
            continue;
          }
          const serving = pods.items.filter(available);
          for (const workload of workloads) {
            present.add(`${workload.label} ${namespace}/${workload.name}`);
            const ready = serving.filter((pod) => selects(workload.selector, pod.metadata?.labels ?? {})).length;
            if (ready < workload.desired) short.push(`${workload.label} ${namespace}/${workload.name} ${ready}/${workload.desired} ready`);
          }
        }
        const missing = [...(expected ?? [])].filter((key) => !present.has(key)).map((key) => `${key} missing`);
        if (present.size === 0 && !expected && short.length === 0) return { ok: false, detail: `no Deployment or StatefulSet in ${namespaces.join(', ')}` };
        if (missing.length || short.length) return { ok: false, detail: [...missing, ...short].join('; ') };
        expected ??= present;
        return { ok: true, detail: `${present.size} workload(s) in ${namespaces.join(', ')} fully ready` };
      } catch (error) {
        return { ok: false, detail: `cannot read workloads: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
    ...(options.reopen ? {} : { watch: (wake: () => void) => watchForChanges(cluster, watchPaths(namespaces), wake) }),
  };
}

/** What a check reads: a change to any of them may change its answer. */
function watchPaths(namespaces: readonly string[]): string[] {
  return namespaces.flatMap((namespace) => [
    `/api/v1/namespaces/${namespace}/pods`,
    `/apis/apps/v1/namespaces/${namespace}/deployments`,
    `/apis/apps/v1/namespaces/${namespace}/statefulsets`,
  ]);
}

async function namespaceGoing(kube: KubeContext, name: string): Promise<string | undefined> {
  try {
    const namespace = await kube.core.readNamespace({ name });
    return namespace.metadata?.deletionTimestamp ? `namespace ${name} is being deleted` : undefined;
  } catch (error) {
    if (statusOf(error) === 404) return `namespace ${name} does not exist`;
    throw error;
  }
}

async function workloadsIn(kube: KubeContext, namespace: string): Promise<Workload[]> {
  const [deployments, statefulSets] = await Promise.all([
    kube.apps.listNamespacedDeployment({ namespace }),
    kube.apps.listNamespacedStatefulSet({ namespace }),
  ]);
  // A workload being deleted counts as missing: what it runs is on its way out.
  const staying = <T extends { metadata?: { deletionTimestamp?: unknown } }>(items: T[]) => items.filter((item) => !item.metadata?.deletionTimestamp);
  return [
    ...staying(deployments.items).map((item) => ({ label: 'deployment' as const, namespace, name: item.metadata?.name ?? '', desired: item.spec?.replicas ?? 1, selector: item.spec?.selector })),
    ...staying(statefulSets.items).map((item) => ({ label: 'statefulset' as const, namespace, name: item.metadata?.name ?? '', desired: item.spec?.replicas ?? 1, selector: item.spec?.selector })),
  ];
}

function readyAndStaying(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  // The pod garbage collector marks a lost node's pods Failed and leaves their Ready condition.
  if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') return false;
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

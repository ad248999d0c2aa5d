import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { statusOf } from './kube-context.js';

export interface PodRef {
  namespace: string;
  name: string;
}

/**
 * The pods a drain evicts, as `kubectl drain` chooses them but only in the allowed namespaces:
 * DaemonSet pods stay (their controller would put them straight back), mirror pods cannot be
 * evicted, finished pods hold nothing.
 */
export async function podsToEvict(core: CoreV1Api, node: string, allowedNamespaces: readonly string[]): Promise<PodRef[]> {
  const pods: PodRef[] = [];
  for (const namespace of allowedNamespaces) {
    const list = await core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` });
    for (const pod of list.items) if (evictable(pod)) pods.push({ namespace, name: pod.metadata?.name ?? '' });
  }
  return pods.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

function evictable(pod: V1Pod): boolean {
  if (pod.metadata?.deletionTimestamp) return false;
  if (pod.metadata?.ownerReferences?.some((owner) => owner.kind === 'DaemonSet')) return false;
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return false;
  return pod.status?.phase !== 'Succeeded' && pod.status?.phase !== 'Failed';
}

export interface EvictOptions {
  /** Monotonic ms after which a PodDisruptionBudget refusal is final. */
  deadline: number;
  retryMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Evicts through the Eviction API, so PodDisruptionBudgets are honoured. A 429 means a budget
 * forbids it for now; like `kubectl drain`, retry until the deadline. 404: already gone.
 */
export async function evictPod(core: CoreV1Api, pod: PodRef, options: EvictOptions): Promise<'evicted' | 'gone'> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    try {
      await core.createNamespacedPodEviction({
        name: pod.name,
        namespace: pod.namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } },
      });
      return 'evicted';
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return 'gone';
      if (status !== 429 || performance.now() >= options.deadline) throw error;
      await sleep(options.retryMs ?? 1_000);
    }
  }
}

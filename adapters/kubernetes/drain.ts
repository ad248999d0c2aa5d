import { setTimeout } from 'node:timers/promises';
import type { CoreV1Api, V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import { statusOf } from './kube-context.js';

export interface PodRef {
  namespace: string;
  name: string;
}

/** A pod a drain evicts, with the controller that re-creates it elsewhere, e.g. "ReplicaSet web-5d8f". */
export interface EvictablePod extends PodRef {
  controller: string;
}

/** What draining a node does to the pods of the allowed namespaces on it. */
export interface NodePods {
  evict: EvictablePod[];
  /** No controller would re-create them: `kubectl drain` refuses them without --force, and so do we. */
  bare: PodRef[];
}

export const NO_PODS: NodePods = { evict: [], bare: [] };

export function podRef(pod: V1Pod): PodRef {
  return { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' };
}

export function podText(pod: PodRef): string {
  return `${pod.namespace}/${pod.name}`;
}

export function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  return pod.metadata?.ownerReferences?.find((owner) => owner.controller === true);
}

/** DaemonSet and mirror (static) pods belong to the node: their DaemonSet or kubelet puts them back with it. */
export function belongsToNode(pod: V1Pod): boolean {
  return controllerOf(pod)?.kind === 'DaemonSet' || Boolean(pod.metadata?.annotations?.['kubernetes.io/config.mirror']);
}

export function finished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export type DrainDecision = { action: 'evict'; controller: string } | { action: 'leave-bare' } | { action: 'skip' };

/**
 * What a drain does with one pod, as `kubectl drain` decides without --force: DaemonSet pods stay
 * (their controller would put them straight back), mirror pods cannot be evicted, finished and
 * terminating pods hold nothing, and a pod without a controller is left alone because evicting it
 * would lose it for good.
 */
export function drainDecision(pod: V1Pod): DrainDecision {
  if (pod.metadata?.deletionTimestamp || belongsToNode(pod) || finished(pod)) return { action: 'skip' };
  const controller = controllerOf(pod);
  return controller ? { action: 'evict', controller: `${controller.kind} ${controller.name}` } : { action: 'leave-bare' };
}

/** Sorts `pods` (of one node) into what a drain evicts and what it leaves: pure, for the list calls of drain and delete mode. */
export function sortForDrain(pods: readonly V1Pod[]): NodePods {
  const sorted: NodePods = { evict: [], bare: [] };
  for (const pod of pods) {
    const decision = drainDecision(pod);
    if (decision.action === 'evict') sorted.evict.push({ ...podRef(pod), controller: decision.controller });
    else if (decision.action === 'leave-bare') sorted.bare.push(podRef(pod));
  }
  const byName = (a: PodRef, b: PodRef) => podText(a).localeCompare(podText(b));
  sorted.evict.sort(byName);
  sorted.bare.sort(byName);
  return sorted;
}

/** The pods of the allowed namespaces on `node`, sorted for a drain. Only those namespaces are listed. */
export async function podsToDrain(core: CoreV1Api, node: string, allowedNamespaces: readonly string[]): Promise<NodePods> {
  const pods: V1Pod[] = [];
  for (const namespace of allowedNamespaces) {
    const list = await core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${node}` });
    pods.push(...list.items);
  }
  return sortForDrain(pods);
}

export interface EvictOptions {
  /** Monotonic ms after which a PodDisruptionBudget refusal is final. */
  deadline: number;
  retryMs?: number;
  /** An abort of the run: stop waiting for a budget. */
  signal?: AbortSignal;
}

/**
 * Evicts through the Eviction API, so PodDisruptionBudgets are honoured. A 429 means a budget
 * forbids it for now; like `kubectl drain`, retry until the deadline. 404: already gone.
 */
export async function evictPod(core: CoreV1Api, pod: PodRef, options: EvictOptions): Promise<'evicted' | 'gone'> {
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
      if (options.signal?.aborted) throw new Error(`stopped waiting to evict pod ${pod.namespace}/${pod.name}: the run was aborted while a PodDisruptionBudget held it`);
      await setTimeout(options.retryMs ?? 1_000, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}

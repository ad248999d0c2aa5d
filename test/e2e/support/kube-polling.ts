import type { KwokCluster } from './kwok-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PodRow {
  name: string;
  node: string;
  /** The Ready condition, as the workloads probe reads it. */
  ready: boolean;
  terminating: boolean;
}

export async function podsIn(cluster: KwokCluster, namespace: string): Promise<PodRow[]> {
  const list = JSON.parse(await cluster.kubectl('-n', namespace, 'get', 'pods', '-o', 'json')) as {
    items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { conditions?: { type: string; status: string }[] } }[];
  };
  return list.items.map((pod) => ({
    name: pod.metadata.name,
    node: pod.spec.nodeName ?? '',
    ready: pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    terminating: Boolean(pod.metadata.deletionTimestamp),
  }));
}

/** Reads until `done`; on timeout, fails with the last value read. */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

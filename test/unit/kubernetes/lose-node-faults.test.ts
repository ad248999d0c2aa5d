import type { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { FaultJournal } from '../../../src/engine/ports.js';
import { deleteNodeFault, prepareDeleteNode, recreateNode, type RecreateNodeParams } from '../../../adapters/kubernetes/delete-node-fault.js';
import { openKubeContext, type KubeContext } from '../../../adapters/kubernetes/kube-context.js';
import { drainNodeFault, prepareLoseNode } from '../../../adapters/kubernetes/lose-node-fault.js';
import { savedNodeObject } from '../../../adapters/kubernetes/node-object.js';

// Nothing listens on it: every call goes to the in-memory core below.
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: staging, cluster: { server: "https://staging.example:6443" } }]
contexts: [{ name: staging-eu, context: { cluster: staging, user: me } }]
users: [{ name: me, user: { token: not-a-secret } }]
`;

const apiError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

function readyNode(name: string, uid = `uid-${name}`): V1Node {
  return {
    metadata: { name, uid, resourceVersion: '1', labels: { pool: 'web' }, annotations: { 'kwok.x-k8s.io/node': 'fake' } },
    spec: { podCIDR: '10.0.0.0/24' },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function podOn(node: string, namespace: string, name: string, controller?: string): V1Pod {
  const ownerReferences = controller ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: controller, uid: `uid-${controller}`, controller: true }] : undefined;
  return { metadata: { namespace, name, ownerReferences }, spec: { nodeName: node, containers: [] }, status: { phase: 'Running' } };
}

/** An in-memory cluster with the few calls lose-node makes; `gone` pods answer evictions with 404. */
function fakeCluster(nodes: V1Node[], pods: V1Pod[], gone: string[] = []) {
  const calls: string[] = [];
  const onNode = (fieldSelector = '') => pods.filter((pod) => `spec.nodeName=${pod.spec?.nodeName}` === fieldSelector);
  const core = {
    listNode: async () => ({ items: nodes }),
    listPodForAllNamespaces: async ({ fieldSelector }: { fieldSelector?: string }) => ({ items: onNode(fieldSelector) }),
    listNamespacedPod: async ({ namespace, fieldSelector }: { namespace: string; fieldSelector?: string }) => ({
      items: onNode(fieldSelector).filter((pod) => pod.metadata?.namespace === namespace),
    }),
    readNode: async ({ name }: { name: string }) => nodes.find((node) => node.metadata?.name === name) ?? Promise.reject(apiError(404)),
    patchNode: async ({ name }: { name: string }) => void calls.push(`patch node ${name}`),
    createNamespacedPodEviction: async ({ namespace, name }: { namespace: string; name: string }) => {
      if (gone.includes(name)) throw apiError(404);
      calls.push(`evict ${namespace}/${name}`);
    },
    deleteNode: async ({ name, body }: { name: string; body?: { preconditions?: { uid?: string } } }) => {
      const index = nodes.findIndex((node) => node.metadata?.name === name);
      if (index < 0) throw apiError(404);
      if (body?.preconditions?.uid !== nodes[index]!.metadata?.uid) throw apiError(409);
      nodes.splice(index, 1);
      calls.push(`delete node ${name}`);
    },
    createNode: async ({ body }: { body: V1Node }) => {
      if (nodes.some((node) => node.metadata?.name === body.metadata?.name)) throw apiError(409);
      nodes.push({ ...body, metadata: { ...body.metadata, uid: 'uid-new' } });
      calls.push(`create node ${body.metadata?.name}`);
    },
  };
  const kube: KubeContext = { ...openKubeContext({ kind: 'text', text: KUBECONFIG }, 'staging-eu'), core: core as unknown as CoreV1Api };
  return { kube, nodes, pods, calls };
}

function recordingJournal(): FaultJournal & { steps: string[] } {
  const steps: string[] = [];
  return {
    steps,
    undoRecorded: async (undo) => void steps.push(`undo: ${undo.action}`),
    changed: async (action, undoneBy) => void steps.push(`${action} | ${undoneBy}`),
    signal: new AbortController().signal,
  };
}

const rules = { allowControlPlane: false };

describe('lose-node in drain mode', () => {
  it('leaves bare pods on the node, says so, and journals the cordon and each eviction', async () => {
    const cluster = fakeCluster(
      [readyNode('n1')],
      [podOn('n1', 'shop', 'web-a', 'web-5d8f'), podOn('n1', 'shop', 'web-b', 'web-5d8f'), podOn('n1', 'shop', 'debug'), podOn('n1', 'shop', 'web-c', 'web-5d8f')],
      ['web-c'],
    );
    const target = await prepareLoseNode(cluster.kube, rules, ['shop'], 'run-1');
    const fault = drainNodeFault({ kube: cluster.kube, target, allowedNamespaces: ['shop'], maxDurationMs: 60_000 });
    expect(fault.plan()).toEqual([
      'cordon node n1 in context staging-eu (https://staging.example:6443)',
      'evict pod shop/web-a (Eviction API, PodDisruptionBudgets honoured)',
      'evict pod shop/web-b (Eviction API, PodDisruptionBudgets honoured)',
      'evict pod shop/web-c (Eviction API, PodDisruptionBudgets honoured)',
      'pod shop/debug has no controller and stays on the node (evicting it would lose it for good)',
      'pods of namespaces other than shop and DaemonSet pods stay on the node',
    ]);
    expect((await fault.preflight())[0]).toEqual({ check: 'node to lose', ok: true, detail: 'n1, picked among n1; pods without a controller stay on it: shop/debug' });

    const journal = recordingJournal();
    await fault.inject(journal);
    expect(cluster.calls).toEqual(['patch node n1', 'evict shop/web-a', 'evict shop/web-b']);
    expect(journal.steps.sort()).toEqual([
      'cordoned node n1 | uncordon node n1 (the undo recorded before injection)',
      'evicted pod shop/web-a | none needed: its ReplicaSet web-5d8f re-creates it on another node',
      'evicted pod shop/web-b | none needed: its ReplicaSet web-5d8f re-creates it on another node',
      'pod shop/web-c was already gone when its eviction was sent | none needed: nothing changed',
    ]);
  });
});

describe('lose-node in delete mode', () => {
  it('rules out nodes whose loss would reach pods outside the allowed namespaces', async () => {
    const cluster = fakeCluster(
      [readyNode('n1'), readyNode('n2')],
      [podOn('n1', 'kube-system', 'coredns-1', 'coredns'), podOn('n1', 'shop', 'web-a', 'web-5d8f'), podOn('n2', 'shop', 'web-b', 'web-5d8f'), podOn('n2', 'shop', 'debug')],
    );
    const target = await prepareDeleteNode(cluster.kube, rules, ['shop'], 'run-1');
    expect(target.node).toBe('n2');
    expect(target.choice.excluded).toEqual([{ node: 'n1', reason: 'runs pods outside the allowed namespaces: kube-system/coredns-1' }]);
    const fault = deleteNodeFault({ kube: cluster.kube, target, allowedNamespaces: ['shop'] });
    expect(fault.plan()).toEqual([
      'save node n2, then delete it in context staging-eu (https://staging.example:6443)',
      'its pods shop/web-b are removed by the pod garbage collector (40 to 80 s later on a default control plane) and re-created elsewhere by their controllers',
      'pod shop/debug has no controller: it is lost for good with the node',
      'DaemonSet and static pods leave with the node and return with it',
      'the undo re-creates the Node object from the saved copy (name, labels, annotations, spec)',
    ]);
    expect((await fault.preflight())[0]!.detail).toBe(
      'n2, picked among n2; ruled out: n1 (runs pods outside the allowed namespaces: kube-system/coredns-1); pods without a controller are lost with it: shop/debug',
    );
  });

  it('saves the node, deletes it, and the undo re-creates it once', async () => {
    const cluster = fakeCluster([readyNode('n1')], [podOn('n1', 'shop', 'web-a', 'web-5d8f')]);
    const fault = deleteNodeFault({ kube: cluster.kube, target: await prepareDeleteNode(cluster.kube, rules, ['shop'], 'run-1'), allowedNamespaces: ['shop'] });
    const undo = await fault.undoAction();
    expect(undo.action).toBe('recreate-node');
    expect(undo.params).toEqual({ node: 'n1', context: 'staging-eu', saved: savedNodeObject(readyNode('n1')) });

    const journal = recordingJournal();
    await fault.inject(journal);
    expect(journal.steps).toEqual(['deleted node n1 | the recorded undo re-creates it from the saved object']);
    expect(cluster.nodes).toEqual([]);

    // As the journal stores them: plain JSON.
    const params = JSON.parse(JSON.stringify(undo.params)) as RecreateNodeParams;
    expect(await recreateNode(cluster.kube, params)).toBe('re-created node n1 from its saved object');
    expect(cluster.nodes[0]?.metadata?.labels).toEqual({ pool: 'web' });
    expect(await recreateNode(cluster.kube, params)).toBe('node n1 exists again (re-registered or re-created); nothing to do');
    expect(cluster.calls).toEqual(['delete node n1', 'create node n1']);
  });

  it('deletes nothing when a pod of another namespace arrived after the plan, or the node was replaced', async () => {
    const cluster = fakeCluster([readyNode('n1')], []);
    const fault = deleteNodeFault({ kube: cluster.kube, target: await prepareDeleteNode(cluster.kube, rules, ['shop'], 'run-1'), allowedNamespaces: ['shop'] });
    await fault.undoAction();
    cluster.pods.push(podOn('n1', 'billing', 'invoices-1', 'invoices'));
    await expect(fault.inject(recordingJournal())).rejects.toThrow(
      'node n1 now runs pods outside the allowed namespaces (billing/invoices-1); nothing was deleted. Run the drill again: another node may qualify',
    );
    cluster.pods.length = 0;
    cluster.nodes.splice(0, 1, readyNode('n1', 'uid-registered-again'));
    await expect(fault.inject(recordingJournal())).rejects.toThrow('node n1 was deleted and registered again since it was saved; nothing was deleted');
    expect(cluster.calls).toEqual([]);
  });

  it('the undo refuses another context and a missing saved object', async () => {
    const cluster = fakeCluster([], []);
    const saved = savedNodeObject(readyNode('n1'));
    await expect(recreateNode(cluster.kube, { node: 'n1', context: 'prod-eu', saved })).rejects.toThrow(
      'node n1 was deleted in context prod-eu, but the environment now uses staging-eu; re-create it by hand',
    );
    await expect(recreateNode(cluster.kube, { node: 'n1', context: 'staging-eu', saved: {} } as unknown as RecreateNodeParams)).rejects.toThrow(
      'the undo for node n1 holds no saved Node object',
    );
    expect(cluster.calls).toEqual([]);
  });
});

import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { UndoAction } from '../../src/engine/events.js';
import type { Fault } from '../../src/engine/ports.js';
import { belongsToNode, finished, NO_PODS, podRef, podText, sortForDrain, type PodRef } from './drain.js';
import { refuseOtherContext, type KubeContext } from './kube-context.js';
import { nodeToLoseCheck, podList, selectorText, type LoseNodeTarget } from './lose-node-target.js';
import { asSavedNode, createNodeFrom, deleteNodeObject, readNode, savedNodeObject, type SavedNode } from './node-object.js';
import { candidateNodes, pickNode, type NodeChoice, type NodeRules } from './nodes.js';

export const RECREATE_NODE = 'recreate-node';

export interface RecreateNodeParams {
  node: string;
  /** The context the node was deleted in: the undo refuses to act in any other. */
  context: string;
  saved: SavedNode;
}

/**
 * The pods that deleting the node would take from namespaces the drill may not touch. A deleted
 * node's pods all go, in every namespace, so one of these rules the node out. DaemonSet and
 * static pods belong to the node and come back with it; finished pods hold nothing. Terminating
 * pods count: deleting the node would cut their graceful shutdown short.
 */
export function podsOutsideNamespaces(pods: readonly V1Pod[], allowedNamespaces: readonly string[]): PodRef[] {
  return pods
    .filter((pod) => !belongsToNode(pod) && !finished(pod) && !allowedNamespaces.includes(pod.metadata?.namespace ?? ''))
    .map(podRef)
    .sort((a, b) => podText(a).localeCompare(podText(b)));
}

async function podsOnNode(core: CoreV1Api, node: string): Promise<V1Pod[]> {
  return (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
}

/** Picks a node whose loss stays inside the allowed namespaces and lists its pods: read-only, for `plan`. */
export async function prepareDeleteNode(
  kube: KubeContext,
  rules: NodeRules,
  allowedNamespaces: readonly string[],
  runId: string,
): Promise<LoseNodeTarget> {
  const listed = await candidateNodes(kube.core, rules);
  const choice: NodeChoice = { candidates: [], excluded: [...listed.excluded] };
  const podsByNode = new Map<string, V1Pod[]>();
  // One node at a time: a staging cluster has few nodes, and the API server is spared a burst.
  for (const node of listed.candidates) {
    const pods = await podsOnNode(kube.core, node);
    const outside = podsOutsideNamespaces(pods, allowedNamespaces);
    if (outside.length) {
      choice.excluded.push({ node, reason: `runs pods outside the allowed namespaces: ${podList(outside)}` });
    } else {
      choice.candidates.push(node);
      podsByNode.set(node, pods);
    }
  }
  const node = pickNode(choice.candidates, runId);
  const inAllowed = (pod: V1Pod) => allowedNamespaces.includes(pod.metadata?.namespace ?? '');
  const pods = node ? sortForDrain((podsByNode.get(node) ?? []).filter(inAllowed)) : NO_PODS;
  return { node, choice, pods };
}

export interface DeleteNodeFaultOptions {
  kube: KubeContext;
  target: LoseNodeTarget;
  allowedNamespaces: readonly string[];
  nodeSelector?: string;
}

/** lose-node, delete mode: save the Node object, then delete it; the undo re-creates it. */
export function deleteNodeFault(options: DeleteNodeFaultOptions): Fault {
  const { kube, target, allowedNamespaces } = options;
  const where = `in context ${kube.contextName} (${kube.server})`;
  // Set by undoAction, which the engine journals before inject: inject deletes exactly the object saved.
  let saved: { uid: string; node: SavedNode } | undefined;
  return {
    plan() {
      if (!target.node) return [`no node to delete: none of the allowed nodes${selectorText(options.nodeSelector)} qualifies`];
      const { evict, bare } = target.pods;
      return [
        `save node ${target.node}, then delete it ${where}${selectorText(options.nodeSelector)}`,
        evict.length
          ? `its pods ${evict.map(podText).join(', ')} are removed by the pod garbage collector (40 to 80 s later on a default control plane) and re-created elsewhere by their controllers`
          : `no pod of ${allowedNamespaces.join(', ')} runs on it`,
        ...bare.map((pod) => `pod ${podText(pod)} has no controller: it is lost for good with the node`),
        'DaemonSet and static pods leave with the node and return with it',
        'the undo re-creates the Node object from the saved copy (name, labels, annotations, spec)',
      ];
    },
    async preflight() {
      const { bare } = target.pods;
      const note = bare.length ? `pods without a controller are lost with it: ${podList(bare)}` : '';
      return [nodeToLoseCheck(target, options.nodeSelector, note)];
    },
    async undoAction(): Promise<UndoAction> {
      if (!target.node) throw new Error('no node was picked, so there is nothing to undo');
      const node = await readNode(kube.core, target.node);
      if (!node) throw new Error(`node ${target.node} no longer exists; nothing was saved or deleted`);
      saved = { uid: node.metadata?.uid ?? '', node: savedNodeObject(node) };
      const params: RecreateNodeParams = { node: target.node, context: kube.contextName, saved: saved.node };
      return { action: RECREATE_NODE, description: `re-create node ${target.node} ${where} from its saved object, unless it exists again`, params: { ...params } };
    },
    async inject(journal) {
      const node = target.node;
      if (!node || !saved) throw new Error('the node was not saved before injection; nothing was deleted');
      // Checked again: a pod of another namespace may have been scheduled there since plan and preflight.
      const outside = podsOutsideNamespaces(await podsOnNode(kube.core, node), allowedNamespaces);
      if (outside.length) {
        throw new Error(`node ${node} now runs pods outside the allowed namespaces (${podList(outside)}); nothing was deleted. Run the drill again: another node may qualify`);
      }
      const result = await deleteNodeObject(kube.core, node, saved.uid);
      if (result === 'missing') throw new Error(`node ${node} no longer exists`);
      if (result === 'replaced') throw new Error(`node ${node} was deleted and registered again since it was saved; nothing was deleted`);
      await journal.changed(`deleted node ${node}`, 'the recorded undo re-creates it from the saved object');
    },
  };
}

/** The undo: idempotent; a node that is back (its kubelet registered it, or a person re-created it) is left alone. */
export async function recreateNode(kube: KubeContext, params: RecreateNodeParams): Promise<string> {
  refuseOtherContext(kube, params.context, `node ${params.node} was deleted`, 're-create it by hand');
  const saved = asSavedNode(params.saved);
  if (!saved || saved.metadata.name !== params.node) {
    throw new Error(`the undo for node ${params.node} holds no saved Node object; re-create the node by hand (restarting its kubelet registers it again)`);
  }
  const existsAgain = `node ${params.node} exists again (re-registered or re-created); nothing to do`;
  if (await readNode(kube.core, params.node)) return existsAgain;
  return (await createNodeFrom(kube.core, saved)) === 'created' ? `re-created node ${params.node} from its saved object` : existsAgain;
}

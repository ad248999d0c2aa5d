import type { CoreV1Api, V1Node, V1NodeSpec } from '@kubernetes/client-node';
import { statusOf } from './kube-context.js';

/** Taints the node controllers set from the node's state (not-ready, unreachable, ...): a re-created node gets its own. */
const CONTROLLER_TAINT_PREFIX = 'node.kubernetes.io/';

/** What re-creating a deleted Node needs, as plain JSON so the journal can keep it. */
export interface SavedNode {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: V1NodeSpec;
}

/**
 * The parts of `node` that re-creating it needs: name, labels, annotations (kwok and cloud
 * controllers recognise their nodes by them) and the spec (pod CIDRs, providerID, the taints
 * people set). Status, uid, resourceVersion, managedFields and timestamps belong to the old
 * object; the kubelet or kwok reports a fresh status.
 */
export function savedNodeObject(node: V1Node): SavedNode {
  const name = node.metadata?.name;
  if (!name) throw new Error('cannot save a node without a name');
  const { taints, ...spec } = node.spec ?? {};
  const kept = (taints ?? [])
    .filter((taint) => !taint.key.startsWith(CONTROLLER_TAINT_PREFIX))
    // timeAdded is dropped: the taint is added again when the node is, and NoExecute tolerations count from then.
    .map(({ key, value, effect }) => ({ key, value, effect }));
  const saved: SavedNode = {
    metadata: { name, labels: { ...node.metadata?.labels }, annotations: { ...node.metadata?.annotations } },
    spec: kept.length ? { ...spec, taints: kept } : spec,
  };
  // Plain JSON, without the client's undefined fields: what the journal stores is what the undo creates.
  return JSON.parse(JSON.stringify(saved)) as SavedNode;
}

/** Reads a saved node back from an undo's params; undefined when it is not one. */
export function asSavedNode(value: unknown): SavedNode | undefined {
  const saved = value as Partial<SavedNode> | null | undefined;
  if (typeof saved?.metadata?.name !== 'string' || typeof saved.spec !== 'object' || saved.spec === null) return undefined;
  return { metadata: { name: saved.metadata.name, labels: { ...saved.metadata.labels }, annotations: { ...saved.metadata.annotations } }, spec: saved.spec };
}

export async function readNode(core: CoreV1Api, name: string): Promise<V1Node | undefined> {
  try {
    return await core.readNode({ name });
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/**
 * Deletes the node only while it is still the object with `uid`: a node deleted and registered
 * again in between is a different machine, and the saved copy would not describe it.
 */
export async function deleteNodeObject(core: CoreV1Api, name: string, uid: string): Promise<'deleted' | 'missing' | 'replaced'> {
  try {
    await core.deleteNode({ name, body: { preconditions: { uid } } });
    return 'deleted';
  } catch (error) {
    const status = statusOf(error);
    if (status === 404) return 'missing';
    if (status === 409) return 'replaced';
    throw error;
  }
}

/** Creates the node from its saved copy; 'exists' when a node of that name is there already. */
export async function createNodeFrom(core: CoreV1Api, saved: SavedNode): Promise<'created' | 'exists'> {
  try {
    await core.createNode({ body: { apiVersion: 'v1', kind: 'Node', metadata: saved.metadata, spec: saved.spec } });
    return 'created';
  } catch (error) {
    if (statusOf(error) === 409) return 'exists';
    throw error;
  }
}

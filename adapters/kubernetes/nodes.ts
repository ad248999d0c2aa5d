import { PatchStrategy, setHeaderOptions, type CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { statusOf } from './kube-context.js';

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

export interface NodeRules {
  /** Label selector of the nodes a drill may take away; all nodes when absent. */
  nodeSelector?: string;
  allowControlPlane: boolean;
  /** The node this bot runs on (NODE_NAME from the downward API): taking it away would end the drill's own timing. */
  selfNode?: string;
}

export interface NodeChoice {
  candidates: string[];
  /** Nodes matched by the selector but ruled out, with why: shown by plan and preflight. */
  excluded: { node: string; reason: string }[];
}

export async function candidateNodes(core: CoreV1Api, rules: NodeRules): Promise<NodeChoice> {
  const list = await core.listNode(rules.nodeSelector ? { labelSelector: rules.nodeSelector } : {});
  const choice: NodeChoice = { candidates: [], excluded: [] };
  for (const node of list.items) {
    const name = node.metadata?.name ?? '';
    const reason = exclusion(node, rules);
    if (reason) choice.excluded.push({ node: name, reason });
    else choice.candidates.push(name);
  }
  choice.candidates.sort();
  return choice;
}

function exclusion(node: V1Node, rules: NodeRules): string | undefined {
  const labels = node.metadata?.labels ?? {};
  if (!rules.allowControlPlane && CONTROL_PLANE_LABELS.some((label) => label in labels)) return 'control-plane node';
  if (rules.selfNode && node.metadata?.name === rules.selfNode) return 'firedrill runs on it';
  // Already cordoned: someone else is working on it, and our undo would uncordon it under them.
  if (node.spec?.unschedulable) return 'already cordoned';
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
  if (ready?.status !== 'True') return 'not Ready';
  return undefined;
}

/** One candidate, the same for the same run id: `plan` and the run agree, yet drills vary between runs. */
export function pickNode(candidates: readonly string[], runId: string): string | undefined {
  if (candidates.length === 0) return undefined;
  let hash = 0;
  for (const char of runId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return candidates[hash % candidates.length];
}

/** Sets spec.unschedulable with a merge patch, so that concurrent status updates by the kubelet never conflict. */
export async function setUnschedulable(core: CoreV1Api, node: string, unschedulable: boolean): Promise<'changed' | 'missing'> {
  try {
    await core.patchNode({ name: node, body: { spec: { unschedulable } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    return 'changed';
  } catch (error) {
    if (statusOf(error) === 404) return 'missing';
    throw error;
  }
}

import type { Fault } from '../../src/engine/ports.js';
import type { UndoAction } from '../../src/engine/events.js';
import { evictPod, NO_PODS, podsToDrain, podText } from './drain.js';
import { refuseOtherContext, type KubeContext } from './kube-context.js';
import { nodeToLoseCheck, podList, selectorText, type LoseNodeTarget } from './lose-node-target.js';
import { candidateNodes, pickNode, setUnschedulable, type NodeRules } from './nodes.js';

export const UNCORDON_NODE = 'uncordon-node';

export interface UncordonParams {
  node: string;
  /** The context the node was cordoned in: the undo refuses to act in any other. */
  context: string;
}

/** Picks the node and lists what draining it would touch: read-only, so `plan` can show it. */
export async function prepareLoseNode(
  kube: KubeContext,
  rules: NodeRules,
  allowedNamespaces: readonly string[],
  runId: string,
): Promise<LoseNodeTarget> {
  const choice = await candidateNodes(kube.core, rules);
  const node = pickNode(choice.candidates, runId);
  const pods = node ? await podsToDrain(kube.core, node, allowedNamespaces) : NO_PODS;
  return { node, choice, pods };
}

export interface DrainFaultOptions {
  kube: KubeContext;
  target: LoseNodeTarget;
  allowedNamespaces: readonly string[];
  nodeSelector?: string;
  /** How long a PodDisruptionBudget may hold up the drain: the drill's maxDuration. */
  maxDurationMs: number;
}

/** lose-node, drain mode: cordon, then evict every pod of the allowed namespaces that a controller re-creates. */
export function drainNodeFault(options: DrainFaultOptions): Fault {
  const { kube, target, allowedNamespaces } = options;
  const where = `in context ${kube.contextName} (${kube.server})`;
  return {
    plan() {
      if (!target.node) return [`no node to drain: none of the allowed nodes${selectorText(options.nodeSelector)} qualifies`];
      return [
        `cordon node ${target.node} ${where}${selectorText(options.nodeSelector)}`,
        ...target.pods.evict.map((pod) => `evict pod ${podText(pod)} (Eviction API, PodDisruptionBudgets honoured)`),
        ...target.pods.bare.map((pod) => `pod ${podText(pod)} has no controller and stays on the node (evicting it would lose it for good)`),
        `pods of namespaces other than ${allowedNamespaces.join(', ')} and DaemonSet pods stay on the node`,
      ];
    },
    async preflight() {
      const { bare } = target.pods;
      const note = bare.length ? `pods without a controller stay on it: ${podList(bare)}` : '';
      return [nodeToLoseCheck(target, options.nodeSelector, note)];
    },
    async undoAction(): Promise<UndoAction> {
      if (!target.node) throw new Error('no node was picked, so there is nothing to undo');
      const params: UncordonParams = { node: target.node, context: kube.contextName };
      return { action: UNCORDON_NODE, description: `uncordon node ${target.node} ${where}`, params: { ...params } };
    },
    async inject(journal) {
      const node = target.node;
      if (!node) throw new Error('no node was picked');
      const cordoned = await setUnschedulable(kube.core, node, true);
      if (cordoned === 'missing') throw new Error(`node ${node} no longer exists`);
      await journal.changed(`cordoned node ${node}`, `uncordon node ${node} (the undo recorded before injection)`);
      // Listed again after the cordon: no new pod can land on the node from here on.
      const { evict } = await podsToDrain(kube.core, node, allowedNamespaces);
      const deadline = performance.now() + options.maxDurationMs;
      // Settled, not all: when one eviction fails, the run must not move on while others still act.
      const evictions = await Promise.allSettled(
        evict.map(async (pod) => {
          const result = await evictPod(kube.core, pod, { deadline, signal: journal.signal });
          if (result === 'evicted') await journal.changed(`evicted pod ${podText(pod)}`, `none needed: its ${pod.controller} re-creates it on another node`);
          else await journal.changed(`pod ${podText(pod)} was already gone when its eviction was sent`, 'none needed: nothing changed');
        }),
      );
      const failed = evictions.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** The undo: idempotent, and a node that is gone needs nothing. */
export async function uncordonNode(kube: KubeContext, params: UncordonParams): Promise<string> {
  refuseOtherContext(kube, params.context, `node ${params.node} was cordoned`, 'uncordon it by hand');
  const result = await setUnschedulable(kube.core, params.node, false);
  return result === 'missing' ? `node ${params.node} no longer exists; nothing to uncordon` : `uncordoned node ${params.node}`;
}

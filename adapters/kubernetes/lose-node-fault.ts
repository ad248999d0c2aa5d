import type { Fault } from '../../src/engine/ports.js';
import type { UndoAction } from '../../src/engine/events.js';
import { evictPod, podsToEvict, type PodRef } from './drain.js';
import type { KubeContext } from './kube-context.js';
import { candidateNodes, pickNode, setUnschedulable, type NodeChoice, type NodeRules } from './nodes.js';

export const UNCORDON_NODE = 'uncordon-node';

export interface UncordonParams {
  node: string;
  /** The context the node was cordoned in: the undo refuses to act in any other. */
  context: string;
}

export interface LoseNodeTarget {
  node: string | undefined;
  choice: NodeChoice;
  /** The pods a drain would evict now, for `plan`; inject lists them again. */
  pods: PodRef[];
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
  const pods = node ? await podsToEvict(kube.core, node, allowedNamespaces) : [];
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

/** lose-node, drain mode: cordon, then evict every evictable pod of the allowed namespaces. */
export function drainNodeFault(options: DrainFaultOptions): Fault {
  const { kube, target, allowedNamespaces } = options;
  const where = `in context ${kube.contextName} (${kube.server})`;
  return {
    plan() {
      if (!target.node) return [`no node to drain: none of the allowed nodes${selectorText(options.nodeSelector)} qualifies`];
      return [
        `cordon node ${target.node} ${where}${selectorText(options.nodeSelector)}`,
        ...target.pods.map((pod) => `evict pod ${pod.namespace}/${pod.name} (Eviction API, PodDisruptionBudgets honoured)`),
        `pods of namespaces other than ${allowedNamespaces.join(', ')} and DaemonSet pods stay on the node`,
      ];
    },
    async preflight() {
      const excluded = target.choice.excluded.map((entry) => `${entry.node} (${entry.reason})`).join(', ');
      return [
        {
          check: 'node to lose',
          ok: target.node !== undefined,
          detail: target.node
            ? `${target.node}, picked among ${target.choice.candidates.join(', ')}${excluded ? `; ruled out: ${excluded}` : ''}`
            : `no candidate node${selectorText(options.nodeSelector)}${excluded ? `; ruled out: ${excluded}` : ''}; check kubernetes.nodeSelector`,
        },
      ];
    },
    async undoAction(): Promise<UndoAction> {
      if (!target.node) throw new Error('no node was picked, so there is nothing to undo');
      const params: UncordonParams = { node: target.node, context: kube.contextName };
      return { action: UNCORDON_NODE, description: `uncordon node ${target.node} ${where}`, params: { ...params } };
    },
    async inject() {
      if (!target.node) throw new Error('no node was picked');
      const cordoned = await setUnschedulable(kube.core, target.node, true);
      if (cordoned === 'missing') throw new Error(`node ${target.node} no longer exists`);
      // Listed again after the cordon: no new pod can land on the node from here on.
      const pods = await podsToEvict(kube.core, target.node, allowedNamespaces);
      const deadline = performance.now() + options.maxDurationMs;
      await Promise.all(pods.map((pod) => evictPod(kube.core, pod, { deadline })));
    },
  };
}

/** The undo: idempotent, and a node that is gone needs nothing. */
export async function uncordonNode(kube: KubeContext, params: UncordonParams): Promise<string> {
  if (params.context !== kube.contextName) {
    throw new Error(`node ${params.node} was cordoned in context ${params.context}, but the environment now uses ${kube.contextName}; uncordon it by hand`);
  }
  const result = await setUnschedulable(kube.core, params.node, false);
  return result === 'missing' ? `node ${params.node} no longer exists; nothing to uncordon` : `uncordoned node ${params.node}`;
}

function selectorText(selector: string | undefined): string {
  return selector ? ` (selector ${selector})` : '';
}

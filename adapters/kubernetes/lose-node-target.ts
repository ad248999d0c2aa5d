import { NO_PODS, podText, type NodePods, type PodRef } from './drain.js';
import type { NodeChoice } from './nodes.js';

/** The node a lose-node run takes away, picked before preflight: drain and delete mode share it. */
export interface LoseNodeTarget {
  node: string | undefined;
  choice: NodeChoice;
  /** The pods of the allowed namespaces on the node now, for `plan`; inject lists them again. */
  pods: NodePods;
}

/** For a cluster that is never listed (it looks like production): preflight refuses the run. */
export const NO_TARGET: LoseNodeTarget = { node: undefined, choice: { candidates: [], excluded: [] }, pods: NO_PODS };

/** The preflight check both modes show: which node, among which, and why the others were ruled out. */
export function nodeToLoseCheck(target: LoseNodeTarget, nodeSelector: string | undefined, podsNote: string): { check: string; ok: boolean; detail: string } {
  const excluded = target.choice.excluded.map((entry) => `${entry.node} (${entry.reason})`).join(', ');
  const ruledOut = excluded ? `; ruled out: ${excluded}` : '';
  return {
    check: 'node to lose',
    ok: target.node !== undefined,
    detail: target.node
      ? `${target.node}, picked among ${target.choice.candidates.join(', ')}${ruledOut}${podsNote ? `; ${podsNote}` : ''}`
      : `no candidate node${selectorText(nodeSelector)}${ruledOut}; check kubernetes.nodeSelector`,
  };
}

export function selectorText(selector: string | undefined): string {
  return selector ? ` (selector ${selector})` : '';
}

/** "a/b, c/d and 3 more": enough to act on, short enough for a chat line. */
export function podList(pods: readonly PodRef[], shown = 3): string {
  const names = pods.slice(0, shown).map(podText).join(', ');
  return pods.length > shown ? `${names} and ${pods.length - shown} more` : names;
}

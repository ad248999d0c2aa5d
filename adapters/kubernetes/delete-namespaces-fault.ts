import type { UndoAction } from '../../src/engine/events.js';
import type { Fault } from '../../src/engine/ports.js';
import { refuseOtherContext, statusOf, type KubeContext } from './kube-context.js';
import { describeObject, restoreNamespace, saveNamespace, type SavedNamespace } from './namespace-manifests.js';

export const RESTORE_NAMESPACES = 'restore-namespaces';

export interface RestoreNamespacesParams {
  /** The context the namespaces were deleted in: the undo refuses to act in any other. */
  context: string;
  namespaces: SavedNamespace[];
}

export interface NamespaceRules {
  allowedNamespaces: readonly string[];
  /** The namespace this bot runs in (POD_NAMESPACE): deleting it would end the drill's own timing. */
  selfNamespace?: string;
}

/** Why a namespace may not be deleted, or undefined when it may. */
export function namespaceRefusal(namespace: string, rules: NamespaceRules): string | undefined {
  if (!rules.allowedNamespaces.includes(namespace)) return `${namespace} is not in kubernetes.allowedNamespaces (${rules.allowedNamespaces.join(', ')})`;
  // Kubernetes re-creates these at once, and without them nothing in the cluster works.
  if (namespace === 'default' || namespace.startsWith('kube-')) return `${namespace} is a system namespace and is never deleted`;
  if (namespace === rules.selfNamespace) return `${namespace} is where firedrill itself runs`;
  return undefined;
}

export interface NamespacesPlan {
  namespaces: string[];
  /** What each namespace held when the run was prepared, for `plan`; injection saves afresh. */
  inventory: Map<string, SavedNamespace | 'missing'>;
}

/** Lists what deleting the namespaces would touch: read-only, so `plan` can show it. */
export async function prepareDeleteNamespaces(kube: KubeContext, namespaces: readonly string[], rules: NamespaceRules): Promise<NamespacesPlan> {
  const inventory = new Map<string, SavedNamespace | 'missing'>();
  for (const namespace of namespaces) {
    if (namespaceRefusal(namespace, rules)) continue;
    inventory.set(namespace, await saveNamespace(kube, namespace).catch((error: unknown) => {
      if (statusOf(error) === 404) return 'missing' as const;
      throw error;
    }));
  }
  return { namespaces: [...namespaces], inventory };
}

/** delete-cluster, namespaces mode: save each namespace's manifests, then delete the namespaces. */
export function deleteNamespacesFault(kube: KubeContext, prepared: NamespacesPlan, rules: NamespaceRules): Fault {
  const where = `in context ${kube.contextName} (${kube.server})`;
  let saved: SavedNamespace[] | undefined;
  return {
    plan() {
      return [
        ...prepared.namespaces.map((namespace) => {
          const held = prepared.inventory.get(namespace);
          if (!held || held === 'missing') return `delete namespace ${namespace} ${where}`;
          const objects = held.objects.slice(1).map(describeObject).join(', ');
          return `save then delete namespace ${namespace} ${where}: ${objects || 'no saved objects'}`;
        }),
        'everything else in them (Pods, ReplicaSets, Endpoints, Jobs, custom resources) goes too and is not saved: controllers re-create what their owners need',
        'undo: re-create every saved object that is missing, leave what the team rebuilt',
      ];
    },
    async preflight() {
      return prepared.namespaces.map((namespace) => {
        const refusal = namespaceRefusal(namespace, rules);
        const held = prepared.inventory.get(namespace);
        const detail = refusal ?? (held === 'missing' ? `namespace ${namespace} does not exist ${where}; nothing to delete` : `${held!.objects.length - 1} object(s) to save first`);
        return { check: `namespace ${namespace}`, ok: !refusal && held !== undefined && held !== 'missing', detail };
      });
    },
    async undoAction(): Promise<UndoAction> {
      // Saved now, just before injection: the undo restores what was there, not what plan saw.
      saved = await Promise.all(prepared.namespaces.map((namespace) => saveNamespace(kube, namespace)));
      const params: RestoreNamespacesParams = { context: kube.contextName, namespaces: saved };
      const counts = saved.map((entry) => `${entry.name} (${entry.objects.length} objects)`).join(', ');
      return { action: RESTORE_NAMESPACES, description: `re-create the saved objects of namespace(s) ${counts} ${where}`, params: { ...params } };
    },
    async inject(journal) {
      if (!saved) throw new Error('the namespaces were not saved; nothing is deleted without a recorded undo');
      for (const namespace of saved) {
        try {
          await kube.core.deleteNamespace({ name: namespace.name });
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
        await journal.changed(`deleted namespace ${namespace.name} ${where}`, `re-create its ${namespace.objects.length} saved objects where missing (recorded before injection)`);
      }
    },
  };
}

export interface RestoreOptions {
  /** How long to wait for a namespace to finish terminating before it can be created again. */
  terminationTimeoutMs: number;
  pollMs?: number;
}

/** The undo: idempotent; a namespace still terminating is waited for, since it takes no new objects. */
export async function restoreNamespaces(kube: KubeContext, params: RestoreNamespacesParams, options: RestoreOptions): Promise<string> {
  refuseOtherContext(kube, params.context, 'the namespaces were deleted', 'point kubernetes.context back at it, or re-apply them by hand');
  const reports: string[] = [];
  for (const namespace of params.namespaces) {
    await untilNotTerminating(kube, namespace.name, options);
    const { created, existing } = await restoreNamespace(kube, namespace);
    reports.push(`namespace ${namespace.name}: re-created ${created.length} object(s)${existing.length ? `, ${existing.length} already there` : ''}`);
  }
  return reports.join('; ');
}

async function untilNotTerminating(kube: KubeContext, name: string, options: RestoreOptions): Promise<void> {
  const deadline = performance.now() + options.terminationTimeoutMs;
  for (;;) {
    let terminating: boolean;
    try {
      terminating = Boolean((await kube.core.readNamespace({ name })).metadata?.deletionTimestamp);
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw error;
    }
    if (!terminating) return;
    if (performance.now() >= deadline) {
      throw new Error(
        `namespace ${name} is still terminating after ${Math.round(options.terminationTimeoutMs / 1000)}s; ` +
          `see \`kubectl get namespace ${name} -o yaml\` for the finalizers holding it, then run \`firedrill recover\``,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
  }
}

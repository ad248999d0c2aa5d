import type { KubernetesTarget } from '../config/config-schema.js';
import type { DeleteClusterDrill } from '../catalogue/drill-schema.js';
import type { Fault } from '../engine/ports.js';
import type { KubeContext } from '../../adapters/kubernetes/kube-context.js';
import { veleroClient } from '../../adapters/kubernetes/velero.js';
import { veleroRecovery, type VeleroRecovery } from '../../adapters/kubernetes/velero-restore.js';

/** The namespaces a namespaces-mode delete-cluster drill deletes: its own list, else every allowed one. */
export function drilledNamespaces(drill: DeleteClusterDrill, target: KubernetesTarget): string[] {
  return [...(drill.target.namespaces ?? target.allowedNamespaces)];
}

/** The drill's Velero recovery when its runbook is velero-restore, else undefined. */
export function veleroRecoveryFor(drill: DeleteClusterDrill, kube: KubeContext, target: KubernetesTarget, runId: string): VeleroRecovery | undefined {
  if (drill.recovery.mode !== 'automated' || drill.recovery.runbook.action !== 'velero-restore') return undefined;
  const runbook = drill.recovery.runbook;
  return veleroRecovery({
    kube,
    velero: veleroClient(kube, runbook.namespace),
    runId,
    drillId: drill.id,
    namespaces: drilledNamespaces(drill, target),
    rpoFromBackup: drill.rpo === undefined,
    settings: { backup: runbook.backup, schedule: runbook.schedule, namespaceMapping: runbook.namespaceMapping, timeoutMs: runbook.timeout },
  });
}

/** The fault's own checks, then the backup's: a restore that cannot work is refused before anything is deleted. */
export function withBackupPreflight(fault: Fault, recovery: VeleroRecovery): Fault {
  return {
    ...fault,
    preflight: async () => [...(await fault.preflight()), ...(await recovery.preflight())],
  };
}

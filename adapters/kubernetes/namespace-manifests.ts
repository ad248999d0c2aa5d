import { setTimeout } from 'node:timers/promises';
import type { KubernetesObject } from '@kubernetes/client-node';
import { messageOf, statusOf, type KubeContext } from './kube-context.js';

/**
 * The kinds a namespace is saved with, in the order a restore creates them: what a workload
 * needs (accounts, configuration, storage claims, services) before the workloads themselves.
 * Objects that a controller owns (ReplicaSets, Pods of a Deployment, Jobs of a CronJob,
 * EndpointSlices) are left out: re-creating their owner brings them back.
 */
export const SAVED_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'LimitRange' },
  { apiVersion: 'v1', kind: 'ResourceQuota' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'v1', kind: 'Pod' },
];

export interface SavedNamespace {
  name: string;
  /** The Namespace object itself first, then SAVED_KINDS order. */
  objects: KubernetesObject[];
}

/** Reads every object of SAVED_KINDS in the namespace, cleaned so that it can be created again. */
export async function saveNamespace(kube: KubeContext, namespace: string): Promise<SavedNamespace> {
  const own = await kube.core.readNamespace({ name: namespace });
  const objects: KubernetesObject[] = [restorable({ ...own, apiVersion: 'v1', kind: 'Namespace' } as KubernetesObject)];
  for (const { apiVersion, kind } of SAVED_KINDS) {
    const list = await kube.objects.list(apiVersion, kind, namespace);
    for (const item of list.items) {
      const object = JSON.parse(JSON.stringify({ ...item, apiVersion, kind })) as KubernetesObject;
      if (worthSaving(object)) objects.push(restorable(object));
    }
  }
  return { name: namespace, objects };
}

/** What the cluster creates by itself in every namespace, or a controller re-creates from its owner. */
function worthSaving(object: KubernetesObject): boolean {
  const name = object.metadata?.name;
  if (object.metadata?.ownerReferences?.length) return false;
  if (object.kind === 'ServiceAccount' && name === 'default') return false;
  if (object.kind === 'ConfigMap' && name === 'kube-root-ca.crt') return false;
  if (object.kind === 'Secret' && (object as { type?: string }).type === 'kubernetes.io/service-account-token') return false;
  return true;
}

/**
 * Drops what the API server assigns (uid, resourceVersion, status, cluster IPs, the node a bare
 * pod ran on): creating the object again gets fresh ones, and a stale one would be refused.
 */
export function restorable(object: KubernetesObject): KubernetesObject {
  const { metadata = {}, ...rest } = object as KubernetesObject & { status?: unknown; spec?: Record<string, unknown> };
  const clean: Record<string, unknown> = { ...rest };
  delete clean.status;
  clean.metadata = {
    name: metadata.name,
    ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
    ...(metadata.labels ? { labels: metadata.labels } : {}),
    ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
  };
  const spec = clean.spec as Record<string, unknown> | undefined;
  if (spec && object.kind === 'Service') {
    if (spec.clusterIP !== 'None') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    delete spec.healthCheckNodePort;
  }
  if (spec && object.kind === 'Pod') delete spec.nodeName;
  if (spec && object.kind === 'Namespace') delete spec.finalizers;
  if (spec && object.kind === 'PersistentVolumeClaim') {
    // The claim binds again by itself; a volumeName pins it to a volume that may be gone.
    delete spec.volumeName;
    const annotations = (clean.metadata as { annotations?: Record<string, string> }).annotations;
    if (annotations) {
      for (const key of Object.keys(annotations)) if (key.startsWith('pv.kubernetes.io/') || key.startsWith('volume.')) delete annotations[key];
    }
  }
  return clean as KubernetesObject;
}

/** About 15 s in all: enough for a new namespace to settle, short enough to report a real refusal. */
const RESTORE_RETRY_DELAYS_MS = [1_000, 2_000, 4_000, 8_000];

export interface RestoreResult {
  created: string[];
  existing: string[];
}

/**
 * Creates every saved object that does not exist, and leaves alone what does (as Velero's
 * restore does by default): after a team rebuilt from code, their newer objects win.
 * A namespace still terminating cannot take new objects; the caller waits for it to go.
 */
export async function restoreNamespace(kube: KubeContext, saved: SavedNamespace, retryDelaysMs: readonly number[] = RESTORE_RETRY_DELAYS_MS): Promise<RestoreResult> {
  const result: RestoreResult = { created: [], existing: [] };
  // One object refused must not keep the rest from coming back: try all, then try the refused
  // ones again, since a new namespace settles for a moment (its default ServiceAccount comes
  // from a controller; a webhook may not serve it yet). A retry is safe: what exists answers 409.
  let pending = [...saved.objects];
  let failures: string[] = [];
  for (const delayMs of [0, ...retryDelaysMs]) {
    if (delayMs) await setTimeout(delayMs);
    const refused: KubernetesObject[] = [];
    failures = [];
    for (const object of pending) {
      const label = describeObject(object);
      try {
        await kube.objects.create(object);
        result.created.push(label);
      } catch (error) {
        if (statusOf(error) === 409) result.existing.push(label);
        else {
          refused.push(object);
          failures.push(`${label}: ${messageOf(error)}`);
        }
      }
    }
    pending = refused;
    if (pending.length === 0) return result;
  }
  throw new Error(
    `namespace ${saved.name}: re-created ${result.created.length} object(s), but could not re-create ${failures.length}: ${failures.join('; ')}`,
  );
}

export function describeObject(object: KubernetesObject): string {
  const where = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${where}${object.metadata?.name ?? '?'}`;
}

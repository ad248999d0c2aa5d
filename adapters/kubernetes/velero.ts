import { CustomObjectsApi } from '@kubernetes/client-node';
import * as z from 'zod';
import { statusOf, type KubeContext } from './kube-context.js';

/** Velero's API group and version: Backups, Restores and BackupStorageLocations live in Velero's namespace. */
const GROUP = 'velero.io';
const VERSION = 'v1';

/** The label Velero puts on every backup a Schedule makes. */
export const SCHEDULE_LABEL = 'velero.io/schedule-name';
/** The labels firedrill puts on the Restores it creates: a crash, a probe, the RPO marker find them by run. */
export const RUN_LABEL = 'firedrill.io/run-id';
export const DRILL_LABEL = 'firedrill.io/drill';

const Metadata = z.looseObject({
  name: z.string(),
  creationTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/** What firedrill reads of a velero.io/v1 Backup; anything else is passed over. */
export const VeleroBackup = z.looseObject({
  metadata: Metadata,
  spec: z
    .looseObject({
      includedNamespaces: z.array(z.string()).nullish(),
      excludedNamespaces: z.array(z.string()).nullish(),
      storageLocation: z.string().nullish(),
    })
    .default({}),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      startTimestamp: z.string().nullish(),
      completionTimestamp: z.string().nullish(),
      expiration: z.string().nullish(),
      errors: z.number().nullish(),
      warnings: z.number().nullish(),
      failureReason: z.string().nullish(),
    })
    .default({}),
});
export type VeleroBackup = z.infer<typeof VeleroBackup>;

/** What firedrill reads of a velero.io/v1 Restore. */
export const VeleroRestore = z.looseObject({
  metadata: Metadata,
  spec: z.looseObject({ backupName: z.string().nullish() }).default({}),
  status: z
    .looseObject({
      phase: z.string().nullish(),
      progress: z.looseObject({ totalItems: z.number().nullish(), itemsRestored: z.number().nullish() }).nullish(),
      errors: z.number().nullish(),
      warnings: z.number().nullish(),
      failureReason: z.string().nullish(),
      validationErrors: z.array(z.string()).nullish(),
      completionTimestamp: z.string().nullish(),
    })
    .default({}),
});
export type VeleroRestore = z.infer<typeof VeleroRestore>;

const BackupStorageLocation = z.looseObject({
  metadata: Metadata,
  status: z.looseObject({ phase: z.string().nullish(), message: z.string().nullish() }).default({}),
});
export type BackupStorageLocation = z.infer<typeof BackupStorageLocation>;

/** A Restore's phases from which Velero moves on no further. */
export const FINISHED_RESTORE_PHASES: readonly string[] = ['Completed', 'PartiallyFailed', 'Failed', 'FailedValidation'];

export interface RestoreSpec {
  name: string;
  labels: Record<string, string>;
  backupName: string;
  includedNamespaces: readonly string[];
  namespaceMapping?: Readonly<Record<string, string>>;
}

/** The calls firedrill makes to Velero, in one namespace; each maps to a rule of deploy/kubernetes/rbac-velero-restore.yaml. */
export interface VeleroClient {
  readonly namespace: string;
  /** The Backup, or undefined when there is none of that name. */
  backup(name: string): Promise<VeleroBackup | undefined>;
  /** Every Backup a Schedule made. */
  backupsOfSchedule(schedule: string): Promise<VeleroBackup[]>;
  storageLocation(name: string): Promise<BackupStorageLocation | undefined>;
  /** Creates the Restore; when one of that name exists already (an earlier try), returns it instead. */
  createRestore(spec: RestoreSpec): Promise<VeleroRestore>;
  restore(name: string): Promise<VeleroRestore | undefined>;
  /** The watch URL of Velero's Restores, for change-watch.ts. */
  readonly restoresPath: string;
}

export function veleroClient(kube: KubeContext, namespace: string): VeleroClient {
  const api = kube.config.makeApiClient(CustomObjectsApi);
  const read = async <T>(schema: z.ZodType<T>, plural: string, name: string): Promise<T | undefined> => {
    try {
      return schema.parse(await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural, name }));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };
  return {
    namespace,
    restoresPath: `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/restores`,
    backup: (name) => read(VeleroBackup, 'backups', name),
    async backupsOfSchedule(schedule) {
      const list = await api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'backups', labelSelector: `${SCHEDULE_LABEL}=${schedule}` });
      return z.object({ items: z.array(VeleroBackup) }).parse(list).items;
    },
    storageLocation: (name) => read(BackupStorageLocation, 'backupstoragelocations', name),
    async createRestore(spec) {
      const body = {
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'Restore',
        metadata: { name: spec.name, namespace, labels: spec.labels },
        spec: {
          backupName: spec.backupName,
          // Only what the drill deleted: a backup of more must not roll anything else back.
          includedNamespaces: [...spec.includedNamespaces],
          ...(spec.namespaceMapping ? { namespaceMapping: { ...spec.namespaceMapping } } : {}),
          restorePVs: false,
        },
      };
      try {
        return VeleroRestore.parse(await api.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'restores', body }));
      } catch (error) {
        if (statusOf(error) !== 409) throw error;
        const existing = await read(VeleroRestore, 'restores', spec.name);
        if (!existing) throw error;
        return existing;
      }
    },
    restore: (name) => read(VeleroRestore, 'restores', name),
  };
}

/** The namespaces of `wanted` that the backup does not hold. */
export function namespacesNotInBackup(backup: VeleroBackup, wanted: readonly string[]): string[] {
  const included = backup.spec.includedNamespaces ?? [];
  const excluded = backup.spec.excludedNamespaces ?? [];
  const all = included.length === 0 || included.includes('*');
  return wanted.filter((namespace) => excluded.includes(namespace) || (!all && !included.includes(namespace)));
}

/** Newest first by completion: the one a restore of the schedule's latest backup uses. */
export function newestCompleted(backups: readonly VeleroBackup[]): VeleroBackup | undefined {
  return backups
    .filter((backup) => backup.status.phase === 'Completed' && backup.status.completionTimestamp)
    .sort((a, b) => Date.parse(b.status.completionTimestamp!) - Date.parse(a.status.completionTimestamp!))[0];
}

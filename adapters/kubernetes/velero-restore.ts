import { setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../../src/catalogue/duration.js';
import type { Probe, RpoMarker, Runbook, RunbookContext } from '../../src/engine/ports.js';
import { watchForChanges } from './change-watch.js';
import { messageOf, type KubeContext } from './kube-context.js';
import {
  DRILL_LABEL,
  FINISHED_RESTORE_PHASES,
  namespacesNotInBackup,
  newestCompleted,
  RUN_LABEL,
  type VeleroBackup,
  type VeleroClient,
  type VeleroRestore,
} from './velero.js';

export interface VeleroRestoreSettings {
  /** Exactly one of backup and schedule (the drill schema checks it). */
  backup?: string;
  schedule?: string;
  namespaceMapping?: Readonly<Record<string, string>>;
  /** The runbook fails when the restore takes longer; undefined: the run's maxDuration ends it. */
  timeoutMs?: number;
}

export interface VeleroRestoreInput {
  kube: KubeContext;
  velero: VeleroClient;
  runId: string;
  drillId: string;
  /** The namespaces the drill deletes: the restore brings back these and nothing else. */
  namespaces: readonly string[];
  settings: VeleroRestoreSettings;
  /** The run's RPO is the backup's age (the drill has no data marker of its own): the runbook says so on the scorecard. */
  rpoFromBackup: boolean;
  now?: () => Date;
  pollMs?: number;
}

export interface PreflightCheck {
  check: string;
  ok: boolean;
  detail: string;
}

/** Everything of one run's Velero recovery: the checks before injection, the runbook, its probe and the RPO it implies. */
export interface VeleroRecovery {
  /** Read-only: finds the backup (a schedule's newest Completed one) and keeps it for the restore. */
  preflight(): Promise<PreflightCheck[]>;
  runbook: Runbook;
  /** Green until this run's Restore exists, then only once it is Completed: the RTO includes the restore. */
  probe: Probe;
  /** The backup's age at injection: newest data present before = injection, after = the backup's completion. */
  rpo: RpoMarker;
  readonly restoreName: string;
}

const DEFAULT_POLL_MS = 500;

export function veleroRecovery(input: VeleroRestoreInput): VeleroRecovery {
  const { kube, velero, settings, namespaces } = input;
  const now = input.now ?? (() => new Date());
  // One Restore per run, named after it: a retried or resumed runbook follows the same one.
  const restoreName = `firedrill-${input.runId}`.toLowerCase().slice(0, 63).replace(/-+$/, '');
  const source = settings.backup ? `backup ${settings.backup}` : `the newest Completed backup of schedule ${settings.schedule}`;
  const where = `in namespace ${velero.namespace}`;
  let chosen: VeleroBackup | undefined;

  const describeBackup = (backup: VeleroBackup) => `${backup.metadata.name}${settings.schedule ? ` (schedule ${settings.schedule})` : ''}`;

  async function findBackup(): Promise<{ backup?: VeleroBackup; problem?: string }> {
    if (settings.backup) {
      const backup = await velero.backup(settings.backup);
      if (!backup) {
        return { problem: `no Velero Backup ${settings.backup} ${where} (or Velero is not installed there); list them with \`velero backup get -n ${velero.namespace}\` and fix recovery.runbook.backup` };
      }
      return { backup };
    }
    const made = await velero.backupsOfSchedule(settings.schedule!);
    const backup = newestCompleted(made);
    if (!backup) {
      const phases = made.map((one) => `${one.metadata.name} ${one.status.phase ?? 'New'}`).join(', ');
      return {
        problem: `schedule ${settings.schedule} has no Completed backup ${where}${made.length ? ` (${phases})` : ' (no backups at all)'}; run \`velero backup create --from-schedule ${settings.schedule} -n ${velero.namespace}\`, wait for it, and start the drill again`,
      };
    }
    return { backup };
  }

  async function backupCheck(): Promise<PreflightCheck> {
    const check = settings.backup ? `velero backup ${settings.backup}` : `velero schedule ${settings.schedule}`;
    const { backup, problem } = await findBackup();
    if (!backup) return { check, ok: false, detail: problem! };
    const name = describeBackup(backup);
    const { phase, completionTimestamp, expiration, failureReason } = backup.status;
    if (phase !== 'Completed' || !completionTimestamp) {
      return {
        check,
        ok: false,
        detail: `Backup ${name} is ${phase ?? 'New'}, not Completed${failureReason ? ` (${failureReason})` : ''}; a restore needs a Completed backup: take a new one or name another (\`velero backup describe ${backup.metadata.name} -n ${velero.namespace}\` says why)`,
      };
    }
    if (expiration && Date.parse(expiration) <= now().getTime()) {
      return { check, ok: false, detail: `Backup ${name} expired at ${expiration}: Velero deletes it; take a new backup or name another` };
    }
    const missing = namespacesNotInBackup(backup, namespaces);
    if (missing.length) {
      const holds = backup.spec.includedNamespaces?.length ? backup.spec.includedNamespaces.join(', ') : 'all namespaces';
      const excluded = backup.spec.excludedNamespaces?.length ? `, except ${backup.spec.excludedNamespaces.join(', ')}` : '';
      return { check, ok: false, detail: `Backup ${name} does not hold namespace(s) ${missing.join(', ')} (it holds ${holds}${excluded}); back them up, or name a backup that holds them` };
    }
    chosen = backup;
    const age = Math.max(0, now().getTime() - Date.parse(completionTimestamp));
    const warnings = backup.status.warnings ? `, ${backup.status.warnings} warning(s)` : '';
    return { check, ok: true, detail: `Backup ${name} Completed at ${completionTimestamp}${warnings}; expected RPO ${formatDuration(age)} (its age now)` };
  }

  async function locationCheck(): Promise<PreflightCheck | undefined> {
    const name = chosen?.spec.storageLocation;
    if (!name) return undefined;
    const check = `velero storage location ${name}`;
    const location = await velero.storageLocation(name);
    if (!location) return { check, ok: false, detail: `the backup is kept in BackupStorageLocation ${name}, which does not exist ${where}; Velero cannot read it back` };
    const phase = location.status.phase ?? 'unknown';
    if (phase !== 'Available') return { check, ok: false, detail: `BackupStorageLocation ${name} is ${phase}${location.status.message ? `: ${location.status.message}` : ''}; Velero cannot read the backup until it is Available` };
    return { check, ok: true, detail: `BackupStorageLocation ${name} is Available` };
  }

  const progressOf = (restore: VeleroRestore) => ({
    phase: restore.status.phase ?? 'New',
    itemsDone: restore.status.progress?.itemsRestored ?? null,
    itemsTotal: restore.status.progress?.totalItems ?? null,
    warnings: restore.status.warnings ?? 0,
    errors: restore.status.errors ?? 0,
  });

  async function follow(restore: VeleroRestore, signal: AbortSignal, journal: RunbookContext): Promise<string> {
    const deadline = settings.timeoutMs === undefined ? undefined : performance.now() + settings.timeoutMs;
    const describe = `\`velero restore describe ${restoreName} -n ${velero.namespace} --details\``;
    let last = '';
    for (;;) {
      const step = progressOf(restore);
      const key = JSON.stringify(step);
      if (key !== last) {
        last = key;
        await journal.progress(step);
      }
      const items = step.itemsTotal === null ? '' : `, ${step.itemsDone ?? 0}/${step.itemsTotal} items`;
      const counts = `${step.warnings} warning(s), ${step.errors} error(s)`;
      if (step.phase === 'Completed') return `Velero restore ${restoreName} Completed${items}, ${counts}`;
      if (FINISHED_RESTORE_PHASES.includes(step.phase)) {
        const reason = restore.status.failureReason || restore.status.validationErrors?.join('; ') || counts;
        throw new Error(`Velero restore ${restoreName} ${step.phase}: ${reason}; see ${describe}`);
      }
      if (signal.aborted) throw new Error(`the run stopped watching before Velero restore ${restoreName} finished (it was ${step.phase}${items}); Velero goes on with it: see ${describe}`);
      if (deadline !== undefined && performance.now() >= deadline) {
        throw new Error(`Velero restore ${restoreName} is still ${step.phase}${items} after ${formatDuration(settings.timeoutMs!)} (recovery.runbook.timeout); Velero goes on with it: see ${describe}`);
      }
      await sleep(input.pollMs ?? DEFAULT_POLL_MS, undefined, { signal }).catch(() => undefined);
      const next = await velero.restore(restoreName);
      if (!next) throw new Error(`Velero restore ${restoreName} was deleted ${where} before it finished`);
      restore = next;
    }
  }

  return {
    restoreName,
    async preflight() {
      try {
        const backup = await backupCheck();
        const location = backup.ok ? await locationCheck() : undefined;
        return location ? [backup, location] : [backup];
      } catch (error) {
        const detail = `cannot read Velero's backups ${where}: ${messageOf(error)}; is Velero installed there, and does firedrill's account have deploy/kubernetes/rbac-velero-restore.yaml?`;
        return [{ check: `velero ${settings.backup ? `backup ${settings.backup}` : `schedule ${settings.schedule}`}`, ok: false, detail }];
      }
    },
    runbook: {
      get description() {
        return `Velero restore of namespace(s) ${namespaces.join(', ')} from ${chosen ? `backup ${describeBackup(chosen)}` : source}`;
      },
      async run(signal, journal) {
        const backup = chosen;
        if (!backup) throw new Error(`no Velero backup was chosen at preflight (${source}); nothing was restored`);
        await journal.measured('velero backup', `${describeBackup(backup)}, completed ${backup.status.completionTimestamp}`);
        if (input.rpoFromBackup) {
          await journal.measured('RPO from', `the age of backup ${backup.metadata.name} at injection: the restore brings the namespaces back as they were when it completed`);
        }
        const restore = await velero.createRestore({
          name: restoreName,
          labels: { [RUN_LABEL]: input.runId, [DRILL_LABEL]: input.drillId },
          backupName: backup.metadata.name,
          includedNamespaces: namespaces,
          namespaceMapping: settings.namespaceMapping,
        });
        return follow(restore, signal, journal);
      },
    },
    probe: {
      name: 'Velero restore done',
      async check() {
        try {
          const restore = await velero.restore(restoreName);
          if (!restore) return { ok: true, detail: `no Velero restore started by this run yet (${restoreName})` };
          const step = progressOf(restore);
          const items = step.itemsTotal === null ? '' : ` (${step.itemsDone ?? 0}/${step.itemsTotal} items)`;
          return { ok: step.phase === 'Completed', detail: `Velero restore ${restoreName} ${step.phase}${items}` };
        } catch (error) {
          return { ok: false, detail: `cannot read Velero restore ${restoreName}: ${messageOf(error)}` };
        }
      },
      watch: (wake) => watchForChanges(kube, [velero.restoresPath], wake),
    },
    rpo: {
      get description() {
        return `age at injection of Velero backup ${chosen ? describeBackup(chosen) : `(${source})`}`;
      },
      // Velero reads objects between the backup's start and completion: a change in that window may or may
      // not be in it. So the data surely kept is as of the start (the RPO's high side), at best as of completion.
      get resolutionMs() {
        const started = chosen?.status.startTimestamp;
        const completed = chosen?.status.completionTimestamp;
        return started && completed ? Math.max(0, Date.parse(completed) - Date.parse(started)) : 0;
      },
      start: async () => undefined,
      stop: async () => undefined,
      async newest(atMost) {
        // Before injection everything up to now is there; the restore brings back the backup's moment.
        if (!atMost) return now();
        const restore = await velero.restore(restoreName);
        const completion = chosen?.status.completionTimestamp;
        if (restore?.status.phase !== 'Completed' || !completion) return null;
        const surelyKept = chosen?.status.startTimestamp ?? completion;
        return new Date(Math.min(Date.parse(surelyKept), atMost.getTime()));
      },
    },
  };
}

import { describe, expect, it } from 'vitest';
import { Drill } from '../../../src/catalogue/drill-schema.js';
import type { RunbookContext } from '../../../src/engine/ports.js';
import type { KubeContext } from '../../../adapters/kubernetes/kube-context.js';
import { SCHEDULE_LABEL, VeleroBackup, VeleroRestore, type RestoreSpec, type VeleroClient } from '../../../adapters/kubernetes/velero.js';
import { veleroRecovery, type VeleroRestoreSettings } from '../../../adapters/kubernetes/velero-restore.js';

const NOW = new Date('2026-11-30T12:00:00Z');

function backup(name: string, status: Record<string, unknown>, spec: Record<string, unknown> = { includedNamespaces: ['shop'], storageLocation: 'default' }, labels?: Record<string, string>): VeleroBackup {
  return VeleroBackup.parse({ metadata: { name, ...(labels ? { labels } : {}) }, spec, status });
}

const completed = (name: string, completionTimestamp: string, extra: Record<string, unknown> = {}) =>
  backup(name, { phase: 'Completed', completionTimestamp, expiration: '2026-12-30T00:00:00Z', ...extra });

/**
 * Velero's API as an in-memory implementation of VeleroClient: `restorePhases` is what the
 * Restore's status reads, one entry per read after creation (the last one stays).
 */
class FakeVelero implements VeleroClient {
  readonly namespace = 'velero';
  readonly restoresPath = '/apis/velero.io/v1/namespaces/velero/restores';
  backups: VeleroBackup[] = [];
  locationPhase = 'Available';
  created: RestoreSpec[] = [];
  restorePhases: Record<string, unknown>[] = [];
  private reads = 0;

  async backup(name: string) {
    return this.backups.find((one) => one.metadata.name === name);
  }
  async backupsOfSchedule(schedule: string) {
    return this.backups.filter((one) => one.metadata.labels?.[SCHEDULE_LABEL] === schedule);
  }
  async storageLocation(name: string) {
    return { metadata: { name }, status: { phase: this.locationPhase } };
  }
  async createRestore(spec: RestoreSpec) {
    this.created.push(spec);
    return this.current()!;
  }
  async restore() {
    if (this.created.length === 0) return undefined;
    this.reads += 1;
    return this.current();
  }
  private current() {
    const status = this.restorePhases[Math.min(this.reads, this.restorePhases.length - 1)] ?? {};
    return VeleroRestore.parse({ metadata: { name: this.created[0]!.name }, spec: { backupName: this.created[0]!.backupName }, status });
  }
}

function recoveryWith(velero: FakeVelero, settings: VeleroRestoreSettings, namespaces = ['shop']) {
  return veleroRecovery({
    kube: {} as KubeContext,
    velero,
    runId: '0b1e2f3a-0000-4000-8000-000000000001',
    drillId: 'delete-shop',
    namespaces,
    settings,
    rpoFromBackup: true,
    now: () => NOW,
    pollMs: 1,
  });
}

function recordingJournal() {
  const progress: Parameters<RunbookContext['progress']>[0][] = [];
  const measured: [string, string | number][] = [];
  const journal: RunbookContext = {
    events: async () => [],
    undoRecorded: async () => undefined,
    progress: async (step) => void progress.push(step),
    measured: async (name, value) => void measured.push([name, value]),
  };
  return { journal, progress, measured };
}

describe('Velero restore preflight', () => {
  it('accepts a Completed backup that holds the namespaces, and gives its age as the expected RPO', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
    const checks = await recoveryWith(velero, { backup: 'nightly-1' }).preflight();
    expect(checks).toEqual([
      { check: 'velero backup nightly-1', ok: true, detail: 'Backup nightly-1 Completed at 2026-11-30T11:55:00Z; expected RPO 5m (its age now)' },
      { check: 'velero storage location default', ok: true, detail: 'BackupStorageLocation default is Available' },
    ]);
  });

  it('refuses a missing backup, naming where it looked and how to list them', async () => {
    const [check] = await recoveryWith(new FakeVelero(), { backup: 'nope' }).preflight();
    expect(check).toMatchObject({ ok: false });
    expect(check?.detail).toContain('no Velero Backup nope in namespace velero');
    expect(check?.detail).toContain('velero backup get -n velero');
  });

  it('refuses a backup that is not Completed, with Velero\'s reason', async () => {
    const velero = new FakeVelero();
    velero.backups = [backup('broken', { phase: 'PartiallyFailed', failureReason: 'object store unreachable' })];
    const [check] = await recoveryWith(velero, { backup: 'broken' }).preflight();
    expect(check?.ok).toBe(false);
    expect(check?.detail).toContain('Backup broken is PartiallyFailed, not Completed (object store unreachable)');
  });

  it('refuses an expired backup and one that does not hold every namespace', async () => {
    const velero = new FakeVelero();
    velero.backups = [
      completed('old', '2026-10-01T00:00:00Z', { expiration: '2026-10-31T00:00:00Z' }),
      backup('other', { phase: 'Completed', completionTimestamp: '2026-11-30T11:00:00Z' }, { includedNamespaces: ['shop'], excludedNamespaces: [] }),
    ];
    const [expired] = await recoveryWith(velero, { backup: 'old' }).preflight();
    expect(expired?.detail).toContain('expired at 2026-10-31T00:00:00Z');
    const [partial] = await recoveryWith(velero, { backup: 'other' }, ['shop', 'billing']).preflight();
    expect(partial).toMatchObject({ ok: false });
    expect(partial?.detail).toContain('does not hold namespace(s) billing (it holds shop)');
  });

  it('picks the newest Completed backup of a schedule, and refuses a schedule without one', async () => {
    const velero = new FakeVelero();
    const nightly = { [SCHEDULE_LABEL]: 'nightly' };
    velero.backups = [
      backup('nightly-a', { phase: 'Completed', completionTimestamp: '2026-11-29T00:00:00Z' }, {}, nightly),
      backup('nightly-b', { phase: 'Completed', completionTimestamp: '2026-11-30T00:00:00Z' }, {}, nightly),
      backup('nightly-c', { phase: 'InProgress' }, {}, nightly),
    ];
    const [check] = await recoveryWith(velero, { schedule: 'nightly' }).preflight();
    expect(check).toMatchObject({ ok: true, check: 'velero schedule nightly' });
    expect(check?.detail).toContain('Backup nightly-b (schedule nightly) Completed');
    const [none] = await recoveryWith(velero, { schedule: 'hourly' }).preflight();
    expect(none?.detail).toContain('schedule hourly has no Completed backup in namespace velero (no backups at all)');
  });

  it('refuses when the backup\'s storage location is not Available', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
    velero.locationPhase = 'Unavailable';
    const checks = await recoveryWith(velero, { backup: 'nightly-1' }).preflight();
    expect(checks[1]).toMatchObject({ ok: false, detail: expect.stringContaining('BackupStorageLocation default is Unavailable') });
  });
});

describe('Velero restore runbook', () => {
  it('restores only the drilled namespaces from the chosen backup, journals each change of progress, and succeeds on Completed', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
    velero.restorePhases = [{}, { phase: 'InProgress', progress: { totalItems: 8, itemsRestored: 3 } }, { phase: 'InProgress', progress: { totalItems: 8, itemsRestored: 3 } }, { phase: 'Completed', progress: { totalItems: 8, itemsRestored: 8 }, warnings: 1 }];
    const recovery = recoveryWith(velero, { backup: 'nightly-1', namespaceMapping: { shop: 'shop-restored' } });
    await recovery.preflight();
    const { journal, progress, measured } = recordingJournal();
    const detail = await recovery.runbook.run(new AbortController().signal, journal);

    expect(detail).toBe(`Velero restore ${recovery.restoreName} Completed, 8/8 items, 1 warning(s), 0 error(s)`);
    expect(velero.created).toEqual([
      {
        name: 'firedrill-0b1e2f3a-0000-4000-8000-000000000001',
        labels: { 'firedrill.io/run-id': '0b1e2f3a-0000-4000-8000-000000000001', 'firedrill.io/drill': 'delete-shop' },
        backupName: 'nightly-1',
        includedNamespaces: ['shop'],
        namespaceMapping: { shop: 'shop-restored' },
      },
    ]);
    expect(progress.map((step) => `${step.phase} ${step.itemsDone}/${step.itemsTotal}`)).toEqual(['New null/null', 'InProgress 3/8', 'Completed 8/8']);
    expect(measured.map(([name]) => name)).toEqual(['velero backup', 'RPO from']);
    expect(measured[0]?.[1]).toBe('nightly-1, completed 2026-11-30T11:55:00Z');
  });

  it('fails with Velero\'s reason when the restore ends PartiallyFailed or Failed', async () => {
    for (const [status, reason] of [
      [{ phase: 'PartiallyFailed', errors: 2, warnings: 0 }, 'PartiallyFailed: 0 warning(s), 2 error(s)'],
      [{ phase: 'Failed', failureReason: 'error downloading backup' }, 'Failed: error downloading backup'],
      [{ phase: 'FailedValidation', validationErrors: ['backup not found'] }, 'FailedValidation: backup not found'],
    ] as const) {
      const velero = new FakeVelero();
      velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
      velero.restorePhases = [{ phase: 'InProgress' }, status];
      const recovery = recoveryWith(velero, { backup: 'nightly-1' });
      await recovery.preflight();
      await expect(recovery.runbook.run(new AbortController().signal, recordingJournal().journal)).rejects.toThrow(`Velero restore ${recovery.restoreName} ${reason}`);
    }
  });

  it('does nothing without a backup chosen at preflight, and stops following when the run stops watching', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
    const unchecked = recoveryWith(velero, { backup: 'nightly-1' });
    await expect(unchecked.runbook.run(new AbortController().signal, recordingJournal().journal)).rejects.toThrow('no Velero backup was chosen at preflight');
    expect(velero.created).toEqual([]);

    velero.restorePhases = [{ phase: 'InProgress' }];
    const recovery = recoveryWith(velero, { backup: 'nightly-1' });
    await recovery.preflight();
    const stop = new AbortController();
    const running = recovery.runbook.run(stop.signal, recordingJournal().journal);
    stop.abort();
    await expect(running).rejects.toThrow('Velero goes on with it');
  });
});

describe('Velero restore probe and RPO', () => {
  it('holds service back while the restore runs, and reads the backup\'s completion as the newest data once it is Completed', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
    const recovery = recoveryWith(velero, { backup: 'nightly-1' });
    await recovery.preflight();
    expect(await recovery.probe.check()).toMatchObject({ ok: true });
    expect(await recovery.rpo.newest()).toEqual(NOW);

    velero.restorePhases = [{ phase: 'New' }, { phase: 'InProgress', progress: { totalItems: 4, itemsRestored: 1 } }, { phase: 'Completed' }];
    await velero.createRestore({ name: recovery.restoreName, labels: {}, backupName: 'nightly-1', includedNamespaces: ['shop'] });
    expect(await recovery.probe.check()).toEqual({ ok: false, detail: `Velero restore ${recovery.restoreName} InProgress (1/4 items)` });
    expect(await recovery.rpo.newest(NOW)).toEqual(new Date('2026-11-30T11:55:00Z'));
    expect(await recovery.probe.check()).toMatchObject({ ok: true });
  });

  it('counts the RPO from the backup\'s start, what it surely holds, and its window as the resolution', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z', { startTimestamp: '2026-11-30T11:54:30Z' })];
    const recovery = recoveryWith(velero, { backup: 'nightly-1' });
    await recovery.preflight();
    velero.restorePhases = [{ phase: 'Completed' }];
    await velero.createRestore({ name: recovery.restoreName, labels: {}, backupName: 'nightly-1', includedNamespaces: ['shop'] });
    expect(await recovery.rpo.newest(NOW)).toEqual(new Date('2026-11-30T11:54:30Z'));
    expect(recovery.rpo.resolutionMs).toBe(30_000);
  });

  it('measures no surviving data when the restore did not complete', async () => {
    const velero = new FakeVelero();
    velero.backups = [completed('nightly-1', '2026-11-30T11:55:00Z')];
    const recovery = recoveryWith(velero, { backup: 'nightly-1' });
    await recovery.preflight();
    velero.restorePhases = [{ phase: 'PartiallyFailed' }];
    await velero.createRestore({ name: recovery.restoreName, labels: {}, backupName: 'nightly-1', includedNamespaces: ['shop'] });
    expect(await recovery.rpo.newest(NOW)).toBeNull();
  });
});

describe('velero-restore in a drill file', () => {
  const drill = (kind: string, runbook: Record<string, unknown>, target: Record<string, unknown> = {}) =>
    Drill.safeParse({
      id: 'x',
      title: 'x',
      kind,
      target,
      severity: 'low',
      objectives: { rto: '1m' },
      steadyState: { probes: [{ type: 'kubernetes-workloads' }] },
      recovery: { mode: 'automated', runbook: { action: 'velero-restore', ...runbook } },
      maxDuration: '5m',
    });

  it('takes exactly one of backup and schedule, in Velero\'s namespace by default', () => {
    const parsed = drill('delete-cluster', { backup: 'nightly-1' });
    expect(parsed.success && parsed.data.recovery).toMatchObject({ runbook: { action: 'velero-restore', namespace: 'velero', backup: 'nightly-1' } });
    for (const runbook of [{}, { backup: 'a', schedule: 'b' }]) {
      const refused = drill('delete-cluster', runbook);
      expect(refused.error?.issues.map((issue) => issue.message)).toEqual(['name exactly one of backup (a Velero Backup) or schedule (its newest Completed backup is restored)']);
    }
  });

  it('fits delete-cluster drills in namespaces mode only', () => {
    expect(drill('lose-node', { backup: 'a' }).error?.issues[0]).toMatchObject({ path: ['recovery', 'runbook', 'action'], message: expect.stringContaining('delete-cluster drill with target.mode: namespaces') });
    expect(drill('delete-cluster', { backup: 'a' }, { mode: 'teardown' }).success).toBe(false);
  });
});

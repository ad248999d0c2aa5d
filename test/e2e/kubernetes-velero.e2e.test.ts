import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill, type RunRequest } from '../../src/engine/run-drill.js';
import { eventWaiter } from '../support/drill-world.js';
import { until } from './support/kube-polling.js';
import { kubeEnvironment, startKubeWorld, type KubeWorld } from './support/kube-world.js';
import { requestText, serviceAccountKubeconfig, startAuditedKwokCluster, unusedRules, type AuditedKwokCluster } from './support/rbac-audit.js';
import { startVelero, VELERO_NAMESPACE, type VeleroObject, type VeleroServer } from './support/velero-server.js';

const manifest = (file: string) => fileURLToPath(new URL(`../../deploy/kubernetes/${file}`, import.meta.url));
const DELETE_CLUSTER_RBAC = manifest('rbac-delete-cluster.yaml');
const VELERO_RBAC = manifest('rbac-velero-restore.yaml');
const SERVICE_ACCOUNT = 'system:serviceaccount:firedrill:firedrill';
const CONTEXT = 'firedrill@kwok-staging';
const PROBE_INTERVAL_MS = 100;
const REPLICAS = 2;
const NAMESPACES = ['shop', 'billing'];

/** What the team runs: in each namespace a Deployment, a Service, a ConfigMap and a Secret. */
const APPS = NAMESPACES.map(
  (namespace) => `apiVersion: v1
kind: Namespace
metadata: { name: ${namespace}, labels: { team: ${namespace} } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: app-config, namespace: ${namespace} }
data: { mode: staging }
---
apiVersion: v1
kind: Secret
metadata: { name: db-credentials, namespace: ${namespace} }
stringData: { password: s3cr3t-${namespace} }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: ${namespace} }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ${namespace} }
spec:
  replicas: ${REPLICAS}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, resources: { requests: { cpu: "1" } } }] }
`,
).join('---\n');

let world: KubeWorld<AuditedKwokCluster>;
let cluster: AuditedKwokCluster;
let store: RunStore;
let velero: VeleroServer;
let dir: string;
let environment: Environment;
let backup: VeleroObject;

/**
 * rbac-delete-cluster.yaml for the drilled namespaces: their names in the namespace rule, and its
 * per-namespace RoleBinding in each (the backup holds them, so Velero restores them too).
 */
async function deleteClusterRbacFor(namespaces: readonly string[]): Promise<string> {
  const docs = parseAllDocuments(await readFile(DELETE_CLUSTER_RBAC, 'utf8')).map((doc) => doc.toJS() as { kind: string; metadata: { name: string; namespace?: string }; rules?: { resourceNames?: string[] }[] });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.kind === 'ClusterRole' && doc.metadata.name === 'firedrill-delete-cluster') doc.rules![0]!.resourceNames = [...namespaces];
    if (doc.kind === 'RoleBinding') out.push(...namespaces.map((namespace) => ({ ...doc, metadata: { ...doc.metadata, namespace } })));
    else out.push(doc);
  }
  return out.map((doc) => stringify(doc)).join('---\n');
}

beforeAll(async () => {
  world = await startKubeWorld(() => startAuditedKwokCluster(2, SERVICE_ACCOUNT));
  ({ cluster, store } = world);
  const veleroStarting = performance.now();
  velero = await startVelero(cluster);
  const veleroStartMs = Math.round(performance.now() - veleroStarting);
  dir = await mkdtemp(join(tmpdir(), 'firedrill-velero-e2e-'));
  await writeFile(join(dir, 'apps.yaml'), APPS);
  await cluster.kubectl('apply', '-f', join(dir, 'apps.yaml'));
  // firedrill runs with only the rights of deploy/kubernetes/: delete-cluster's and the Velero runbook's.
  await cluster.kubectl('create', 'namespace', 'firedrill');
  await writeFile(join(dir, 'rbac-delete-cluster.yaml'), await deleteClusterRbacFor(NAMESPACES));
  await cluster.kubectl('apply', '-f', join(dir, 'rbac-delete-cluster.yaml'), '-f', VELERO_RBAC);
  const kubeconfig = join(dir, 'firedrill-kubeconfig');
  await writeFile(kubeconfig, await serviceAccountKubeconfig(cluster, CONTEXT), { mode: 0o600 });
  environment = kubeEnvironment({ kubeconfig, context: CONTEXT, allowedNamespaces: NAMESPACES });
  for (const namespace of NAMESPACES) await cluster.kubectl('-n', namespace, 'rollout', 'status', 'deployment/web', '--timeout=120s');
  const backupStarting = performance.now();
  backup = await velero.backup('apps-1', NAMESPACES);
  console.info('velero e2e setup', { clusterStartMs: world.clusterStartMs, veleroStartMs, backupMs: Math.round(performance.now() - backupStarting) });
}, 2_700_000);

afterAll(async () => {
  await velero?.stop();
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  // A test that failed halfway may have left a namespace terminating; every test starts from the apps.
  for (const namespace of NAMESPACES) {
    await until(`namespace ${namespace} not terminating`, () => phaseOf(namespace), (phase) => phase !== 'Terminating', 120_000);
  }
  await cluster.kubectl('apply', '-f', join(dir, 'apps.yaml'));
}, 300_000);

const clock = systemClock();
const deps = () => ({ store, clock, runtimes: runtimeFactory({ configDir: dir, env: { PATH: `${cluster.bin}:${process.env.PATH ?? ''}` } }) });

async function phaseOf(namespace: string): Promise<string> {
  return cluster.kubectl('get', 'namespace', namespace, '-o', 'jsonpath={.status.phase}').catch(() => 'NotFound');
}

function veleroDrill(runbook: Record<string, unknown>) {
  return Drill.parse({
    id: 'delete-apps-velero',
    title: 'The app namespaces are deleted; Velero restores them',
    kind: 'delete-cluster',
    target: { mode: 'namespaces', namespaces: NAMESPACES },
    severity: 'critical',
    objectives: { rto: '5m', rpo: '1h' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }], interval: `${PROBE_INTERVAL_MS}ms`, stableFor: '1s' },
    recovery: { mode: 'automated', trigger: 'immediately', runbook: { action: 'velero-restore', namespace: VELERO_NAMESPACE, timeout: '4m', ...runbook } },
    maxDuration: '8m',
  });
}

/** Starts the run as alice; bob approves it (delete-cluster requires approval) when it gets that far. */
async function runApproved(drill: Drill) {
  const waiter = eventWaiter();
  const request: RunRequest = { drill, environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent };
  const running = runDrill(deps(), request);
  void waiter.next('approval-requested').then(({ runId }) => store.append(runId, { type: 'approved', by: 'bob' }), () => undefined);
  return running;
}

describe('delete-cluster with a velero-restore runbook, against a real Velero server', () => {
  it('deletes the namespaces, has Velero restore them from the backup, counts the restore in the RTO and the backup age as the RPO', async () => {
    const { scorecard, runId } = await runApproved(veleroDrill({ backup: 'apps-1' }));
    const events = await store.events(runId);
    if (scorecard.outcome !== 'pass') console.error('velero e2e journal', JSON.stringify(events.map((event) => ({ ...event, undo: undefined })), null, 1), await velero.logTail());
    expect(scorecard.outcome).toBe('pass');

    // Preflight found the backup Completed and said what RPO to expect.
    const backupCheck = findEvents(events, 'preflight-check').find((check) => check.check === 'velero backup apps-1');
    expect(backupCheck).toMatchObject({ ok: true, detail: expect.stringMatching(/^Backup apps-1 Completed at .+; expected RPO [\d.]+m?s? \(its age now\)$/) });
    expect(findEvents(events, 'preflight-check').find((check) => check.check === 'velero storage location default')?.ok).toBe(true);

    // The Restore: one, Completed, of exactly the drilled namespaces, journaled as it went.
    const restoreName = `firedrill-${runId}`.slice(0, 63);
    const restore = await velero.get('restores', restoreName);
    expect(restore.status?.phase).toBe('Completed');
    expect(restore.spec).toMatchObject({ backupName: 'apps-1', includedNamespaces: NAMESPACES });
    expect(restore.metadata.labels).toMatchObject({ 'firedrill.io/run-id': runId, 'firedrill.io/drill': 'delete-apps-velero' });
    const progress = findEvents(events, 'recovery-progress');
    expect(progress.at(-1)).toMatchObject({ phase: 'Completed', errors: 0 });
    expect(progress.at(-1)?.itemsTotal).toBeGreaterThan(0);
    expect(progress.at(-1)?.itemsDone).toBe(progress.at(-1)?.itemsTotal);
    expect(findEvent(events, 'recovery-finished')).toMatchObject({ ok: true, detail: expect.stringContaining(`Velero restore ${restoreName} Completed`) });

    // RTO: service counts as back only once the Restore is Completed (Velero stamps whole seconds).
    const injected = findEvent(events, 'injected')!;
    const recovered = findEvent(events, 'recovered')!;
    expect(recovered.sawOutage).toBe(true);
    expect(Date.parse(recovered.at)).toBeGreaterThanOrEqual(Date.parse(restore.status!.completionTimestamp!) - 1_000);
    expect(scorecard.rtoMs!).toBeGreaterThanOrEqual(Date.parse(findEvent(events, 'recovery-started')!.at) - Date.parse(injected.at));

    // RPO: the backup's age at injection, counted from when it started (what it surely holds), bounded
    // below by its completion; the scorecard says where it came from.
    const started = new Date(backup.status!.startTimestamp!).toISOString();
    const completed = new Date(backup.status!.completionTimestamp!).toISOString();
    expect(scorecard.rpo?.newestAfter).toBe(started);
    expect(Date.parse(scorecard.rpo!.newestBefore!)).toBeLessThanOrEqual(Date.parse(injected.at));
    expect(scorecard.rpoMs).toBe(Date.parse(scorecard.rpo!.newestBefore!) - Date.parse(started));
    expect(scorecard.rpoMs!).toBeGreaterThan(0);
    expect(scorecard.bounds.rpoMs).toEqual({ low: Math.max(0, Date.parse(scorecard.rpo!.newestBefore!) - Date.parse(completed)), high: scorecard.rpoMs });
    expect(scorecard.measurements).toEqual(
      expect.arrayContaining([
        { name: 'velero backup', value: `apps-1, completed ${backup.status!.completionTimestamp}` },
        { name: 'RPO from', value: expect.stringContaining('the age of backup apps-1 at injection') },
      ]),
    );

    // Velero brought every object back (its restore label says so); firedrill's undo found nothing missing.
    for (const namespace of NAMESPACES) {
      for (const object of ['configmap/app-config', 'secret/db-credentials', 'service/web', 'deployment/web']) {
        expect(await cluster.kubectl('-n', namespace, 'get', object, '-o', 'jsonpath={.metadata.labels.velero\\.io/restore-name}'), `${namespace} ${object}`).toBe(restoreName);
      }
      expect(await cluster.kubectl('-n', namespace, 'get', 'secret', 'db-credentials', '-o', 'jsonpath={.data.password}')).toBe(Buffer.from(`s3cr3t-${namespace}`).toString('base64'));
    }
    expect(findEvent(events, 'undo-done')?.detail).toMatch(/^namespace shop: re-created 0 object\(s\), \d+ already there; namespace billing: re-created 0 object\(s\), \d+ already there$/);
    console.info('velero e2e measured', { rtoMs: scorecard.rtoMs, rpoMs: scorecard.rpoMs, restoreItems: progress.at(-1)?.itemsTotal, progressEvents: progress.length });
  });

  it('refuses a backup that does not exist, touching nothing', async () => {
    const { scorecard, runId } = await runApproved(veleroDrill({ backup: 'no-such-backup' }));
    expect(scorecard.outcome).toBe('refused');
    expect(scorecard.reason).toContain('velero backup no-such-backup: no Velero Backup no-such-backup in namespace velero');
    expect(findEvent(await store.events(runId), 'injecting')).toBeUndefined();
    for (const namespace of NAMESPACES) expect(await phaseOf(namespace)).toBe('Active');
  });

  it('refuses a backup that is not Completed, and a schedule without a Completed backup', async () => {
    // A backup to a storage location that does not exist fails Velero's validation.
    const file = join(dir, 'bad-backup.json');
    await writeFile(
      file,
      JSON.stringify({ apiVersion: 'velero.io/v1', kind: 'Backup', metadata: { name: 'apps-nowhere', namespace: VELERO_NAMESPACE }, spec: { includedNamespaces: NAMESPACES, storageLocation: 'nowhere' } }),
    );
    await cluster.kubectl('create', '-f', file);
    await until('Backup apps-nowhere to fail validation', () => velero.get('backups', 'apps-nowhere'), (read) => read.status?.phase === 'FailedValidation', 60_000);

    const notCompleted = await runApproved(veleroDrill({ backup: 'apps-nowhere' }));
    expect(notCompleted.scorecard.outcome).toBe('refused');
    expect(notCompleted.scorecard.reason).toContain('Backup apps-nowhere is FailedValidation, not Completed');

    const noSchedule = await runApproved(veleroDrill({ schedule: 'hourly' }));
    expect(noSchedule.scorecard.outcome).toBe('refused');
    expect(noSchedule.scorecard.reason).toContain('schedule hourly has no Completed backup in namespace velero (no backups at all)');
    for (const namespace of NAMESPACES) expect(await phaseOf(namespace)).toBe('Active');
  });

  it('was refused nothing, and used every rule of rbac-velero-restore.yaml (audit log)', async () => {
    const requests = await cluster.newRequests();
    const refused = requests.filter((request) => request.responseStatus?.code === 403).map(requestText);
    expect({ refused, unused: await unusedRules(VELERO_RBAC, requests) }).toEqual({ refused: [], unused: [] });
  });
});

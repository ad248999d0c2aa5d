import { mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment } from '../../../src/config/config-schema.js';
import { Drill, type DeleteClusterDrill } from '../../../src/catalogue/drill-schema.js';
import { deleteClusterRuntime } from '../../../src/compose/delete-cluster-runtime.js';
import { UserError } from '../../../src/errors.js';
import { recordingProcessJournal } from '../../support/process-journal.js';
import { namespaceRefusal } from '../../../adapters/kubernetes/delete-namespaces-fault.js';
import type { KubeContext } from '../../../adapters/kubernetes/kube-context.js';
import { restorable, restoreNamespace } from '../../../adapters/kubernetes/namespace-manifests.js';

// Port 1 on loopback: nothing listens, so any API call would fail loudly. These tests need none.
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - { name: eu-prod, cluster: { server: "https://127.0.0.1:1" } }
contexts:
  - { name: prod-eu, context: { cluster: eu-prod, user: me } }
current-context: prod-eu
users:
  - { name: me, user: { token: not-a-secret } }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-delete-cluster-unit-'));
  await writeFile(join(dir, 'kubeconfig'), KUBECONFIG);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const drill = (target: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  Drill.safeParse({
    id: 'delete-shop',
    title: 'The shop is deleted',
    kind: 'delete-cluster',
    target,
    severity: 'critical',
    objectives: { rto: '1h' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }] },
    recovery: { mode: 'manual' },
    maxDuration: '2h',
    ...extra,
  });

const environment = (kubernetes: Record<string, unknown> = {}) =>
  Environment.parse({ kubernetes: { kubeconfig: 'kubeconfig', allowedNamespaces: ['shop'], ...kubernetes } });

const build = (d: DeleteClusterDrill, env: Environment) =>
  deleteClusterRuntime.build(d, { environmentName: 'staging', environment: env, runId: 'run-1', options: { configDir: dir, env: {} }, processes: recordingProcessJournal() });

describe('the delete-cluster drill definition', () => {
  it('needs approval unless the drill says otherwise, and deletes namespaces by default', () => {
    const parsed = drill();
    expect(parsed.success && parsed.data.requiresApproval).toBe(true);
    expect(parsed.success && parsed.data.kind === 'delete-cluster' && parsed.data.target.mode).toBe('namespaces');
  });

  it('rejects namespaces in teardown mode, where the environment command decides', () => {
    const parsed = drill({ mode: 'teardown', namespaces: ['shop'] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe('namespaces applies to mode: namespaces only; teardown runs the environment command');
  });
});

describe('the delete-cluster runtime', () => {
  it('refuses a production-looking context in preflight without listing a namespace', async () => {
    const runtime = await build(drill().data as DeleteClusterDrill, environment());
    expect(await runtime.fault.preflight()).toEqual([
      { check: 'kube context allowed', ok: false, detail: 'prod-eu looks like production; set allowProductionLookingNames: true on staging if it is staging' },
    ]);
    await runtime.close();
  });

  it('refuses to tear down the cluster it runs in', async () => {
    const inCluster = Environment.parse({ kubernetes: { allowedNamespaces: ['shop'], teardown: { command: 'true', rebuild: 'true' } } });
    const error = await build(drill({ mode: 'teardown' }).data as DeleteClusterDrill, inCluster).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('drill delete-shop would tear down the cluster firedrill itself runs in (environment "staging" uses the in-cluster account)');
  });

  it('says what to add when teardown mode has no teardown command', async () => {
    const error = await build(drill({ mode: 'teardown' }).data as DeleteClusterDrill, { ...environment(), allowProductionLookingNames: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('drill delete-shop tears the cluster down, but environment "staging" has no kubernetes.teardown');
  });

  it('runs teardown and rebuild in the config file folder, told the run, drill and environment, and journals them', async () => {
    const tell = (role: string) => `echo "${role} $PWD $FIREDRILL_RUN_ID $FIREDRILL_DRILL $FIREDRILL_ENVIRONMENT $KUBECONFIG" >> told`;
    const env = Environment.parse({
      allowProductionLookingNames: true,
      kubernetes: { kubeconfig: 'kubeconfig', allowedNamespaces: ['shop'], teardown: { command: tell('teardown'), rebuild: tell('rebuild') } },
    });
    const processes = recordingProcessJournal();
    // The drill file lives elsewhere: the config names these commands, so its folder counts.
    const options = { configDir: dir, env: { PATH: process.env.PATH }, drillFolder: () => join(dir, 'drills') };
    const runtime = await deleteClusterRuntime.build(drill({ mode: 'teardown' }).data as DeleteClusterDrill, { environmentName: 'staging', environment: env, runId: 'run-1', options, processes });
    await runtime.fault.inject({ undoRecorded: async () => undefined, changed: async () => undefined, signal: new AbortController().signal });
    await deleteClusterRuntime.undo['rebuild-cluster']!({}, { environmentName: 'staging', environment: env, options, run: { runId: 'run-1', drillId: 'delete-shop', processes } });

    const told = (await readFile(join(dir, 'told'), 'utf8')).trim().split('\n');
    const [here, kubeconfig] = [await realpath(dir), join(dir, 'kubeconfig')];
    expect(told).toEqual([`teardown ${here} run-1 delete-shop staging ${kubeconfig}`, `rebuild ${here} run-1 delete-shop staging ${kubeconfig}`]);
    expect(processes.events.map((event) => (event.type === 'started' ? `started ${event.role}` : `ended: ${event.status}`))).toEqual([
      'started teardown',
      'ended: exit 0',
      'started rebuild',
      'ended: exit 0',
    ]);
    await runtime.close();
  });
});

describe('which namespaces a drill may delete', () => {
  const rules = { allowedNamespaces: ['shop', 'kube-system', 'default', 'firedrill'], selfNamespace: 'firedrill' };

  it('only allowed ones, never a system namespace, never its own', () => {
    expect(namespaceRefusal('shop', rules)).toBeUndefined();
    expect(namespaceRefusal('payments', rules)).toBe('payments is not in kubernetes.allowedNamespaces (shop, kube-system, default, firedrill)');
    expect(namespaceRefusal('kube-system', rules)).toBe('kube-system is a system namespace and is never deleted');
    expect(namespaceRefusal('default', rules)).toBe('default is a system namespace and is never deleted');
    expect(namespaceRefusal('firedrill', rules)).toBe('firedrill is where firedrill itself runs');
  });
});

describe('saved objects', () => {
  it('keep what re-creating needs and drop what the API server assigns', () => {
    const service = restorable({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop', uid: 'u-1', resourceVersion: '42', labels: { app: 'web' }, managedFields: [] },
      spec: { clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], selector: { app: 'web' }, ports: [{ port: 80 }] },
      status: { loadBalancer: {} },
    } as never);
    expect(service).toEqual({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  });

  it('keep a headless service headless, and let a claim bind to a new volume', () => {
    const headless = restorable({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'db' }, spec: { clusterIP: 'None' } } as never) as { spec: { clusterIP?: string } };
    expect(headless.spec.clusterIP).toBe('None');
    const claim = restorable({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', annotations: { 'pv.kubernetes.io/bind-completed': 'yes', team: 'shop' } },
      spec: { volumeName: 'pvc-123', resources: { requests: { storage: '1Gi' } } },
    } as never) as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
    expect(claim.metadata.annotations).toEqual({ team: 'shop' });
    expect(claim.spec).toEqual({ resources: { requests: { storage: '1Gi' } } });
  });
});

describe('re-creating a saved namespace', () => {
  const saved = {
    name: 'shop',
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'shop' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
    ],
  };
  /** An API whose answers to create are scripted per object, by kind and name. */
  function kubeAnswering(answers: Record<string, number[]>): { kube: KubeContext; attempts: string[] } {
    const attempts: string[] = [];
    const objects = {
      create: async (object: { kind: string; metadata: { name: string } }) => {
        const key = `${object.kind}/${object.metadata.name}`;
        attempts.push(key);
        const status = answers[key]?.shift() ?? 201;
        if (status >= 400) throw Object.assign(new Error(`HTTP ${status}`), { code: status, body: JSON.stringify({ message: `${key} refused (${status})` }) });
        return object;
      },
    };
    return { kube: { objects } as unknown as KubeContext, attempts };
  }

  it('creates what is missing, leaves what exists, and tries a refused object again once the namespace settled', async () => {
    const { kube, attempts } = kubeAnswering({ 'ConfigMap/cfg': [409], 'Pod/debug': [403, 403] });
    const result = await restoreNamespace(kube, saved, [1, 1, 1]);
    expect(result).toEqual({ created: ['Namespace shop', 'Deployment shop/web', 'Pod shop/debug'], existing: ['ConfigMap shop/cfg'] });
    // The Deployment after the Pod was not held back by the Pod's refusal.
    expect(attempts).toEqual(['Namespace/shop', 'ConfigMap/cfg', 'Pod/debug', 'Deployment/web', 'Pod/debug', 'Pod/debug']);
  });

  it('reports every object it could not re-create, after its retries', async () => {
    const { kube } = kubeAnswering({ 'Pod/debug': [403, 403, 403], 'Deployment/web': [422, 422, 422] });
    await expect(restoreNamespace(kube, saved, [1, 1])).rejects.toThrow(
      'namespace shop: re-created 2 object(s), but could not re-create 2: Pod shop/debug: Pod/debug refused (403); Deployment shop/web: Deployment/web refused (422)',
    );
  });
});

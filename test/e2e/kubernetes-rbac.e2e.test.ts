import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill, type RunResult } from '../../src/engine/run-drill.js';
import { SAVED_KINDS } from '../../adapters/kubernetes/namespace-manifests.js';
import { eventWaiter } from '../support/drill-world.js';
import { kubeEnvironment, startKubeWorld, type KubeWorld } from './support/kube-world.js';
import { requestText, serviceAccountKubeconfig, startAuditedKwokCluster, unusedRules, type AuditedKwokCluster } from './support/rbac-audit.js';

/**
 * The RBAC manifests of deploy/kubernetes/ against an API server that enforces them: real drills
 * run with a token of the firedrill ServiceAccount, and the API server's audit log (of that
 * account only) shows that no call was refused and that every rule was used. Each drill kind
 * runs with its own manifest's ClusterRoleBindings only, so that one file's rules cannot cover
 * for a rule missing from the other.
 */

const manifest = (file: string) => fileURLToPath(new URL(`../../deploy/kubernetes/${file}`, import.meta.url));
const LOSE_NODE_RBAC = manifest('rbac-lose-node.yaml');
const DELETE_CLUSTER_RBAC = manifest('rbac-delete-cluster.yaml');
const SERVICE_ACCOUNT = 'system:serviceaccount:firedrill:firedrill';
const CONTEXT = 'firedrill@kwok-staging';
const PROBE_INTERVAL_MS = 100;
const WEB_REPLICAS = 6;

/** The team's "code" for namespace shop: one object of every kind the delete-cluster drill saves. */
const SHOP = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: app, namespace: shop }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: app-config, namespace: shop }
data: { mode: staging }
---
apiVersion: v1
kind: Secret
metadata: { name: db-credentials, namespace: shop }
stringData: { password: s3cr3t-for-the-test }
---
apiVersion: v1
kind: LimitRange
metadata: { name: claims, namespace: shop }
spec: { limits: [{ type: PersistentVolumeClaim, max: { storage: 10Gi } }] }
---
apiVersion: v1
kind: ResourceQuota
metadata: { name: services, namespace: shop }
spec: { hard: { services: "10" } }
---
# Grants only what firedrill holds itself (pods list/watch): the API server lets it re-create
# such a Role and its binding without the escalate and bind verbs.
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-watcher, namespace: shop }
rules: [{ apiGroups: [""], resources: [pods], verbs: [list, watch] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: pod-watcher, namespace: shop }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-watcher }
subjects: [{ kind: ServiceAccount, name: app, namespace: shop }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-ingress, namespace: shop }
spec: { podSelector: { matchLabels: { app: web } }, policyTypes: [Ingress], ingress: [{}] }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: shop }
spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: ${WEB_REPLICAS}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { serviceAccountName: app, containers: [{ name: web, image: nginx, resources: { requests: { cpu: "1" } } }] }
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: shop }
spec:
  serviceName: web
  replicas: 1
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres, resources: { requests: { cpu: "1" } } }] }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: shop }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: agent, image: busybox, resources: { requests: { cpu: 100m } } }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: shop }
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate: { spec: { template: { spec: { restartPolicy: Never, containers: [{ name: job, image: busybox }] } } } }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: web, namespace: shop }
spec:
  rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }] } }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: web, namespace: shop }
spec: { minAvailable: 1, selector: { matchLabels: { app: web } } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: web, namespace: shop }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: web }
  minReplicas: ${WEB_REPLICAS}
  maxReplicas: ${WEB_REPLICAS}
---
apiVersion: v1
kind: Pod
metadata: { name: debug, namespace: shop, labels: { app: debug } }
spec: { containers: [{ name: debug, image: busybox, resources: { requests: { cpu: 100m } } }] }
`;

/** Not in the team's code: only the delete-cluster undo brings it back after a rebuild. */
const LEGACY = `apiVersion: v1
kind: ConfigMap
metadata: { name: legacy-flags, namespace: shop }
data: { old: "yes" }
`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let world: KubeWorld<AuditedKwokCluster>;
let cluster: AuditedKwokCluster;
let store: RunStore;
let dir: string;
let firedrillKubeconfig: string;
let environment: Environment;
const started = performance.now();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'firedrill-rbac-'));
  await writeFile(join(dir, 'shop.yaml'), SHOP);
  await writeFile(join(dir, 'legacy.yaml'), LEGACY);
  world = await startKubeWorld(() => startAuditedKwokCluster(3, SERVICE_ACCOUNT));
  ({ cluster, store } = world);

  await cluster.kubectl('apply', '-f', join(dir, 'shop.yaml'));
  await cluster.kubectl('create', 'namespace', 'firedrill');
  await cluster.kubectl('apply', '-f', LOSE_NODE_RBAC);
  firedrillKubeconfig = join(dir, 'firedrill-kubeconfig');
  await writeFile(firedrillKubeconfig, await serviceAccountKubeconfig(cluster, CONTEXT), { mode: 0o600 });
  environment = kubeEnvironment({ kubeconfig: firedrillKubeconfig, context: CONTEXT, allowedNamespaces: ['shop'] });
  await shopReady();
}, 900_000);

afterAll(async () => {
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  console.info('kubernetes-rbac e2e', { totalMs: Math.round(performance.now() - started) });
});

const clock = systemClock();
const deps = () => ({ store, clock, runtimes: runtimeFactory({ configDir: dir, env: {} }) });

function loseNodeDrill(mode: 'drain' | 'delete', stableFor: string) {
  return Drill.parse({
    id: `lose-a-node-${mode}`,
    title: 'A shop node is lost',
    kind: 'lose-node',
    target: { mode },
    severity: 'medium',
    objectives: { ttd: '1m', rto: '2m' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }], interval: `${PROBE_INTERVAL_MS}ms`, stableFor },
    recovery: { mode: 'manual' },
    maxDuration: '2m',
  });
}

function deleteShopDrill(stableFor: string) {
  return Drill.parse({
    id: 'delete-shop',
    title: 'The shop namespace is deleted',
    kind: 'delete-cluster',
    target: { namespaces: ['shop'] },
    severity: 'critical',
    objectives: { ttd: '1m', rto: '3m' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }], interval: `${PROBE_INTERVAL_MS}ms`, stableFor },
    recovery: { mode: 'manual' },
    maxDuration: '3m',
  });
}

const journalText = async (runId: string) => JSON.stringify((await store.events(runId)).map((event) => ({ ...event, undo: undefined })), null, 1);

/** Starts the run as alice (bob approves it when the drill asks) and returns once the fault is injected. */
async function startRun(drill: Drill): Promise<{ running: Promise<RunResult>; runId: string }> {
  const waiter = eventWaiter();
  const running = runDrill(deps(), { drill, environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });
  // A run refused or failed before injection (a 403 in preflight, say) would leave waiter.next pending forever.
  const endedEarly = running.then(async ({ runId }) => {
    throw new Error(`the run ended before injection:\n${await journalText(runId)}`);
  });
  void endedEarly.catch(() => undefined);
  const next = (type: RunEvent['type']) => Promise.race([waiter.next(type), endedEarly]);
  if (drill.requiresApproval) {
    const { runId } = await next('approval-requested');
    await store.append(runId, { type: 'approved', by: 'bob' });
  }
  const { runId } = await next('injected');
  return { running, runId };
}

/** The requests since the last phase: none refused, and a use of each of `file`'s rules. */
async function expectNoRefusalAndEveryRuleUsed(file: string, others: string[] = []): Promise<void> {
  const requests = await cluster.newRequests();
  const refused = requests.filter((request) => request.responseStatus?.code === 403).map(requestText);
  expect({ refused, unused: await unusedRules(file, requests, others) }).toEqual({ refused: [], unused: [] });
  console.info('rbac e2e: audit', { file, requests: requests.length });
}

/** What the run says about its failures: none of it may be the API server refusing firedrill. */
function expectNothingForbidden(events: readonly RunEvent[]): void {
  const complaints = events.filter(
    (event) =>
      event.type === 'undo-failed' ||
      event.type === 'failed' ||
      event.type === 'refused' ||
      ((event.type === 'preflight-check' || event.type === 'verify-check') && !event.ok),
  );
  expect(JSON.stringify(complaints)).not.toMatch(/forbidden/i);
}

/** From the undo the run recorded; read it before the run ends, since a finished run's undo params are dropped. */
function pickedNode(events: readonly RunEvent[]): string {
  return String(findEvent(events, 'undo-recorded')?.undo.params.node);
}

async function kubectlText(...args: string[]): Promise<string> {
  return cluster.kubectl(...args).catch((error: { stderr?: string }) => `ERROR ${error.stderr ?? String(error)}`);
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function shopReady(): Promise<void> {
  await cluster.kubectl('-n', 'shop', 'rollout', 'status', 'deployment/web', '--timeout=120s');
  await cluster.kubectl('-n', 'shop', 'rollout', 'status', 'statefulset/db', '--timeout=120s');
}

async function readyWebPods(): Promise<number> {
  const text = await kubectlText('-n', 'shop', 'get', 'pods', '-l', 'app=web', '-o', 'json');
  if (text.startsWith('ERROR')) return 0;
  const pods = JSON.parse(text) as { items: { metadata: { deletionTimestamp?: string }; status: { conditions?: { type: string; status: string }[] } }[] };
  return pods.items.filter((pod) => !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}

async function nodeReady(node: string): Promise<string> {
  return (await kubectlText('get', 'node', node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')).trim();
}

describe('lose-node with only the rights of rbac-lose-node.yaml', () => {
  it('drain: cordons, evicts through the Eviction API, passes and uncordons', async () => {
    const runStarted = performance.now();
    const { running, runId } = await startRun(loseNodeDrill('drain', '1s'));
    const node = pickedNode(await store.events(runId));
    await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } });
    const { scorecard } = await running;
    const events = await store.events(runId);

    expect(scorecard.outcome, await journalText(runId)).toBe('pass');
    expectNothingForbidden(events);
    const steps = findEvents(events, 'fault-step').map((step) => step.action);
    expect(steps[0]).toBe(`cordoned node ${node}`);
    expect(steps.filter((step) => step.startsWith('evicted pod shop/')).length).toBeGreaterThan(0);
    expect(findEvent(events, 'undo-done')?.detail).toBe(`uncordoned node ${node}`);
    expect((await cluster.kubectl('get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}')).trim()).toBe('');
    console.info('rbac e2e: drain', { node, evicted: steps.length - 1, rtoMs: scorecard.rtoMs, runMs: Math.round(performance.now() - runStarted) });
  }, 180_000);

  it('delete: saves and deletes the Node, and the undo re-creates it when the run is aborted', async () => {
    const runStarted = performance.now();
    const { running, runId } = await startRun(loseNodeDrill('delete', '2m'));
    const node = pickedNode(await store.events(runId));
    expect(await kubectlText('get', 'node', node)).toMatch(/NotFound/);
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'the undo is what is tested' });
    const { scorecard } = await running;
    const events = await store.events(runId);

    expect(scorecard.outcome, await journalText(runId)).toBe('aborted');
    expectNothingForbidden(events);
    expect(findEvents(events, 'fault-step').map((step) => step.action)).toEqual([`deleted node ${node}`]);
    expect(findEvent(events, 'undo-done')?.detail).toBe(`re-created node ${node} from its saved object`);
    // kwok takes the re-created node back (it keeps kwok's annotation) and reports it Ready.
    await until(`node ${node} Ready again`, async () => (await nodeReady(node)) === 'True', 60_000);
    console.info('rbac e2e: delete node', { node, runMs: Math.round(performance.now() - runStarted) });
  }, 180_000);

  it('was refused nothing, and used every rule of rbac-lose-node.yaml (audit log)', async () => {
    await expectNoRefusalAndEveryRuleUsed(LOSE_NODE_RBAC);
  });
});

describe('delete-cluster (namespaces) with only the rights of rbac-delete-cluster.yaml', () => {
  beforeAll(async () => {
    await cluster.kubectl('apply', '-f', DELETE_CLUSTER_RBAC);
    // lose-node's RoleBinding in shop stays: the undo must re-create it with the namespace.
    await cluster.kubectl('delete', 'clusterrolebinding', 'firedrill-lose-node', 'firedrill-lose-node-delete');
  });

  beforeEach(async () => {
    await until('namespace shop from an earlier test to be gone or active', async () => !(await kubectlText('get', 'namespace', 'shop')).includes('Terminating'));
    await cluster.kubectl('apply', '-f', join(dir, 'shop.yaml'), '-f', join(dir, 'legacy.yaml'));
    await shopReady();
  }, 300_000);

  /** firedrill's own RoleBindings in shop, as the manifests create them: the undo must bring them back. */
  async function firedrillBindings(): Promise<string> {
    return (await kubectlText('-n', 'shop', 'get', 'rolebindings', '-o', 'jsonpath={range .items[?(@.subjects[0].name=="firedrill")]}{.metadata.name}={.roleRef.name} {end}')).trim();
  }
  const BINDINGS = 'firedrill-delete-cluster=firedrill-delete-cluster-namespace firedrill-lose-node=firedrill-lose-node-namespace';

  it('aborted after the namespace is deleted: the undo re-creates the Namespace and every saved object, firedrill\'s RoleBindings included', async () => {
    const runStarted = performance.now();
    const secretBefore = await cluster.kubectl('-n', 'shop', 'get', 'secret', 'db-credentials', '-o', 'jsonpath={.data.password}');
    const { running, runId } = await startRun(deleteShopDrill('2m'));
    const saved = (findEvent(await store.events(runId), 'undo-recorded')!.undo.params.namespaces as { objects: { kind: string; metadata: { name: string } }[] }[])[0]!.objects;
    // One object of every kind the drill saves, so the restore below creates each kind.
    expect(new Set(saved.map((object) => object.kind))).toEqual(new Set(['Namespace', ...SAVED_KINDS.map((entry) => entry.kind)]));
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'the undo is what is tested' });
    const { scorecard } = await running;
    const events = await store.events(runId);

    expect(scorecard.outcome, await journalText(runId)).toBe('aborted');
    expectNothingForbidden(events);
    expect(findEvent(events, 'undo-done')?.detail).toBe(`namespace shop: re-created ${saved.length} object(s)`);
    expect(await firedrillBindings()).toBe(BINDINGS);
    expect(await cluster.kubectl('-n', 'shop', 'get', 'secret', 'db-credentials', '-o', 'jsonpath={.data.password}')).toBe(secretBefore);
    expect(await cluster.kubectl('-n', 'shop', 'get', 'role', 'pod-watcher', '-o', 'jsonpath={.rules[0].verbs}')).toBe('["list","watch"]');
    await until(`${WEB_REPLICAS} Ready web pods after the undo`, async () => (await readyWebPods()) === WEB_REPLICAS);
    console.info('rbac e2e: delete-cluster aborted', { objects: saved.length, runMs: Math.round(performance.now() - runStarted) });
  }, 300_000);

  it('recovered: the probe sees the team rebuild from code without firedrill\'s RoleBindings, the run passes, the undo adds what the code lacks', async () => {
    const runStarted = performance.now();
    const { running, runId } = await startRun(deleteShopDrill('1s'));
    await until('namespace shop to be deleted', async () => (await kubectlText('get', 'namespace', 'shop')).includes('NotFound'));
    await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } });
    await cluster.kubectl('apply', '-f', join(dir, 'shop.yaml'));
    const { scorecard } = await running;
    const events = await store.events(runId);

    expect(scorecard.outcome, await journalText(runId)).toBe('pass');
    expect(findEvent(events, 'recovered')?.sawOutage).toBe(true);
    expectNothingForbidden(events);
    // The two RoleBindings of deploy/kubernetes/ and legacy-flags: the rest came back from code.
    expect(findEvent(events, 'undo-done')?.detail).toMatch(/^namespace shop: re-created 3 object\(s\), \d+ already there$/);
    expect(await firedrillBindings()).toBe(BINDINGS);
    expect(await cluster.kubectl('-n', 'shop', 'get', 'configmap', 'legacy-flags', '-o', 'jsonpath={.data.old}')).toBe('yes');
    console.info('rbac e2e: delete-cluster recovered', { ttdMs: scorecard.ttdMs, rtoMs: scorecard.rtoMs, runMs: Math.round(performance.now() - runStarted) });
  }, 300_000);

  it('was refused nothing, and used every rule of rbac-delete-cluster.yaml (audit log)', async () => {
    await expectNoRefusalAndEveryRuleUsed(DELETE_CLUSTER_RBAC, [LOSE_NODE_RBAC]);
  });
});

describe('what the firedrill ServiceAccount may do with both manifests applied', () => {
  beforeAll(async () => {
    await cluster.kubectl('apply', '-f', LOSE_NODE_RBAC, '-f', DELETE_CLUSTER_RBAC);
  });

  /** `kubectl auth can-i` as the ServiceAccount itself: "yes" or "no" (it exits 1 on "no"). */
  async function canI(...args: string[]): Promise<string> {
    try {
      return (await cluster.kubectl('--kubeconfig', firedrillKubeconfig, 'auth', 'can-i', ...args)).trim();
    } catch (error) {
      const stdout = (error as { stdout?: string }).stdout?.trim();
      if (stdout) return stdout;
      throw error;
    }
  }

  it('answers no outside the drills, and yes to what the drills need (the broad grants said plainly in the manifests included)', async () => {
    const mayNot = [
      ['delete', 'namespaces/kube-system'],
      ['delete', 'namespaces/firedrill'],
      ['delete', 'namespaces/default'],
      ['update', 'nodes'],
      ['delete', 'pods', '-n', 'shop'],
      ['create', 'pods', '--subresource=eviction', '-n', 'kube-system'],
      ['create', 'pods', '--subresource=exec', '-n', 'shop'],
      ['list', 'secrets', '-n', 'kube-system'],
      ['list', 'secrets', '-n', 'firedrill'],
      ['get', 'secrets', '-n', 'shop'],
      ['delete', 'secrets', '-n', 'shop'],
      ['get', 'configmaps', '-n', 'shop'],
      ['update', 'deployments', '-n', 'shop'],
      ['patch', 'deployments', '-n', 'shop'],
      ['delete', 'deployments', '-n', 'shop'],
      ['escalate', 'roles', '-n', 'shop'],
      ['bind', 'clusterroles/cluster-admin', '-n', 'shop'],
      ['create', 'clusterroles'],
      ['create', 'clusterrolebindings'],
      ['impersonate', 'serviceaccounts', '-n', 'kube-system'],
      ['create', 'serviceaccounts', '--subresource=token', '-n', 'kube-system'],
      ['*', '*', '--all-namespaces'],
    ];
    const may = [
      ['patch', 'nodes'],
      ['delete', 'nodes'],
      ['create', 'pods', '--subresource=eviction', '-n', 'shop'],
      ['list', 'secrets', '-n', 'shop'],
      ['delete', 'namespaces/shop'],
      ['create', 'namespaces'],
      ['create', 'pods', '-n', 'kube-system'],
      ['bind', 'clusterroles/firedrill-lose-node-namespace', '-n', 'shop'],
    ];
    const answers = async (checks: string[][]) => Object.fromEntries(await Promise.all(checks.map(async (check) => [check.join(' '), await canI(...check)])));
    expect(await answers(mayNot)).toEqual(Object.fromEntries(mayNot.map((check) => [check.join(' '), 'no'])));
    expect(await answers(may)).toEqual(Object.fromEntries(may.map((check) => [check.join(' '), 'yes'])));
  });

  it('is refused a real request outside them, and the audit log shows it: the checks above would see a refusal', async () => {
    const refused = await cluster.kubectl('--kubeconfig', firedrillKubeconfig, 'get', 'secrets', '-n', 'kube-system').catch((error: { stderr?: string }) => `ERROR ${error.stderr}`);
    expect(refused).toMatch(/^ERROR .*forbidden/is);
    const requests = await cluster.newRequests();
    expect(requests.filter((request) => request.responseStatus?.code === 403).map(requestText)).toEqual(['list /secrets kube-system/- 403']);
  });
});

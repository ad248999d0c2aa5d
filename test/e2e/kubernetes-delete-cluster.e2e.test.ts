import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill, type RunRequest } from '../../src/engine/run-drill.js';
import { openKubeContext } from '../../adapters/kubernetes/kube-context.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';
import { FINISHED_UNDO_PARAMS } from '../../adapters/postgres/run-store.js';
import { eventWaiter } from '../support/drill-world.js';
import type { TestPostgres } from '../support/servers.js';
import { kubeEnvironment, startKubeWorld, type KubeWorld } from './support/kube-world.js';
import { startKwokCluster, type KwokCluster } from './support/kwok-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROBE_INTERVAL_MS = 100;
const REPLICAS = 3;

/** The team's "code": what they rebuild the namespace from. */
const CODE = `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
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
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop, annotations: { built-from: code } }
spec:
  replicas: ${REPLICAS}
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx, resources: { requests: { cpu: "1" } } }] }
`;

let world: KubeWorld;
let cluster: KwokCluster;
let postgres: TestPostgres;
let store: RunStore;
let staging: pg.Pool;
let dir: string;
let codeFile: string;
let environment: Environment;
let writer: NodeJS.Timeout;

beforeAll(async () => {
  world = await startKubeWorld(() => startKwokCluster(3));
  ({ cluster, postgres, store } = world);
  dir = await mkdtemp(join(tmpdir(), 'firedrill-delete-cluster-'));
  codeFile = join(dir, 'shop.yaml');
  await writeFile(codeFile, CODE);
  await postgres.createDatabase('staging');
  staging = new pg.Pool({ connectionString: postgres.url('staging'), max: 2 });
  await staging.query('create table public.orders (id bigint generated always as identity primary key, created_at timestamptz not null default clock_timestamp())');
  writer = setInterval(() => void staging.query('insert into public.orders default values').catch(() => undefined), 50);
  environment = kubeEnvironment(
    { kubeconfig: cluster.kubeconfig, context: cluster.context, allowedNamespaces: ['shop', 'kube-system'] },
    { postgres: { url: { env: 'STAGING_URL' }, allowedTables: ['public.orders'] } },
  );
}, 900_000);

afterAll(async () => {
  clearInterval(writer);
  await staging?.end();
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await untilGone('namespace shop from an earlier test', 'namespace', 'shop', (text) => !text.includes('Terminating'));
  await cluster.kubectl('apply', '-f', codeFile);
  // Not in the team's code: the undo must bring it back, since the drill deleted it.
  await cluster.kubectl('-n', 'shop', 'create', 'configmap', 'legacy-flags', '--from-literal=old=yes', '--dry-run=client', '-o', 'yaml').then((yaml) =>
    writeFile(join(dir, 'legacy.yaml'), yaml),
  );
  await cluster.kubectl('apply', '-f', join(dir, 'legacy.yaml'));
  await cluster.kubectl('-n', 'shop', 'rollout', 'status', 'deployment/web', '--timeout=120s');
}, 300_000);

const clock = systemClock();
const env = () => ({ STAGING_URL: postgres.url('staging'), PATH: `${cluster.bin}:${process.env.PATH ?? ''}` });
const deps = () => ({ store, clock, runtimes: runtimeFactory({ configDir: dir, env: env() }) });

function deleteClusterDrill(target: Record<string, unknown>, stableFor = '1s') {
  return Drill.parse({
    id: 'delete-shop',
    title: 'The shop namespace is deleted',
    kind: 'delete-cluster',
    target,
    severity: 'critical',
    objectives: { ttd: '1m', rto: '5m', rpo: '1m' },
    steadyState: {
      probes: [{ type: 'kubernetes-workloads' }, { type: 'sql', name: 'orders readable', query: 'select count(*) > 0 from public.orders' }],
      interval: `${PROBE_INTERVAL_MS}ms`,
      stableFor,
    },
    rpo: { marker: 'column', table: 'public.orders', column: 'created_at' },
    recovery: { mode: 'manual' },
    maxDuration: '5m',
  });
}

/** Starts the run as alice and approves it as bob (delete-cluster requires approval by default). */
async function startApproved(request: Omit<RunRequest, 'environmentName' | 'environment' | 'requestedBy' | 'onEvent'>, environmentOverride = environment) {
  const waiter = eventWaiter();
  const running = runDrill(deps(), { ...request, environmentName: 'staging', environment: environmentOverride, requestedBy: 'alice', onEvent: waiter.onEvent });
  const { runId } = await waiter.next('approval-requested');
  await store.append(runId, { type: 'approved', by: 'bob' });
  const { event: injected } = await waiter.next('injected');
  return { running, runId, injected };
}

async function kubectlStatus(...args: string[]): Promise<string> {
  return cluster.kubectl(...args).catch((error: { stderr?: string }) => `ERROR ${error.stderr ?? String(error)}`);
}

async function untilGone(what: string, kind: string, name: string, alsoDone: (text: string) => boolean = () => false, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const text = await kubectlStatus('get', kind, name);
    if (text.includes('NotFound') || (!text.startsWith('ERROR') && alsoDone(text))) return;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}: ${text}`);
    await sleep(100);
  }
}

async function readyWebPods(): Promise<number> {
  const text = await kubectlStatus('-n', 'shop', 'get', 'pods', '-l', 'app=web', '-o', 'json');
  if (text.startsWith('ERROR')) return 0;
  const pods = JSON.parse(text) as { items: { metadata: { deletionTimestamp?: string }; status: { conditions?: { type: string; status: string }[] } }[] };
  return pods.items.filter((pod) => !pod.metadata.deletionTimestamp && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}

async function until(what: string, done: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('the delete-cluster drill on a real control plane with kwok nodes', () => {
  it('saves and deletes the namespace, times the team rebuilding it from code, then re-creates only what they left out', async () => {
    const started = performance.now();
    const { running, runId, injected } = await startApproved({ drill: deleteClusterDrill({ namespaces: ['shop'] }) });
    const events = await store.events(runId);
    const injecting = findEvent(events, 'injecting')!;
    expect(findEvent(events, 'undo-recorded')!.seq).toBeLessThan(injecting.seq);
    // plan named every saved object; the undo holds them.
    expect(injecting.actions[0]).toContain('save then delete namespace shop');
    for (const object of ['Deployment shop/web', 'Service shop/web', 'ConfigMap shop/app-config', 'ConfigMap shop/legacy-flags', 'Secret shop/db-credentials']) {
      expect(injecting.actions[0]).toContain(object);
    }
    expect(findEvents(events, 'fault-step').map((step) => step.action)).toEqual([expect.stringMatching(/^deleted namespace shop in context /)]);

    await untilGone('the namespace to be deleted', 'namespace', 'shop').catch(async (error: Error) => {
      throw new Error(`${error.message}\n${JSON.stringify((await store.events(runId)).map((event) => ({ ...event, undo: undefined })), null, 1)}`);
    });
    const detected = clock.now();
    await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, detected);
    // The team rebuilds from code (without legacy-flags) and marks their work.
    const recoveryStarted = performance.now();
    await cluster.kubectl('apply', '-f', codeFile);
    await cluster.kubectl('-n', 'shop', 'annotate', 'deployment/web', 'rebuilt-by=team');
    await until(`${REPLICAS} Ready web pods`, async () => (await readyWebPods()) === REPLICAS);
    const allReadyAt = performance.now();
    const { scorecard } = await running;
    const runMs = Math.round(performance.now() - started);

    const final = await store.events(runId);
    expect(scorecard.outcome, JSON.stringify(final, null, 1)).toBe('pass');
    expect(scorecard.ttdMs).toBe(Math.round(detected.mono - injected.mono));
    expect(scorecard.rtoMs!).toBeGreaterThanOrEqual(Math.floor(recoveryStarted - injected.mono));
    expect(scorecard.rtoMs!).toBeLessThanOrEqual(Math.ceil(allReadyAt - injected.mono) + PROBE_INTERVAL_MS + 500);
    // The database lived outside the deleted namespace and the writer kept writing: nothing lost.
    expect(scorecard.rpoMs).toBe(0);
    expect(findEvent(final, 'recovered')?.sawOutage).toBe(true);

    expect(findEvent(final, 'undo-done')?.detail).toMatch(/^namespace shop: re-created 1 object\(s\), \d+ already there$/);
    expect(await cluster.kubectl('-n', 'shop', 'get', 'configmap', 'legacy-flags', '-o', 'jsonpath={.data.old}')).toBe('yes');
    expect(await cluster.kubectl('-n', 'shop', 'get', 'deployment', 'web', '-o', 'jsonpath={.metadata.annotations.rebuilt-by}')).toBe('team');
    console.info('delete-cluster e2e measured', {
      ttdMs: scorecard.ttdMs,
      rtoMs: scorecard.rtoMs,
      rpoMs: scorecard.rpoMs,
      recoveryStartedMs: Math.round(recoveryStarted - injected.mono),
      allReadyMs: Math.round(allReadyAt - injected.mono),
      runMs,
    });
  });

  it('re-creates the whole namespace, Secret data included, when the run is aborted', async () => {
    const secretBefore = await cluster.kubectl('-n', 'shop', 'get', 'secret', 'db-credentials', '-o', 'jsonpath={.data.password}');
    const { running, runId } = await startApproved({ drill: deleteClusterDrill({ namespaces: ['shop'] }, '2m') });
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'testing the abort' });
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(findEvent(await store.events(runId), 'undo-done')?.detail).toMatch(/^namespace shop: re-created \d+ object\(s\)$/);
    expect(await cluster.kubectl('get', 'namespace', 'shop', '-o', 'jsonpath={.metadata.labels.team}')).toBe('shop');
    expect(await cluster.kubectl('-n', 'shop', 'get', 'secret', 'db-credentials', '-o', 'jsonpath={.data.password}')).toBe(secretBefore);
    // The saved Secret lived in the journal only while the run could still need its undo.
    expect(JSON.stringify(await store.events(runId))).not.toContain(secretBefore);
    expect(findEvent(await store.events(runId), 'undo-recorded')?.undo.params).toEqual(FINISHED_UNDO_PARAMS);
    expect(await cluster.kubectl('-n', 'shop', 'get', 'configmap', 'app-config', '-o', 'jsonpath={.data.mode}')).toBe('staging');
    await until(`${REPLICAS} Ready web pods after the undo`, async () => (await readyWebPods()) === REPLICAS);
  });

  it('refuses a system namespace and one outside allowedNamespaces, touching nothing', async () => {
    const waiter = eventWaiter();
    const { scorecard, runId } = await runDrill(deps(), {
      drill: deleteClusterDrill({ namespaces: ['kube-system', 'payments'] }),
      environmentName: 'staging',
      environment,
      requestedBy: 'alice',
      onEvent: waiter.onEvent,
    });
    expect(scorecard.outcome).toBe('refused');
    const failed = findEvents(await store.events(runId), 'preflight-check').filter((check) => !check.ok).map((check) => check.detail);
    expect(failed).toEqual([
      'kube-system is a system namespace and is never deleted',
      'payments is not in kubernetes.allowedNamespaces (shop, kube-system)',
    ]);
    expect(await kubectlStatus('get', 'namespace', 'kube-system', '-o', 'jsonpath={.status.phase}')).toBe('Active');
  });

  it('runs the environment teardown command, and its rebuild command as the undo', async () => {
    const teardownEnvironment: Environment = {
      ...environment,
      kubernetes: {
        ...environment.kubernetes!,
        teardown: {
          command: 'kubectl delete namespace shop --wait=false',
          rebuild: `kubectl wait --for=delete namespace/shop --timeout=120s; kubectl apply -f ${codeFile}`,
          timeout: 180_000,
        },
      },
    };
    const { running, runId } = await startApproved({ drill: deleteClusterDrill({ mode: 'teardown' }, '2m') }, teardownEnvironment);
    expect(findEvents(await store.events(runId), 'fault-step').map((step) => step.action)).toEqual([expect.stringMatching(/^ran the teardown command \(exit 0 after [\d.]+s\)$/)]);
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'testing the rebuild' });
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(findEvent(await store.events(runId), 'undo-done')?.detail).toMatch(/^rebuild command done \(exit 0 after [\d.]+s\)$/);
    await until(`${REPLICAS} Ready web pods after the rebuild`, async () => (await readyWebPods()) === REPLICAS);
  });

  it('hears a change through its watch within moments, so recovery is timed when it happens', async () => {
    const kube = openKubeContext({ kind: 'file', path: cluster.kubeconfig }, cluster.context);
    const probe = workloadsProbe(kube, 'workloads', ['shop']);
    let wakeups = 0;
    const stop = await probe.watch!(() => void (wakeups += 1));
    try {
      // The initial listing of a watch reports what exists; wait for it to settle.
      await sleep(1_000);
      const before = wakeups;
      const changed = performance.now();
      await cluster.kubectl('-n', 'shop', 'scale', 'deployment/web', '--replicas=4');
      await until('a wake-up from the watch', async () => wakeups > before, 5_000);
      const heardMs = performance.now() - changed;
      expect(heardMs).toBeLessThan(2_000);
      console.info('workloads watch heard a change after', Math.round(heardMs), 'ms (kubectl included)');
    } finally {
      await stop();
      await cluster.kubectl('-n', 'shop', 'scale', 'deployment/web', `--replicas=${REPLICAS}`);
    }
  });
});

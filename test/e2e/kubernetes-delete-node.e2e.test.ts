import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { eventWaiter } from '../support/drill-world.js';
import { podsIn, until, type PodRow } from './support/kube-polling.js';
import { createFillingDeployment, kubeEnvironment, startKubeWorld, type KubeWorld } from './support/kube-world.js';
import { startKwokCluster, type KwokCluster } from './support/kwok-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROBE_INTERVAL_MS = 100;
const REPLICAS = 6;
/** Runs a pod of a namespace the drill may not touch: delete mode must rule it out. */
const GUARDED_NODE = 'node-000002';
/**
 * The pod GC removes a deleted node's pods 40 s (its quarantine) to 80 s (up to two of its 20 s
 * periods more) after the node is gone, and until then they read Ready. The workloads probe of a
 * lose-node drill counts pods whose node is gone as lost, so the outage shows at once and a short
 * stableFor is honest; the run still lasts until the GC lets the pods be re-created elsewhere.
 */
const STABLE_FOR = '3s';

let world: KubeWorld;
let cluster: KwokCluster;
let store: RunStore;
let environment: Environment;
let dir: string;
let clusterStartMs = 0;

beforeAll(async () => {
  world = await startKubeWorld(() => startKwokCluster(3));
  ({ cluster, store, clusterStartMs } = world);
  dir = await mkdtemp(join(tmpdir(), 'firedrill-delete-node-'));
  environment = kubeEnvironment({ kubeconfig: cluster.kubeconfig, context: cluster.context, allowedNamespaces: ['shop'] });
  await cluster.kubectl('create', 'namespace', 'shop');
  await cluster.kubectl('create', 'namespace', 'billing');
  await cluster.kubectl('-n', 'billing', 'run', 'invoices', '--image=nginx', '--restart=Never', `--overrides={"spec":{"nodeName":"${GUARDED_NODE}"}}`);
  await createFillingDeployment(cluster, 'shop', REPLICAS);
  await until('the billing pod Ready', () => podsIn(cluster, 'billing'), (pods) => pods.some((pod) => pod.ready));
}, 900_000);

afterAll(async () => {
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const clock = systemClock();
const deps = () => ({ store, clock, runtimes: runtimeFactory({ configDir: process.cwd(), env: {} }) });

function deleteNodeDrill(stableFor: string) {
  return Drill.parse({
    id: 'delete-a-shop-node',
    title: 'A shop node disappears',
    kind: 'lose-node',
    target: { mode: 'delete' },
    severity: 'medium',
    objectives: { rto: '2m' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }], interval: `${PROBE_INTERVAL_MS}ms`, stableFor },
    recovery: { mode: 'manual' },
    maxDuration: '4m',
  });
}

const shopPods = () => podsIn(cluster, 'shop');

interface NodeRow {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ready: boolean;
}

async function readNode(node: string): Promise<NodeRow> {
  const object = JSON.parse(await cluster.kubectl('get', 'node', node, '-o', 'json')) as {
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    status: { conditions?: { type: string; status: string }[] };
  };
  const ready = object.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  return { labels: object.metadata.labels, annotations: object.metadata.annotations, ready };
}

function pickedNode(events: readonly RunEvent[]): string {
  return String(findEvent(events, 'undo-recorded')?.undo.params.node);
}

/** What every delete-mode run must have journaled by the time it is injected. */
async function expectDeletedAndJournaled(runId: string, injected: RunEvent, labelsBefore: Map<string, Record<string, string>>): Promise<string> {
  const events = await store.events(runId);
  const node = pickedNode(events);
  expect(node).not.toBe(GUARDED_NODE);
  const nodeCheck = findEvents(events, 'preflight-check').find((check) => check.check === 'node to lose');
  expect(nodeCheck?.detail).toContain(`${GUARDED_NODE} (runs pods outside the allowed namespaces: billing/invoices)`);
  const undo = findEvent(events, 'undo-recorded')!;
  expect(undo.undo.action).toBe('recreate-node');
  expect(undo.undo.params).toMatchObject({ node, context: cluster.context, saved: { metadata: { name: node, labels: labelsBefore.get(node) } } });
  const injecting = findEvent(events, 'injecting')!;
  expect(undo.seq).toBeLessThan(injecting.seq);
  expect(injecting.actions).toEqual(expect.arrayContaining([expect.stringContaining(`save node ${node}, then delete it in context ${cluster.context}`)]));
  const steps = findEvents(events, 'fault-step');
  expect(steps.map(({ action, undoneBy }) => ({ action, undoneBy }))).toEqual([{ action: `deleted node ${node}`, undoneBy: 'the recorded undo re-creates it from the saved object' }]);
  expect(steps[0]!.seq).toBeGreaterThan(injecting.seq);
  expect(steps[0]!.seq).toBeLessThan(injected.seq);
  await expect(cluster.kubectl('get', 'node', node)).rejects.toThrow(/NotFound/);
  return node;
}

async function expectNodeBack(node: string, labels: Record<string, string> | undefined): Promise<void> {
  const back = await until(`node ${node} Ready again`, () => readNode(node), (row) => row.ready, 15_000);
  expect(back.labels).toEqual(labels);
  // kwok manages the nodes carrying its annotation: the saved copy kept it.
  expect(back.annotations['kwok.x-k8s.io/node']).toBe('fake');
}

/** The team's recovery: one more node. kwok manages it because of its annotation. */
async function addSpareNode(name: string): Promise<void> {
  const file = join(dir, `${name}.json`);
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { type: 'kwok', 'kubernetes.io/hostname': name }, annotations: { 'kwok.x-k8s.io/node': 'fake' } } };
  await writeFile(file, JSON.stringify(node));
  await cluster.kubectl('create', '-f', file);
}

async function allNodeLabels(): Promise<Map<string, Record<string, string>>> {
  const list = JSON.parse(await cluster.kubectl('get', 'nodes', '-o', 'json')) as { items: { metadata: { name: string; labels: Record<string, string> } }[] };
  return new Map(list.items.map((item) => [item.metadata.name, item.metadata.labels]));
}

describe('the lose-node drill (delete) on a real control plane with kwok nodes', () => {
  it('deletes a node, times the pod GC and the team adding a node, scores the run and re-creates the node', async () => {
    const labelsBefore = await allNodeLabels();
    const before = await shopPods();
    const waiter = eventWaiter();
    const started = performance.now();
    const running = runDrill(deps(), { drill: deleteNodeDrill(STABLE_FOR), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });

    const { runId, event: injected } = await waiter.next('injected');
    const node = await expectDeletedAndJournaled(runId, injected, labelsBefore);
    const onNode = before.filter((pod) => pod.node === node);
    expect(onNode.length).toBeGreaterThan(0);
    // plan named the pods the node's loss takes.
    const actions = findEvent(await store.events(runId), 'injecting')!.actions.join('\n');
    for (const pod of onNode) expect(actions).toContain(`shop/${pod.name}`);

    // Until the pod GC acts, the lost node's pods still read Ready (as the workloads probe sees them).
    let lastSawPodOnNode = injected.mono;
    const pending = await until(
      'the lost node\'s pods taken by the pod GC and Pending again',
      async () => {
        const pollStarted = performance.now();
        const pods = await shopPods();
        if (pods.some((pod) => pod.node === node && pod.ready && !pod.terminating)) lastSawPodOnNode = pollStarted;
        return pods;
      },
      (pods) => pods.filter((pod) => !pod.terminating && !pod.node).length === onNode.length && !pods.some((pod) => pod.node === node),
      120_000,
    );
    const podsGoneAt = performance.now();
    expect(pending.filter((pod) => pod.ready && !pod.terminating)).toHaveLength(REPLICAS - onNode.length);
    await sleep(300);
    // The team's recovery: add a node.
    const recoveryStarted = performance.now();
    await addSpareNode('spare-000000');
    const rescheduled = await until(
      `${REPLICAS} Ready shop pods off ${node}`,
      shopPods,
      (pods) => pods.filter((pod) => !pod.terminating && pod.ready && pod.node !== node).length === REPLICAS && !pods.some((pod) => pod.node === node),
    );
    const allReadyAt = performance.now();
    const { scorecard } = await running;
    const runMs = Math.round(performance.now() - started);
    const events = await store.events(runId);

    expect(scorecard.outcome, JSON.stringify(events, null, 1)).toBe('pass');
    expect(findEvent(events, 'recovered')?.sawOutage).toBe(true);
    expect(scorecard.rtoMs!).toBeGreaterThanOrEqual(Math.floor(recoveryStarted - injected.mono));
    // Recovery cannot be later than the moment the test saw every replica Ready elsewhere, plus one probe interval and scheduling slack.
    expect(scorecard.rtoMs!).toBeLessThanOrEqual(Math.ceil(allReadyAt - injected.mono) + PROBE_INTERVAL_MS + 500);
    expect(rescheduled.filter((pod) => pod.node === 'spare-000000')).toHaveLength(onNode.length);
    expect(findEvent(events, 'undo-done')?.detail).toBe(`re-created node ${node} from its saved object`);
    await expectNodeBack(node, labelsBefore.get(node));
    console.info('lose-node delete e2e measured', {
      clusterStartMs,
      node,
      podsOnNode: onNode.length,
      rtoMs: scorecard.rtoMs,
      lastSawPodOnNodeMs: Math.round(lastSawPodOnNode - injected.mono),
      podsGoneMs: Math.round(podsGoneAt - injected.mono),
      recoveryStartedMs: Math.round(recoveryStarted - injected.mono),
      allReadyMs: Math.round(allReadyAt - injected.mono),
      runMs,
    });
  });

  it('re-creates the node when the run is aborted, before the pod GC takes its pods', async () => {
    const labelsBefore = await allNodeLabels();
    const before = await shopPods();
    const waiter = eventWaiter();
    const running = runDrill(deps(), { drill: deleteNodeDrill('2m'), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });
    const { runId, event: injected } = await waiter.next('injected');
    const node = await expectDeletedAndJournaled(runId, injected, labelsBefore);
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'testing the abort' });
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(findEvent(await store.events(runId), 'undo-done')?.detail).toBe(`re-created node ${node} from its saved object`);
    await expectNodeBack(node, labelsBefore.get(node));
    // The node came back within the pod GC's quarantine: its pods were never taken.
    const onNode = (pods: PodRow[]) => pods.filter((pod) => pod.node === node && !pod.terminating).map((pod) => pod.name).sort();
    expect(onNode(await shopPods())).toEqual(onNode(before));
  });
});

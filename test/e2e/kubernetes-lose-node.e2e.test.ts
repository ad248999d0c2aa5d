import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config/config-schema.js';
import { Drill } from '../../src/catalogue/drill-schema.js';
import { runtimeFactory } from '../../src/compose/index.js';
import { systemClock } from '../../src/engine/clock.js';
import { findEvent, findEvents, type RunEvent } from '../../src/engine/events.js';
import type { RunStore } from '../../src/engine/ports.js';
import { runDrill } from '../../src/engine/run-drill.js';
import { eventWaiter } from '../support/drill-world.js';
import { podsIn, until } from './support/kube-polling.js';
import { createFillingDeployment, kubeEnvironment, startKubeWorld, type KubeWorld } from './support/kube-world.js';
import { startKwokCluster, type KwokCluster } from './support/kwok-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const PROBE_INTERVAL_MS = 100;
const REPLICAS = 6;

let world: KubeWorld;
let cluster: KwokCluster;
let store: RunStore;
let environment: Environment;
let clusterStartMs = 0;

beforeAll(async () => {
  world = await startKubeWorld(() => startKwokCluster(3));
  ({ cluster, store, clusterStartMs } = world);
  environment = kubeEnvironment({ kubeconfig: cluster.kubeconfig, context: cluster.context, allowedNamespaces: ['shop'] });
  await cluster.kubectl('create', 'namespace', 'shop');
  await createFillingDeployment(cluster, 'shop', REPLICAS);
}, 900_000);

afterAll(async () => {
  await world?.stop();
});

const clock = systemClock();
const deps = () => ({ store, clock, runtimes: runtimeFactory({ configDir: process.cwd(), env: {} }) });

function loseNodeDrill(stableFor: string) {
  return Drill.parse({
    id: 'lose-a-shop-node',
    title: 'A shop node is lost',
    kind: 'lose-node',
    target: { mode: 'drain' },
    severity: 'medium',
    objectives: { ttd: '1m', rto: '2m' },
    steadyState: { probes: [{ type: 'kubernetes-workloads' }], interval: `${PROBE_INTERVAL_MS}ms`, stableFor },
    recovery: { mode: 'manual' },
    maxDuration: '3m',
  });
}

const shopPods = () => podsIn(cluster, 'shop');

async function unschedulable(node: string): Promise<boolean> {
  return (await cluster.kubectl('get', 'node', node, '-o', 'jsonpath={.spec.unschedulable}')).trim() === 'true';
}

const recoveredEvent = (events: readonly RunEvent[]) => findEvent(events, 'recovered');

function pickedNode(events: readonly RunEvent[]): string {
  const undo = findEvent(events, 'undo-recorded');
  return String(undo?.undo.params.node);
}

describe('the lose-node drill (drain) on a real control plane with kwok nodes', () => {
  it('cordons and drains a node, times the rescheduling, scores the run and uncordons', async () => {
    const before = await shopPods();
    const waiter = eventWaiter();
    const started = performance.now();
    const running = runDrill(deps(), { drill: loseNodeDrill('3s'), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });

    const { runId, event: injected } = await waiter.next('injected');
    const events = await store.events(runId);
    const node = pickedNode(events);
    const onNode = before.filter((pod) => pod.node === node).map((pod) => `evict pod shop/${pod.name} (Eviction API, PodDisruptionBudgets honoured)`);
    expect(onNode.length).toBeGreaterThan(0);
    // plan named exactly the pods that were on the node, and the undo came before the injection.
    expect(findEvent(events, 'injecting')?.actions).toEqual(expect.arrayContaining([expect.stringContaining(`cordon node ${node}`), ...onNode]));
    expect(findEvent(events, 'undo-recorded')!.seq).toBeLessThan(findEvent(events, 'injecting')!.seq);
    // One fault-step per change, between injecting and injected: the cordon, then each eviction with the controller that re-creates the pod.
    const steps = findEvents(events, 'fault-step');
    expect(steps.map((step) => step.action).sort()).toEqual([`cordoned node ${node}`, ...before.filter((pod) => pod.node === node).map((pod) => `evicted pod shop/${pod.name}`)].sort());
    expect(steps[0]!.seq).toBeGreaterThan(findEvent(events, 'injecting')!.seq);
    expect(steps.at(-1)!.seq).toBeLessThan(injected.seq);
    for (const step of steps.slice(1)) expect(step.undoneBy).toMatch(/^none needed: its ReplicaSet web-[a-z0-9]+ re-creates it on another node$/);
    expect(await unschedulable(node)).toBe(true);

    const pending = await until('evicted pods Pending', shopPods, (pods) => pods.filter((pod) => !pod.terminating && !pod.node).length === onNode.length);
    expect(pending.some((pod) => pod.node === node && !pod.terminating)).toBe(false);
    await sleep(300);
    const detected = clock.now();
    await store.append(runId, { type: 'detected', by: { source: 'cli', name: 'bob' } }, detected);
    // The team's recovery: add a node, as the drill's instructions say.
    await sleep(300);
    const recoveryStarted = performance.now();
    await cluster.scaleNodes(4);

    const rescheduled = await until(
      `${REPLICAS} Ready shop pods off ${node}`,
      shopPods,
      (pods) => pods.filter((pod) => !pod.terminating && pod.ready && pod.node !== node).length === REPLICAS && !pods.some((pod) => pod.node === node),
    );
    const allReadyAt = performance.now();
    const { scorecard } = await running;
    const runMs = Math.round(performance.now() - started);

    expect(scorecard.outcome, JSON.stringify(await store.events(runId), null, 1)).toBe('pass');
    expect(scorecard.detectedBy).toEqual({ source: 'cli', name: 'bob' });
    expect(scorecard.ttdMs).toBe(Math.round(detected.mono - injected.mono));
    expect(scorecard.rtoMs!).toBeGreaterThanOrEqual(Math.floor(recoveryStarted - injected.mono));
    // Recovery cannot be later than the moment the test saw every replica Ready elsewhere, plus one probe interval and scheduling slack.
    expect(scorecard.rtoMs!).toBeLessThanOrEqual(Math.ceil(allReadyAt - injected.mono) + PROBE_INTERVAL_MS + 500);
    expect(new Set(rescheduled.map((pod) => pod.node))).toEqual(new Set(['node-000000', 'node-000001', 'node-000002', 'node-000003'].filter((name) => name !== node)));
    expect(recoveredEvent(await store.events(runId))?.sawOutage).toBe(true);
    expect(await unschedulable(node)).toBe(false);
    console.info('lose-node e2e measured', { clusterStartMs, node, evicted: onNode.length, rtoMs: scorecard.rtoMs, ttdMs: scorecard.ttdMs, recoveryStartedMs: Math.round(recoveryStarted - injected.mono), allReadyMs: Math.round(allReadyAt - injected.mono), runMs });
  });

  it('uncordons the node when the run is aborted mid-run', async () => {
    const waiter = eventWaiter();
    // Service is back within seconds, but stableFor keeps the run going until the abort.
    const running = runDrill(deps(), { drill: loseNodeDrill('2m'), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });
    const { runId } = await waiter.next('injected');
    const node = pickedNode(await store.events(runId));
    expect(await unschedulable(node)).toBe(true);
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'testing the abort' });
    const { scorecard } = await running;

    expect(scorecard.outcome).toBe('aborted');
    expect(await unschedulable(node)).toBe(false);
    const events = await store.events(runId);
    expect(findEvent(events, 'undo-done')?.detail).toBe(`uncordoned node ${node}`);
  });

  it('honours a PodDisruptionBudget: the drain waits while it forbids evictions, as kubectl drain does', async () => {
    // 4 nodes of 2 slots since the first test: 8 replicas put pods on whichever node the run picks.
    const replicas = 8;
    await cluster.kubectl('-n', 'shop', 'scale', 'deployment/web', `--replicas=${replicas}`);
    await until(`${replicas} Ready shop pods`, shopPods, (pods) => pods.filter((pod) => pod.ready && !pod.terminating).length === replicas);
    await cluster.kubectl('-n', 'shop', 'create', 'poddisruptionbudget', 'web', '--selector=app=web', `--min-available=${replicas}`);
    const waiter = eventWaiter();
    const running = runDrill(deps(), { drill: loseNodeDrill('2m'), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });
    const { runId, event: injecting } = await waiter.next('injecting');
    const node = pickedNode(await store.events(runId));
    await sleep(1_500);
    // Cordoned, but the budget keeps every pod where it is.
    expect(await unschedulable(node)).toBe(true);
    expect((await shopPods()).filter((pod) => pod.node === node && !pod.terminating).length).toBeGreaterThan(0);
    const released = performance.now();
    await cluster.kubectl('-n', 'shop', 'delete', 'poddisruptionbudget', 'web');
    const { event: injected } = await waiter.next('injected');
    expect(injected.mono - injecting.mono).toBeGreaterThanOrEqual(1_500);
    // Retried within a second of the budget going away.
    expect(injected.mono).toBeLessThanOrEqual(released + 1_000 + 500);
    await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'enough' });
    const { scorecard } = await running;
    expect(scorecard.outcome).toBe('aborted');
    expect(await unschedulable(node)).toBe(false);
  });

  it('stops waiting for a PodDisruptionBudget when the run is aborted, and uncordons', async () => {
    const replicas = 8;
    await cluster.kubectl('-n', 'shop', 'create', 'poddisruptionbudget', 'web-held', '--selector=app=web', `--min-available=${replicas}`);
    try {
      const waiter = eventWaiter();
      const running = runDrill(deps(), { drill: loseNodeDrill('2m'), environmentName: 'staging', environment, requestedBy: 'alice', onEvent: waiter.onEvent });
      const { runId } = await waiter.next('injecting');
      const node = pickedNode(await store.events(runId));
      await sleep(1_500);
      const podsHeld = (await shopPods()).filter((pod) => pod.node === node && !pod.terminating).length;
      expect(podsHeld).toBeGreaterThan(0);
      const abortedAt = performance.now();
      await store.append(runId, { type: 'abort-requested', by: 'alice', reason: 'the budget holds, stop' });
      const { scorecard } = await running;

      // Not maxDuration (3m): the eviction retry hears the abort.
      expect(performance.now() - abortedAt).toBeLessThan(5_000);
      expect(scorecard.outcome).toBe('aborted');
      const events = await store.events(runId);
      expect(findEvent(events, 'injected')).toBeUndefined();
      expect(findEvent(events, 'failed')).toBeUndefined();
      expect(findEvent(events, 'rollback-started')?.reason).toBe('abort requested by alice during injection');
      expect(await unschedulable(node)).toBe(false);
      expect((await shopPods()).filter((pod) => pod.node === node && !pod.terminating)).toHaveLength(podsHeld);
    } finally {
      await cluster.kubectl('-n', 'shop', 'delete', 'poddisruptionbudget', 'web-held');
    }
  });
});

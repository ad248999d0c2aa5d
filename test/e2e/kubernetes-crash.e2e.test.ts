import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { anyCommand, expectRolledBack, KILL_POINTS, runAndKill, type KillPoint } from '../support/crash-harness.js';
import { until } from './support/kube-polling.js';
import { createFillingDeployment, startKubeWorld, type KubeWorld } from './support/kube-world.js';
import { startKwokCluster, type KwokCluster } from './support/kwok-cluster.js';

let world: KubeWorld;
let cluster: KwokCluster;
let dir: string;
let config: string;
let env: NodeJS.ProcessEnv;

const drills = {
  'lose-node': `
id: lose-node
title: a shop node is lost while firedrill dies
kind: lose-node
target: { mode: drain }
severity: medium
objectives: { rto: 5m }
steadyState: { probes: [{ type: kubernetes-workloads }], interval: 200ms, stableFor: 1s }
recovery: { mode: manual }
maxDuration: 10m
`,
  'delete-cluster': `
id: delete-cluster
title: the shop namespace is deleted while firedrill dies
kind: delete-cluster
target: { mode: namespaces }
severity: critical
requiresApproval: false
objectives: { rto: 5m }
steadyState: { probes: [{ type: kubernetes-workloads }], interval: 200ms, stableFor: 1s }
recovery: { mode: manual }
maxDuration: 10m
`,
};

beforeAll(async () => {
  world = await startKubeWorld(() => startKwokCluster(3));
  cluster = world.cluster;
  await cluster.kubectl('create', 'namespace', 'shop');
  // Room to spare, so that a drained node's pods are Ready elsewhere: the states are about the fault, not capacity.
  await createFillingDeployment(cluster, 'shop', 2);
  await until('shop Ready', () => cluster.kubectl('get', 'deploy', 'web', '-n', 'shop', '-o', 'jsonpath={.status.readyReplicas}'), (ready) => ready.trim() === '2');
  dir = await mkdtemp(join(tmpdir(), 'firedrill-kube-crash-'));
  await mkdir(join(dir, 'drills'));
  for (const [id, yaml] of Object.entries(drills)) await writeFile(join(dir, 'drills', `${id}.yaml`), yaml);
  config = join(dir, 'firedrill.yaml');
  await writeFile(
    config,
    `builtInDrills: false
catalogue: [drills/]
environments:
  staging:
    kubernetes: { kubeconfig: "${cluster.kubeconfig}", context: "${cluster.context}", allowedNamespaces: [shop] }
store:
  url: { env: TEST_STORE_URL }
`,
  );
  env = { TEST_STORE_URL: world.postgres.url('firedrill') };
}, 900_000);

afterAll(async () => {
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const abortFromAnotherTerminal = async (runId: string) => void (await runCli(['abort', runId.slice(0, 8), '--config', config], { env }));

async function noNodeCordoned(): Promise<boolean> {
  return (await cluster.kubectl('get', 'nodes', '-o', 'jsonpath={.items[*].spec.unschedulable}')).trim() === '';
}

async function shopBack(): Promise<boolean> {
  const deployments = await cluster.kubectl('get', 'deploy', '-n', 'shop', '-o', 'jsonpath={.items[*].metadata.name}').catch(() => '');
  return deployments.trim() === 'web';
}

type Case = [drill: keyof typeof drills, point: KillPoint, abort?: boolean];
const CASES: Case[] = [
  ['lose-node', KILL_POINTS.injecting],
  ['lose-node', KILL_POINTS.awaitingDetection],
  ['lose-node', KILL_POINTS.undoing, true],
  ['delete-cluster', KILL_POINTS.injecting],
  ['delete-cluster', KILL_POINTS.awaitingDetection],
];

describe('Kubernetes drills, firedrill killed with SIGKILL', () => {
  it.each(CASES.map(([drill, point, abort]) => [`${drill}, ${point.name}`, drill, point, abort] as const))('%s: the next command undoes it', async (_name, drill, killPoint, abort) => {
    const killed = await runAndKill({
      store: world.store,
      environment: 'staging',
      runArgs: ['run', drill, '--env', 'staging', '--config', config],
      env,
      killPoint,
      ...(abort ? { afterInjected: abortFromAnotherTerminal } : {}),
    });
    const recovery = await anyCommand(config, env);
    await expectRolledBack(world.store, killed, recovery);
    expect(await noNodeCordoned()).toBe(true);
    expect(await shopBack()).toBe(true);
  }, 300_000);
});

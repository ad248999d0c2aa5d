import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEvent } from '../../src/engine/events.js';
import { follow, waitFor, type FollowedProcess } from '../support/embedded-store.js';
import { outageIn, startReplica, theLeader, writeReplicaConfig, type Replica } from '../ha/serve-replicas.js';
import { startKwokCluster, type KwokCluster } from './support/kwok-cluster.js';
import { startKubeWorld, type KubeWorld } from './support/kube-world.js';

/**
 * Leader election on a coordination.k8s.io Lease of a real API server: electors in processes of
 * their own, killed with -9 (nothing renews, nothing releases), and two `firedrill serve`
 * replicas electing through the Lease while a scheduled drill runs.
 */

const NAMESPACE = 'firedrill';
/** DEFAULT_LEASE_TIMING: lease 10 s, retry 2 s; the bound for a takeover. */
const TAKEOVER_BOUND_MS = 15_000;

let world: KubeWorld<KwokCluster>;
let dir: string;
const children: FollowedProcess[] = [];
const replicas: Replica[] = [];

beforeAll(async () => {
  world = await startKubeWorld(() => startKwokCluster(0));
  await world.cluster.kubectl('create', 'namespace', NAMESPACE);
  dir = await mkdtemp(join(tmpdir(), 'firedrill-lease-'));
});

afterAll(async () => {
  for (const started of [...children, ...replicas.map((replica) => replica.process)]) {
    started.child.kill('SIGKILL');
    await started.exited;
  }
  await world?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface LeaseSpec {
  holderIdentity?: string;
  renewTime?: string;
  leaseTransitions?: number;
  leaseDurationSeconds?: number;
}

async function lease(name: string): Promise<LeaseSpec | undefined> {
  const text = await world.cluster.kubectl('get', 'lease', '-n', NAMESPACE, name, '-o', 'json').catch(() => undefined);
  return text ? (JSON.parse(text) as { spec: LeaseSpec }).spec : undefined;
}

function elector(name: string, identity: string): FollowedProcess {
  const script = fileURLToPath(new URL('../support/lease-elector-child.ts', import.meta.url));
  const started = follow(spawn(process.execPath, ['--import', 'tsx', script, world.cluster.kubeconfig, NAMESPACE, name, identity], { stdio: ['ignore', 'pipe', 'pipe'] }));
  children.push(started);
  return started;
}

describe('leader election on a Kubernetes Lease', () => {
  it('elects one of two electors; when the leader is killed, the other takes the Lease within the lease duration', async () => {
    const first = elector('electors', 'first');
    await first.waitFor(/leading/, 'stdout');
    const second = elector('electors', 'second');
    await second.waitFor(/started/, 'stdout');
    const created = await lease('electors');
    expect(created).toMatchObject({ holderIdentity: 'first', leaseDurationSeconds: 10, leaseTransitions: 0 });
    // Renewed by the first, while the second follows.
    const renewed = await waitFor('the Lease to be renewed', async () => {
      const spec = await lease('electors');
      return spec?.renewTime !== created?.renewTime ? spec : undefined;
    });
    expect(renewed).toMatchObject({ holderIdentity: 'first', leaseTransitions: 0 });
    expect(second.stdout()).not.toContain('leading');

    const killedAt = performance.now();
    first.child.kill('SIGKILL');
    await first.exited;
    await second.waitFor(/leading/, 'stdout');
    const takeoverMs = performance.now() - killedAt;
    console.log(`Lease: a killed leader was replaced after ${(takeoverMs / 1000).toFixed(1)} s`);
    expect(await lease('electors')).toMatchObject({ holderIdentity: 'second', leaseTransitions: 1 });
    expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
  });

  it('two serve replicas on one store lead through the Lease; a leader killed mid-drill is taken over within 15 s', async () => {
    const config = await writeReplicaConfig(dir, [new Date(Date.now() + 45_000)]);
    // The same config with the Lease named: what the chart's replicas do, with a kubeconfig instead of the in-cluster account.
    await writeFile(config, `${await readFile(config, 'utf8')}server:\n  leaderElection:\n    lease: { namespace: ${NAMESPACE}, name: firedrill-leader, kubeconfig: ${world.cluster.kubeconfig} }\n`);
    const env = { DATABASE_URL: world.postgres.url('firedrill'), FIREDRILL_STATE_DIR: join(dir, 'state'), FIREDRILL_ALERT_TOKEN: 'alert-token-for-tests' };
    replicas.push(await startReplica('a', config, env), await startReplica('b', config, env));
    const leader = await theLeader(replicas);
    expect((await lease('firedrill-leader'))?.holderIdentity).toBe(leader.owner);

    const runId = await waitFor(
      'the scheduled run to inject',
      async () => {
        for (const run of await world.store.active('staging')) if (findEvent(await world.store.events(run.id), 'injected')) return run.id;
        return undefined;
      },
      90_000,
    );
    expect(findEvent(await world.store.events(runId), 'run-created')?.owner).toBe(leader.owner);
    const killedAt = Date.now();
    leader.process.child.kill('SIGKILL');
    await leader.process.exited;
    const other = replicas.find((replica) => replica !== leader)!;
    await theLeader([other], TAKEOVER_BOUND_MS + 5_000);
    const takeover = await waitFor('the takeover to be journaled', async () => findEvent(await world.store.events(runId), 'taken-over'), TAKEOVER_BOUND_MS + 10_000);
    const takeoverMs = Date.parse(takeover.at) - killedAt;
    console.log(`Lease: serve replica took the drill over ${(takeoverMs / 1000).toFixed(1)} s after the leader was killed`);
    expect(takeover).toMatchObject({ from: leader.owner, to: other.owner, action: 'resumed' });
    expect(takeoverMs).toBeLessThanOrEqual(TAKEOVER_BOUND_MS);
    expect((await lease('firedrill-leader'))).toMatchObject({ holderIdentity: other.owner, leaseTransitions: 1 });

    await unlink(join(dir, 'outage'));
    await waitFor('the run to finish', async () => ((await world.store.get(runId))?.finishedAt ? true : undefined), 60_000);
    expect(findEvent(await world.store.events(runId), 'scored')?.outcome).toBe('pass');
    expect(await outageIn(dir)).toBe(false);
  });
});

import type { Environment, KubernetesTarget } from '../../../src/config/config-schema.js';
import type { RunStore } from '../../../src/engine/ports.js';
import { openPostgresRunStore } from '../../../adapters/postgres/run-store.js';
import { startTestPostgres, type TestPostgres } from '../../support/servers.js';
import type { KwokCluster } from './kwok-cluster.js';

/** A kwok cluster and a real PostgreSQL holding the run store (database `firedrill`): what every Kubernetes e2e suite starts. */
export interface KubeWorld<C extends KwokCluster = KwokCluster> {
  cluster: C;
  postgres: TestPostgres;
  store: RunStore;
  /** How long the cluster took to start, for the suites' measurements. */
  clusterStartMs: number;
  stop(): Promise<void>;
}

export async function startKubeWorld<C extends KwokCluster>(startCluster: () => Promise<C>): Promise<KubeWorld<C>> {
  const starting = performance.now();
  const [clusterStarted, postgresStarted] = await Promise.allSettled([startCluster(), startTestPostgres()]);
  if (clusterStarted.status === 'rejected' || postgresStarted.status === 'rejected') {
    // Stop whichever did start: a failed setup must not leave servers behind.
    if (clusterStarted.status === 'fulfilled') await clusterStarted.value.stop();
    if (postgresStarted.status === 'fulfilled') await postgresStarted.value.stop();
    throw clusterStarted.status === 'rejected' ? clusterStarted.reason : (postgresStarted as PromiseRejectedResult).reason;
  }
  const cluster = clusterStarted.value;
  const postgres = postgresStarted.value;
  const clusterStartMs = Math.round(performance.now() - starting);
  let store: RunStore;
  try {
    await postgres.createDatabase('firedrill');
    store = await openPostgresRunStore(postgres.url('firedrill'));
  } catch (error) {
    await postgres.stop();
    await cluster.stop();
    throw error;
  }
  return {
    cluster,
    postgres,
    store,
    clusterStartMs,
    async stop() {
      await store.close();
      await postgres.stop();
      await cluster.stop();
    },
  };
}

/** A staging environment on the cluster: unprotected, no buckets, control-plane nodes off limits. */
export function kubeEnvironment(kubernetes: Pick<KubernetesTarget, 'kubeconfig' | 'context' | 'allowedNamespaces'> & Partial<KubernetesTarget>, extra: Partial<Environment> = {}): Environment {
  return { protected: false, allowProductionLookingNames: false, buckets: {}, ...extra, kubernetes: { allowControlPlane: false, ...kubernetes } };
}

/**
 * Deployment `web` in `namespace`, sized so that two replicas fill a kwok node (32 CPUs, requests
 * of 12): `replicas` = 2 × nodes leaves no room, so a lost node's pods stay Pending until the team
 * adds capacity. With room to spare, kwok has them Ready again within ~100 ms, too quickly for
 * any person (or probe) to see the outage.
 */
export async function createFillingDeployment(cluster: KwokCluster, namespace: string, replicas: number): Promise<void> {
  await cluster.kubectl('-n', namespace, 'create', 'deployment', 'web', '--image=nginx', '--replicas=0');
  await cluster.kubectl('-n', namespace, 'set', 'resources', 'deployment/web', '--requests=cpu=12');
  await cluster.kubectl('-n', namespace, 'scale', 'deployment/web', `--replicas=${replicas}`);
  await cluster.kubectl('-n', namespace, 'rollout', 'status', 'deployment/web', '--timeout=120s');
}

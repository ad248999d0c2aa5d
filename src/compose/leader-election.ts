import path from 'node:path';
import type { Catalogue } from '../catalogue/load.js';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { LeaderElector } from '../server/leader-elector.js';
import type { OpenedStore } from './index.js';

/**
 * The elector `serve` uses: `server.leaderElection` when the config names one; otherwise a
 * Lease in $POD_NAMESPACE when running in a cluster (KUBERNETES_SERVICE_HOST and POD_NAMESPACE
 * set: the chart sets POD_NAMESPACE from the downward API), else an advisory lock on the store.
 * The Kubernetes client loads only for a Lease.
 */
export async function startLeaderElection(catalogue: Catalogue, opened: OpenedStore, env: NodeJS.ProcessEnv, identity: string, log: Logger): Promise<LeaderElector> {
  const chosen = catalogue.config.server.leaderElection;
  const onError = (error: unknown) => log.warn({ err: error }, 'leader election round failed');
  const inCluster = Boolean(env.KUBERNETES_SERVICE_HOST && env.POD_NAMESPACE);
  if (chosen && 'postgres' in chosen) return opened.leaderLock({ identity, name: chosen.postgres.name, onError });
  if (!chosen && !inCluster) return opened.leaderLock({ identity, onError });
  const lease = chosen?.lease;
  const namespace = lease?.namespace ?? env.POD_NAMESPACE;
  if (!namespace) {
    throw new UserError(
      'server.leaderElection.lease has no namespace and POD_NAMESPACE is not set',
      `write the namespace in ${catalogue.configPath}: server.leaderElection.lease.namespace`,
    );
  }
  const [{ KubeConfig }, { startLeaseElector }] = await Promise.all([import('@kubernetes/client-node'), import('../../adapters/kubernetes/lease-elector.js')]);
  const config = new KubeConfig();
  try {
    if (lease?.kubeconfig) config.loadFromFile(path.resolve(catalogue.configDir, lease.kubeconfig));
    else config.loadFromCluster();
  } catch (error) {
    throw new UserError(
      `cannot read the kubeconfig for leader election: ${error instanceof Error ? error.message : String(error)}`,
      'check server.leaderElection.lease.kubeconfig, or run in a cluster with a service account',
    );
  }
  return startLeaseElector(config, { namespace, name: lease?.name ?? 'firedrill-leader', identity, onError });
}

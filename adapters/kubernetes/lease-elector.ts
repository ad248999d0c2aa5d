import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { LeaseConflict, LeaseElection, type ElectionClock, type LeaseApi, type LeaseRecord, type LeaseTiming } from '../../src/server/lease-election.js';
import { statusOf } from './kube-context.js';

export interface LeaseElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  timing?: LeaseTiming;
  clock?: ElectionClock;
  onError?: (error: unknown) => void;
}

/** Leader election on a coordination.k8s.io/v1 Lease (needs get, create and update on leases in `namespace`). */
export function startLeaseElector(config: KubeConfig, options: LeaseElectorOptions): LeaseElection {
  return new LeaseElection(leaseApi(config.makeApiClient(CoordinationV1Api), options.namespace, options.name), options.identity, options.timing, options.clock, options.onError).start();
}

export function leaseApi(api: CoordinationV1Api, namespace: string, name: string): LeaseApi {
  const body = (record: Omit<LeaseRecord, 'resourceVersion'>, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion !== undefined && { resourceVersion }) },
    spec: {
      // An empty holder is how a leader that stopped gives the Lease up (client-go does the same).
      holderIdentity: record.holderIdentity ?? '',
      leaseDurationSeconds: record.leaseDurationSeconds,
      ...(record.acquireTime && { acquireTime: new V1MicroTime(record.acquireTime.getTime()) }),
      ...(record.renewTime && { renewTime: new V1MicroTime(record.renewTime.getTime()) }),
      leaseTransitions: record.leaseTransitions,
    },
  });
  const conflicts = async (work: () => Promise<V1Lease>): Promise<LeaseRecord> => {
    try {
      return toRecord(await work());
    } catch (error) {
      // 409: another replica wrote first (create or a stale resourceVersion); 422 has the same cause on some servers.
      if (statusOf(error) === 409) throw new LeaseConflict(`Lease ${namespace}/${name} was written by another replica first`);
      throw error;
    }
  };
  return {
    describe: `Kubernetes Lease ${namespace}/${name}`,
    async get() {
      try {
        return toRecord(await api.readNamespacedLease({ name, namespace }));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },
    create: (record) => conflicts(() => api.createNamespacedLease({ namespace, body: body(record) })),
    replace: (record) => conflicts(() => api.replaceNamespacedLease({ name, namespace, body: body(record, record.resourceVersion) })),
  };
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity || null,
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ? new Date(spec.acquireTime) : null,
    renewTime: spec.renewTime ? new Date(spec.renewTime) : null,
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { openKubeContext, type KubeContext } from '../../adapters/kubernetes/kube-context.js';
import { workloadsProbe } from '../../adapters/kubernetes/workloads-probe.js';
import { controlPlaneDir, startKwokCluster } from '../e2e/support/kwok-cluster.js';
import { drillProbing, NotMeasured, recoveryByRequestTrial, type TimingSource } from './timing-sources.js';

/** An API server and its etcd are all this needs: kwokctl starts them from the e2e suite's cache. */
const NEEDED = ['kube-apiserver', 'etcd', 'kwokctl'];
const NAMESPACE = 'bench';
const POD = 'web-0';
const LABELS = { app: 'web' };

/** A Deployment of one replica and the pod it selects; with no controllers, nothing else touches either. */
async function createWorkload(kube: KubeContext): Promise<void> {
  await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  // The ServiceAccount admission wants the namespace's default account, which a controller would create.
  await kube.core.createNamespacedServiceAccount({ namespace: NAMESPACE, body: { metadata: { name: 'default' } } });
  const containers = [{ name: 'web', image: 'registry.invalid/web:1' }];
  await kube.apps.createNamespacedDeployment({
    namespace: NAMESPACE,
    body: {
      metadata: { name: 'web' },
      spec: { replicas: 1, selector: { matchLabels: LABELS }, template: { metadata: { labels: LABELS }, spec: { containers } } },
    },
  });
  await kube.core.createNamespacedPod({ namespace: NAMESPACE, body: { metadata: { name: POD, labels: LABELS }, spec: { containers } } });
}

/** Marks the pod Ready or not through the status subresource, as a kubelet would. */
async function setReady(kube: KubeContext, ready: boolean): Promise<void> {
  const pod: V1Pod = await kube.core.readNamespacedPod({ namespace: NAMESPACE, name: POD });
  pod.status = {
    ...pod.status,
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date() }],
  };
  await kube.core.replaceNamespacedPodStatus({ namespace: NAMESPACE, name: POD, body: pod });
}

export const kubernetesWatchSource: TimingSource = {
  name: 'Kubernetes workloads probe',
  measure: 'RTO',
  setting: 'watch + interval 1s (default)',
  async start(world) {
    const bin = controlPlaneDir();
    const missing = NEEDED.filter((name) => !existsSync(join(bin, name)));
    if (missing.length > 0) {
      throw new NotMeasured(`needs an API server: ${missing.join(', ')} missing in ${bin}; \`npm run test:e2e:k8s\` builds them (about 9 min cold)`);
    }
    // No controllers, scheduler or kubelets: a pod is Ready exactly when the benchmark says so through the status subresource.
    const server = await startKwokCluster(0, { bin, apiServerOnly: true });
    try {
      const kube = openKubeContext({ kind: 'file', path: server.kubeconfig }, server.context);
      await createWorkload(kube);
      // The probe's own watch wakes its check; between changes it checks at the default interval.
      const probe = workloadsProbe(kube, 'workloads ready', [NAMESPACE]);
      const drill = drillProbing({ type: 'kubernetes-workloads' });
      return {
        trial: () => recoveryByRequestTrial(world, drill, probe, () => setReady(kube, false), () => setReady(kube, true)),
        close: server.stop,
      };
    } catch (error) {
      await server.stop().catch(() => undefined);
      throw error;
    }
  },
};

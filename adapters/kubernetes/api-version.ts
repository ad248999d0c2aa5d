import { VersionApi, type RequestContext, type ResponseContext } from '@kubernetes/client-node';
import type { KubeContext } from './kube-context.js';

/**
 * The API server's version (`GET /version`, readable by any authenticated user): proves the
 * server answers and the kubeconfig's credentials are taken. Gives up after `timeoutMs`.
 */
export async function apiServerVersion(kube: KubeContext, timeoutMs: number): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const withSignal = {
    pre: async (context: RequestContext) => {
      context.setSignal(signal);
      return context;
    },
    post: async (context: ResponseContext) => context,
  };
  const info = await kube.config.makeApiClient(VersionApi).getCode({ middleware: [withSignal], middlewareMergeStrategy: 'append' });
  return info.gitVersion;
}

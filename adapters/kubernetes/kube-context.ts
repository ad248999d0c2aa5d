import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

/** A kubeconfig pinned to one context: every client built from it talks to that cluster only. */
export interface KubeContext {
  config: KubeConfig;
  contextName: string;
  /** The API server URL, for messages and the production-name check. */
  server: string;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** Any kind by apiVersion and kind: saving and re-creating a namespace's objects. */
  objects: KubernetesObjectApi;
}

export type KubeconfigSource = { kind: 'file'; path: string } | { kind: 'text'; text: string } | { kind: 'in-cluster' };

/**
 * Loads the kubeconfig and selects `context`. Throws an Error naming the known contexts when
 * `context` is not among them, so a typo never silently falls back to the current context.
 */
export function openKubeContext(source: KubeconfigSource, context: string | undefined): KubeContext {
  const config = new KubeConfig();
  if (source.kind === 'file') config.loadFromFile(source.path);
  else if (source.kind === 'text') config.loadFromString(source.text);
  else config.loadFromCluster();
  if (context !== undefined) {
    const known = config.getContexts().map((entry) => entry.name);
    if (!known.includes(context)) throw new Error(`no context "${context}" in the kubeconfig; it has: ${known.join(', ') || 'none'}`);
    config.setCurrentContext(context);
  }
  const server = config.getCurrentCluster()?.server;
  if (!server) throw new Error(`the kubeconfig context "${config.getCurrentContext()}" names no cluster server`);
  return {
    config,
    contextName: config.getCurrentContext(),
    server,
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    objects: KubernetesObjectApi.makeApiClient(config),
  };
}

/**
 * Every undo acts only in the context its change was made in: a config pointed elsewhere since
 * must not send the undo to another cluster. `change` says what was done ("node n1 was cordoned"),
 * `byHand` what a person does instead.
 */
export function refuseOtherContext(kube: KubeContext, recordedContext: string, change: string, byHand: string): void {
  if (recordedContext !== kube.contextName) {
    throw new Error(`${change} in context ${recordedContext}, but the environment now uses ${kube.contextName}; ${byHand}`);
  }
}

/** The HTTP status of a failed client-node call, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** What the API server said about a failed call (its Status message), else the error's own message. */
export function messageOf(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: string };
      if (parsed.message) return parsed.message;
    } catch {
      // not JSON: fall through to the error's own message
    }
  }
  return error instanceof Error ? error.message : String(error);
}

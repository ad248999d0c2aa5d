import { Watch } from '@kubernetes/client-node';
import { statusOf, type KubeContext } from './kube-context.js';

const RESTART_AFTER_MS = 1_000;

/**
 * A watch the API server refuses (no `watch` permission) is not retried: it would be refused
 * every second for the whole run. The probe's own polling still runs, only less promptly.
 */
function refused(error: unknown): boolean {
  const status = statusOf(error) ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return status === 401 || status === 403;
}

/**
 * Calls `changed` on every change to the objects under `paths` (watch URLs such as
 * `/api/v1/namespaces/shop/pods`). A watch the server ends (timeouts, a restart) is opened
 * again; while it is down, the caller's polling still runs, so nothing is missed, only later.
 */
export async function watchForChanges(kube: KubeContext, paths: readonly string[], changed: () => void): Promise<() => Promise<void>> {
  const watch = new Watch(kube.config);
  let stopped = false;
  const open = new Set<AbortController>();
  const timers = new Set<NodeJS.Timeout>();

  const start = async (path: string): Promise<void> => {
    if (stopped) return;
    // The client may report the end (a refusal, say) before it hands back the controller.
    let controller: AbortController | undefined;
    let ended = false;
    const end = (error: unknown) => {
      ended = true;
      if (controller) open.delete(controller);
      if (!refused(error)) restartLater(path);
    };
    try {
      controller = await watch.watch(
        path,
        { allowWatchBookmarks: false },
        (phase) => {
          if (phase !== 'BOOKMARK') changed();
        },
        end,
      );
      if (stopped) controller.abort();
      else if (!ended) open.add(controller);
    } catch (error) {
      if (!ended) end(error);
    }
  };
  const restartLater = (path: string) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      void start(path);
    }, RESTART_AFTER_MS);
    timers.add(timer);
  };

  await Promise.all(paths.map(start));
  return async () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    for (const controller of open) controller.abort();
    open.clear();
  };
}

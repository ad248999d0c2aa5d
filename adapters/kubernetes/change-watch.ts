import { Watch } from '@kubernetes/client-node';
import type { KubeContext } from './kube-context.js';

const RESTART_AFTER_MS = 1_000;

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
    try {
      const controller = await watch.watch(
        path,
        { allowWatchBookmarks: false },
        (phase) => {
          if (phase !== 'BOOKMARK') changed();
        },
        () => {
          open.delete(controller);
          restartLater(path);
        },
      );
      if (stopped) controller.abort();
      else open.add(controller);
    } catch {
      restartLater(path);
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

import { loadChatSdks } from '../compose/chat-adapters.js';
import type { serveRunning } from './serve-running.js';

export interface ServeLoading {
  /** Starts loading (once); openStore calls it as soon as it waits on the store's own processes. */
  start(): void;
  /** The rest of `serve`, loaded by now or at once. */
  loaded(): Promise<typeof serveRunning>;
}

/**
 * Loads the rest of `serve` (serve-running.ts with the metrics library) and the configured chat
 * platforms' SDKs while its store starts: the embedded PostgreSQL starts in processes of its
 * own and this thread would only wait meanwhile. Nothing is started here. A chat SDK that fails
 * to load is reported where the adapter is made, not here.
 */
export function loadWhileStoreStarts(env: NodeJS.ProcessEnv): ServeLoading {
  let running: Promise<typeof serveRunning> | undefined;
  const start = () => {
    if (running) return;
    running = import('./serve-running.js').then((module) => module.serveRunning);
    // Unhandled until loaded() is called: a failure is thrown there.
    running.catch(() => undefined);
    void loadChatSdks(env).catch(() => undefined);
  };
  return {
    start,
    loaded() {
      start();
      return running!;
    },
  };
}

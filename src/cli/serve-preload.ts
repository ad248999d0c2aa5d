import { loadChatSdks } from '../compose/chat-adapters.js';
import type { CliContext } from './cli-context.js';
import type { ServeParts, serveRunning } from './serve-running.js';

export interface ServeLoading {
  /** Starts loading (once); openStore calls it as soon as it waits on the store's own processes. */
  start(): void;
  /** The rest of `serve` and the parts it made, loaded by now or at once. */
  ready(): Promise<{ serveRunning: typeof serveRunning; parts: ServeParts }>;
}

/**
 * Loads the rest of `serve` (serve-running.ts with the metrics library), page access and the
 * configured chat platforms' SDKs while its store starts, then makes what needs no store
 * (prepareServe): the embedded PostgreSQL starts, and the store's connections log in, in
 * processes of their own, and this thread would only wait meanwhile. Nothing is started here. A
 * module that fails to load is reported where it is used.
 */
export function loadWhileStoreStarts(context: CliContext): ServeLoading {
  let ready: ReturnType<ServeLoading['ready']> | undefined;
  const start = () => {
    if (ready) return;
    ready = import('./serve-running.js').then(async (module) => ({ serveRunning: module.serveRunning, parts: await module.prepareServe(context) }));
    // Unhandled until ready() is called: a failure is thrown there.
    ready.catch(() => undefined);
    // Page access is checked once the store is open (serve-command.ts).
    void import('../web/page-access.js').catch(() => undefined);
    void loadChatSdks(context.env).catch(() => undefined);
  };
  return {
    start,
    ready() {
      start();
      return ready!;
    },
  };
}

import { loadChatSdks } from '../compose/chat-adapters.js';
import { loadMetricsLibrary } from '../server/http-server.js';

/**
 * Loads what `serve` will need (the metrics library, the configured chat platforms' SDKs) while
 * its store starts: the embedded PostgreSQL starts in processes of its own and this thread
 * would only wait meanwhile. Nothing is started here; a failure to load surfaces again where
 * the module is used.
 */
export function loadWhileStoreStarts(env: NodeJS.ProcessEnv): void {
  void Promise.all([loadMetricsLibrary(), loadChatSdks(env)]).catch(() => undefined);
}

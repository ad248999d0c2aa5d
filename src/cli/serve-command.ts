import { resolveSecret, type Catalogue } from '../catalogue/load.js';
import type { SecretRef } from '../catalogue/secret-ref.js';
import { UserError } from '../errors.js';
import { loadCatalogueOrExplain } from './catalogue-or-explain.js';
import type { CliContext } from './cli-context.js';
import { openStore } from '../compose/store.js';
import { loadWhileStoreStarts } from './serve-preload.js';

/**
 * The long-running bot: webhooks, health, metrics, the schedules and chat (Slack, when configured).
 * Replicas may share one store: all answer webhooks and chat; the elected leader runs the
 * schedules and takes over runs whose owner died.
 *
 * This part checks what a start needs (the config, its secrets, the port) and opens the store,
 * loading no more than that first; the rest of `serve` (serve-running.ts) and the SDKs it uses
 * load while the store's PostgreSQL starts, in processes of its own. Page access is checked
 * once the store is open.
 */
export async function serveCommand(context: CliContext, configPath: string, options: { port?: string; stop: AbortSignal }): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(context, configPath);
  const { server } = catalogue.config;
  const portText = options.port ?? context.env.PORT;
  const port = portText === undefined ? server.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`port "${portText}" is not a TCP port number`, 'use --port 8080');
  const secret = (ref: SecretRef | undefined, variable: string) =>
    ref ? resolveSecret(ref, catalogue.configDir, context.env) : Promise.resolve(context.env[variable]);
  const alertToken = await secret(server.alertToken, 'FIREDRILL_ALERT_TOKEN');
  const alertHmacSecret = await secret(server.alertHmacSecret, 'FIREDRILL_ALERT_HMAC_SECRET');
  const signingKey = await servedSigningKey(catalogue, context.env);

  const running = loadWhileStoreStarts(context);
  // No roll-back at start: a run left by a dead process is the leader's to take over (resume or roll back).
  const opened = await openStore(
    catalogue.config.store.url,
    { configDir: catalogue.configDir, env: context.env, configPath: catalogue.configPath },
    {
      // This thread's work while the store's PostgreSQL starts: the rest of serve and what it
      // makes without a store (serve-preload.ts), and the logger (reading it loads pino), which
      // would otherwise hold up the start of the store.
      whileWaiting: () => {
        running.start();
        void context.log;
      },
      connections: 2,
      keepConnectionsOpen: true,
    },
  );
  const started = async () => {
    // Loaded by now: serve-preload.ts loads it while the store starts.
    const { pageAccess } = await import('../web/page-access.js');
    const access = pageAccess(catalogue.config, context.log, { configDir: catalogue.configDir, env: context.env });
    await access.ready;
    return { access, ...(await running.ready()) };
  };
  const { access, serveRunning, parts } = await started().catch(async (error: unknown) => {
    await opened.close();
    throw error;
  });
  return serveRunning(context, catalogue, opened, parts, { port, stop: options.stop, alertToken, alertHmacSecret, signingKey, access });
}

/**
 * The public key of /signing-key.asc. A configured key is read at start, so a bad one stops
 * `serve` with the reason; the state directory's key (and openpgp) is loaded on the first request.
 */
async function servedSigningKey(catalogue: Catalogue, env: NodeJS.ProcessEnv): Promise<() => Promise<string>> {
  const load = async () => (await (await import('../compose/report-signing.js')).reportSigner(catalogue.config, catalogue.configDir, env)).publicKey;
  if (catalogue.config.reports.signingKey) {
    const publicKey = await load();
    return async () => publicKey;
  }
  let loaded: Promise<string> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
}

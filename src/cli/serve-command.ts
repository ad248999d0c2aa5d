import { effectiveDrill, resolveSecret } from '../catalogue/load.js';
import { UserError } from '../errors.js';
import { startHttpServer } from '../server/http-server.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';

/** The long-running bot: alert webhooks, health and metrics (chat and schedules join it later). */
export async function serveCommand(context: CliContext, configPath: string, options: { port?: string; stop: AbortSignal }): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(configPath);
  const { server } = catalogue.config;
  const portText = options.port ?? context.env.PORT;
  const port = portText === undefined ? server.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`port "${portText}" is not a TCP port number`, 'use --port 8080');
  const alertToken = server.alertToken
    ? await resolveSecret(server.alertToken, catalogue.configDir, context.env)
    : context.env.FIREDRILL_ALERT_TOKEN;

  const opened = await openStoreAndRecover(context, catalogue);
  try {
    const http = await startHttpServer({
      host: server.host,
      port,
      alertToken,
      log: context.log,
      intake: {
        store: opened.store,
        clock: context.clock,
        drillFor: (run) => {
          try {
            return effectiveDrill(catalogue, run.drill, run.environment);
          } catch {
            return undefined;
          }
        },
      },
    });
    context.err(`firedrill is serving on ${http.url} (store: ${opened.location})\n`);
    if (!alertToken) context.err('alert webhooks are off: set server.alertToken (or FIREDRILL_ALERT_TOKEN)\n');
    await new Promise((resolve) => options.stop.addEventListener('abort', resolve, { once: true }));
    context.err('stopping\n');
    await http.close();
    return 0;
  } finally {
    await opened.close();
  }
}

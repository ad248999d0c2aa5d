import { effectiveDrill, resolveSecret, type Catalogue } from '../catalogue/load.js';
import type { SecretRef } from '../catalogue/config-schema.js';
import { runtimeFactory, type OpenedStore } from '../compose/index.js';
import { runDrill } from '../engine/run-drill.js';
import { UserError } from '../errors.js';
import { Scheduler } from '../schedule/scheduler.js';
import { startHttpServer } from '../server/http-server.js';
import { loadCatalogueOrExplain, openStoreAndRecover, type CliContext } from './context.js';
import { drillsAllowedIn } from './schedule-commands.js';
import { startServeChat } from './serve-chat.js';

/** The long-running bot: webhooks, health, metrics, the schedules and chat (Slack, when configured). */
export async function serveCommand(context: CliContext, configPath: string, options: { port?: string; stop: AbortSignal }): Promise<number> {
  const catalogue = await loadCatalogueOrExplain(configPath);
  const { server } = catalogue.config;
  const portText = options.port ?? context.env.PORT;
  const port = portText === undefined ? server.port : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`port "${portText}" is not a TCP port number`, 'use --port 8080');
  const secret = (ref: SecretRef | undefined, variable: string) =>
    ref ? resolveSecret(ref, catalogue.configDir, context.env) : Promise.resolve(context.env[variable]);
  const alertToken = await secret(server.alertToken, 'FIREDRILL_ALERT_TOKEN');
  const alertHmacSecret = await secret(server.alertHmacSecret, 'FIREDRILL_ALERT_HMAC_SECRET');

  const opened = await openStoreAndRecover(context, catalogue);
  const runs = new Set<Promise<unknown>>();
  try {
    const chat = await startServeChat(context, catalogue, opened, options.stop);
    const http = await startHttpServer({
      routes: chat?.routes,
      host: server.host,
      port,
      alertToken,
      alertHmacSecret,
      incidents: opened.schedules,
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
    const scheduler = startScheduler(context, catalogue, opened, runs, options.stop);
    context.err(`firedrill is serving on ${http.url} (store: ${opened.location}; ${catalogue.config.schedules.length} schedule(s); chat: ${chat?.describe ?? 'off'})\n`);
    if (!alertToken && !alertHmacSecret) context.err('webhooks are off: set server.alertToken or server.alertHmacSecret\n');
    await new Promise((resolve) => options.stop.addEventListener('abort', resolve, { once: true }));
    context.err('stopping: running drills undo what they injected\n');
    await scheduler.stop();
    await chat?.stop();
    await Promise.allSettled(runs);
    await http.close();
    return 0;
  } finally {
    await opened.close();
  }
}

function startScheduler(context: CliContext, catalogue: Catalogue, opened: OpenedStore, runs: Set<Promise<unknown>>, stop: AbortSignal): Scheduler {
  const runtimes = runtimeFactory({ configDir: catalogue.configDir, env: context.env, trust: catalogue.config.trust, configPath: catalogue.configPath });
  const say = (text: string) => {
    context.log.info({ text }, 'schedule');
    context.err(`[schedule] ${text}\n`);
  };
  const scheduler = new Scheduler({
    schedules: catalogue.config.schedules,
    store: opened.schedules,
    runs: opened.store,
    drillsFor: (environment) => drillsAllowedIn(catalogue, environment),
    announce: async (_schedule, text) => say(text),
    startRun: (drill, schedule) => {
      const environment = catalogue.config.environments[schedule.environment]!;
      const run = runDrill(
        { store: opened.store, clock: context.clock, runtimes },
        { drill, environmentName: schedule.environment, environment, requestedBy: `schedule ${schedule.name}`, interrupt: stop },
      ).then(
        ({ runId, scorecard }) => say(`${schedule.name}: run ${runId} of ${drill.id} finished: ${scorecard.outcome}${scorecard.reason ? ` (${scorecard.reason})` : ''}`),
        (error: unknown) => context.log.error({ err: error, schedule: schedule.name }, 'scheduled run failed'),
      );
      runs.add(run);
      void run.finally(() => runs.delete(run));
    },
  });
  scheduler.start(1_000, (error, name) => context.log.error({ err: error, schedule: name }, 'schedule tick failed'));
  return scheduler;
}

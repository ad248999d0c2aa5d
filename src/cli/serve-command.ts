import { effectiveDrill, resolveSecret } from '../catalogue/load.js';
import type { SecretRef } from '../catalogue/secret-ref.js';
import { UserError } from '../errors.js';
import { startHttpServer } from '../server/http-server.js';
import { loadCatalogueOrExplain, type CliContext } from './context.js';
import type { Catalogue } from '../catalogue/load.js';
import { openStore } from '../compose/index.js';
import { startLeaderElection } from '../compose/leader-election.js';
import { thisProcessOwner } from '../engine/run-drill.js';
import type { LeaderElector } from '../server/leader-elector.js';
import { serveTakeover } from './serve-takeover.js';
import { startServeChat, type ServeChat } from './serve-chat.js';
import { serveMetrics } from '../compose/serve-metrics.js';
import { serveScheduler } from './serve-schedules.js';
import { serveBackups } from './serve-backups.js';
import { serveDigest } from './serve-digest.js';
import { formatInZone } from '../schedule/next-runs.js';
import { chatSchedules } from '../compose/chat-deps.js';
import { pageAccess } from '../web/page-access.js';
import { pagesRouter } from '../web/pages-router.js';

/**
 * The long-running bot: webhooks, health, metrics, the schedules and chat (Slack, when configured).
 * Replicas may share one store: all answer webhooks and chat; the elected leader runs the
 * schedules and takes over runs whose owner died.
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
  const access = pageAccess(catalogue.config, context.log, { configDir: catalogue.configDir, env: context.env });
  await access.ready;

  // No roll-back at start: a run left by a dead process is the leader's to take over (resume or roll back).
  const opened = await openStore(catalogue.config.store.url, { configDir: catalogue.configDir, env: context.env, configPath: catalogue.configPath });
  const metrics = serveMetrics(context, catalogue, opened);
  const identity = thisProcessOwner();
  let elector: LeaderElector | undefined;
  try {
    elector = await startLeaderElection(catalogue, opened, context.env, identity, context.log);
    const leads = () => elector?.isLeader() ?? false;
    elector.onChange((leading) => context.err(`leadership: ${identity} ${leading ? 'leads now: it runs the schedules and takes over runs whose owner is gone' : 'no longer leads'}\n`));
    const takeover = serveTakeover(context, catalogue, opened, identity, leads, options.stop);
    let chat: ServeChat | undefined;
    const { scheduler, runs } = serveScheduler(context, catalogue, opened, options.stop, () => chat);
    chat = await startServeChat(context, catalogue, opened, options.stop, chatSchedules(catalogue, opened, scheduler), metrics.chat);
    const http = await startHttpServer({
      signingKey,
      metrics,
      routes: chat?.routes,
      pages: pagesRouter({ history: opened.history, runs: opened.store, catalogue, guard: access, log: context.log }),
      host: server.host,
      port,
      alertToken,
      alertHmacSecret,
      incidents: opened.schedules,
      log: context.log,
      leads,
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
    scheduler.start(1_000, (error, name) => context.log.error({ err: error, schedule: name }, 'schedule tick failed'), leads);
    takeover.start(1_000, (error) => context.log.error({ err: error }, 'takeover scan failed'));
    const backups = serveBackups(context, catalogue);
    backups.start(1_000, leads);
    const digest = serveDigest(context, catalogue, opened, () => chat);
    digest?.start(1_000, leads);
    if (digest && !chat) context.err('the digest has nowhere to go: no chat platform runs (set SLACK_* or MATRIX_* and invite the bot to digest.channels)\n');
    context.err(
      `firedrill is serving on ${http.url} (store: ${opened.location}; ${catalogue.config.schedules.length} schedule(s); ` +
        `${catalogue.config.backups.length} backup schedule(s); ${digest ? `digest next ${formatInZone(digest.nextAt(), catalogue.config.digest!.timezone)}` : 'no digest'}; chat: ${chat?.describe ?? 'off'}; ${access.describe}; leader election: ${elector.describe} as ${identity})\n`,
    );
    if (!alertToken && !alertHmacSecret) context.err('webhooks are off: set server.alertToken or server.alertHmacSecret\n');
    await new Promise((resolve) => options.stop.addEventListener('abort', resolve, { once: true }));
    context.err('stopping: running drills undo what they injected\n');
    await scheduler.stop();
    await backups.stop();
    await digest?.stop();
    await chat?.stop();
    await Promise.allSettled(runs);
    await takeover.stop();
    await http.close();
    return 0;
  } finally {
    // Given up before the store closes, so another replica leads at once rather than after a timeout.
    await elector?.stop();
    await opened.close();
  }
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

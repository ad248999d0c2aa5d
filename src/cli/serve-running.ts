import { effectiveDrill, type Catalogue } from '../catalogue/load.js';
import { startHttpServer } from '../server/http-server.js';
import type { CliContext } from './cli-context.js';
import type { OpenedStore } from '../compose/index.js';
import { startLeaderElection } from '../compose/leader-election.js';
import { serveMetrics } from '../compose/serve-metrics.js';
import { createMetrics, type FiredrillMetrics } from '../server/metrics/firedrill-metrics.js';
import { slackFromEnv, type SlackAdapter } from '../compose/chat-adapters.js';
import { thisProcessOwner } from '../engine/run-drill.js';
import type { LeaderElector } from '../server/leader-elector.js';
import { serveTakeover } from './serve-takeover.js';
import { startServeChat, type ServeChat } from './serve-chat.js';
import { serveScheduler } from './serve-schedules.js';
import { serveBackups } from './serve-backups.js';
import { serveDigest } from './serve-digest.js';
import { formatInZone } from '../schedule/next-runs.js';
import { chatSchedules } from '../compose/chat-deps.js';
import type { PageAccess } from '../web/page-access.js';
import { lazyPagesRouter } from '../web/lazy-pages-router.js';

/** What serve-command.ts checked and resolved before the store opened. */
export interface ServeSettings {
  port: number;
  stop: AbortSignal;
  alertToken: string | undefined;
  alertHmacSecret: string | undefined;
  signingKey: () => Promise<string>;
  access: PageAccess;
}

/** What `serve` makes before its store is open, while the store's logins are under way. */
export interface ServeParts {
  metrics: FiredrillMetrics;
  /** The Slack adapter (Bolt's App, not started) when Slack is configured. */
  slack: SlackAdapter | undefined;
}

/**
 * Makes the metrics registry and the Slack adapter, which need no store: serve-preload.ts
 * calls it as soon as this module is loaded, so that this thread makes them while the store's
 * server starts and its connections log in, rather than after.
 */
export async function prepareServe(context: CliContext): Promise<ServeParts> {
  return { metrics: createMetrics(), slack: await slackFromEnv(context.env, context.log) };
}

/** `serve` once its store is open: until `stop`, then it stops everything it started, the store last. */
export async function serveRunning(context: CliContext, catalogue: Catalogue, opened: OpenedStore, parts: ServeParts, settings: ServeSettings): Promise<number> {
  const { server } = catalogue.config;
  const { access, alertToken, alertHmacSecret, stop } = settings;
  const identity = thisProcessOwner();
  let elector: LeaderElector | undefined;
  try {
    const metrics = serveMetrics(context, catalogue, opened, parts.metrics);
    elector = await startLeaderElection(catalogue, opened, context.env, identity, context.log);
    const leads = () => elector?.isLeader() ?? false;
    elector.onChange((leading) => context.err(`leadership: ${identity} ${leading ? 'leads now: it runs the schedules and takes over runs whose owner is gone' : 'no longer leads'}\n`));
    const takeover = serveTakeover(context, catalogue, opened, identity, leads, stop);
    let chat: ServeChat | undefined;
    const { scheduler, runs } = serveScheduler(context, catalogue, opened, stop, () => chat);
    chat = await startServeChat(context, catalogue, opened, stop, chatSchedules(catalogue, opened, scheduler), parts.slack, metrics.chat);
    const http = await startHttpServer({
      signingKey: settings.signingKey,
      metrics,
      routes: chat?.routes,
      pages: lazyPagesRouter({ history: opened.history, runs: opened.store, catalogue, guard: access, log: context.log }),
      host: server.host,
      port: settings.port,
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
    await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
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

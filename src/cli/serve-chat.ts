import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalogue } from '../catalogue/load.js';
import { createChatHandler } from '../chat/handler.js';
import type { ChatAdapter } from '../chat/adapter.js';
import type { ChatDeps, ChatSchedules } from '../chat/context.js';
import type { ChatMetrics } from '../chat/chat-metrics.js';
import { SLACK_EVENTS_PATH, matrixFromEnv, type SlackAdapter } from '../compose/chat-adapters.js';
import type { OpenedStore } from '../compose/index.js';
import { chatDeps } from '../compose/chat-deps.js';
import type { CliContext } from './context.js';

export interface ServeChat {
  /** HTTP routes the chat platforms need on the serve port. */
  routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void>;
  describe: string;
  /** The chat platform a channel id belongs to, with the deps its commands use. */
  ownerOf(channel: string): ChatDeps | undefined;
  /** Stops taking commands, then waits for the runs chat started (`stop` has told them to undo). */
  stop(): Promise<void>;
}

/**
 * Chat for `firedrill serve`: Slack when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (HTTP mode) or
 * SLACK_APP_TOKEN (Socket Mode) are set (its adapter made beforehand: see prepareServe),
 * Matrix when MATRIX_HOMESERVER_URL, MATRIX_USER_ID and MATRIX_ACCESS_TOKEN are. Each platform
 * gets its own handler; they share the store, so a run started on one is seen on the other.
 */
export async function startServeChat(
  context: CliContext,
  catalogue: Catalogue,
  opened: OpenedStore,
  stop: AbortSignal,
  schedules: ChatSchedules,
  slack: SlackAdapter | undefined,
  metrics?: ChatMetrics,
): Promise<ServeChat | undefined> {
  const matrix = await matrixFromEnv(context.env, context.log, catalogue.config, opened.deliveries);
  const adapters: ChatAdapter[] = [slack, matrix].filter((adapter): adapter is NonNullable<typeof adapter> => adapter !== undefined);
  if (adapters.length === 0) return undefined;
  const started: { adapter: ChatAdapter; deps: ChatDeps; handler: ReturnType<typeof createChatHandler> }[] = [];
  try {
    for (const adapter of adapters) {
      const deps: ChatDeps = { ...chatDeps(context, catalogue, opened, adapter, stop, schedules), metrics };
      const handler = createChatHandler(deps);
      await adapter.start((request) => handler.handle(request));
      started.push({ adapter, deps, handler });
    }
  } catch (error) {
    for (const { adapter } of started) await adapter.stop();
    throw error;
  }
  return {
    // Socket Mode needs no route: the bot opens the connection to Slack.
    routes: slack?.requestListener ? { [SLACK_EVENTS_PATH]: slack.requestListener } : {},
    describe: [slack && (slack.mode === 'socket' ? 'slack over socket mode' : `slack at ${SLACK_EVENTS_PATH}`), matrix && 'matrix'].filter(Boolean).join(', '),
    ownerOf: (channel) => started.find(({ adapter }) => adapter.ownsChannel(channel))?.deps,
    async stop() {
      for (const { adapter } of started) await adapter.stop();
      await Promise.all(started.map(({ handler }) => handler.idle()));
    },
  };
}

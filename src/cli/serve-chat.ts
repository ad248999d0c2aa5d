import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalogue } from '../catalogue/load.js';
import { createChatHandler } from '../chat/handler.js';
import type { ChatAdapter } from '../chat/adapter.js';
import { SLACK_EVENTS_PATH, matrixFromEnv, slackFromEnv } from '../compose/chat-adapters.js';
import type { OpenedStore } from '../compose/index.js';
import { chatDeps } from './chat-deps.js';
import type { CliContext } from './context.js';

export interface ServeChat {
  /** HTTP routes the chat platforms need on the serve port. */
  routes: Record<string, (request: IncomingMessage, response: ServerResponse) => void>;
  describe: string;
  /** Stops taking commands, then waits for the runs chat started (`stop` has told them to undo). */
  stop(): Promise<void>;
}

/**
 * Chat for `firedrill serve`: Slack when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set,
 * Matrix when MATRIX_HOMESERVER_URL, MATRIX_USER_ID and MATRIX_ACCESS_TOKEN are. Each platform
 * gets its own handler; they share the store, so a run started on one is seen on the other.
 */
export async function startServeChat(context: CliContext, catalogue: Catalogue, opened: OpenedStore, stop: AbortSignal): Promise<ServeChat | undefined> {
  const slack = slackFromEnv(context.env, context.log);
  const matrix = matrixFromEnv(context.env, context.log, catalogue.config);
  const adapters: ChatAdapter[] = [slack, matrix].filter((adapter): adapter is NonNullable<typeof adapter> => adapter !== undefined);
  if (adapters.length === 0) return undefined;
  const started: { adapter: ChatAdapter; handler: ReturnType<typeof createChatHandler> }[] = [];
  try {
    for (const adapter of adapters) {
      const handler = createChatHandler(chatDeps(context, catalogue, opened, adapter, stop));
      await adapter.start((request) => handler.handle(request));
      started.push({ adapter, handler });
    }
  } catch (error) {
    for (const { adapter } of started) await adapter.stop();
    throw error;
  }
  return {
    routes: slack ? { [SLACK_EVENTS_PATH]: slack.requestListener } : {},
    describe: [slack && `slack at ${SLACK_EVENTS_PATH}`, matrix && 'matrix'].filter(Boolean).join(', '),
    async stop() {
      for (const { adapter } of started) await adapter.stop();
      await Promise.all(started.map(({ handler }) => handler.idle()));
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Catalogue } from '../catalogue/load.js';
import { createChatHandler } from '../chat/handler.js';
import { SLACK_EVENTS_PATH, slackFromEnv } from '../compose/chat-adapters.js';
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

/** Chat for `firedrill serve`: Slack when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set. */
export async function startServeChat(context: CliContext, catalogue: Catalogue, opened: OpenedStore, stop: AbortSignal): Promise<ServeChat | undefined> {
  const slack = slackFromEnv(context.env, context.log);
  if (!slack) return undefined;
  const handler = createChatHandler(chatDeps(context, catalogue, opened, slack, stop));
  await slack.start((request) => handler.handle(request));
  return {
    routes: { [SLACK_EVENTS_PATH]: slack.requestListener },
    describe: `slack at ${SLACK_EVENTS_PATH}`,
    async stop() {
      await slack.stop();
      await handler.idle();
    },
  };
}

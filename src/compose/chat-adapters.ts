import { readSlackEnv } from '../../adapters/slack/slack-env.js';
import { SLACK_EVENTS_PATH, slackAdapter, type SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import type { Logger } from '../log.js';
import type { Config } from '../catalogue/config-schema.js';
import { readMatrixEnv } from '../../adapters/matrix/matrix-env.js';
import { matrixAdapter } from '../../adapters/matrix/matrix-adapter.js';
import type { ChatAdapter, DeliveryClaims } from '../chat/adapter.js';

export { SLACK_EVENTS_PATH };
export type { SlackAdapter };

/**
 * The chat platforms that the environment sets up: Slack and Matrix. Slack in HTTP mode is
 * mounted at /slack/events of `firedrill serve`'s HTTP server, so one port serves all; with
 * SLACK_APP_TOKEN it uses Socket Mode instead and needs no route.
 */
export function slackFromEnv(env: NodeJS.ProcessEnv, log: Logger): SlackAdapter | undefined {
  const settings = readSlackEnv(env);
  return settings && slackAdapter({ ...settings, log });
}

/**
 * Matrix when MATRIX_HOMESERVER_URL, MATRIX_USER_ID and MATRIX_ACCESS_TOKEN are set. The bot
 * joins a room it is invited to only when the room is in some environment's `chat.channels`,
 * or the inviter is named in some environment's `chat.run`, `chat.abort` or `chat.approve`.
 */
export function matrixFromEnv(env: NodeJS.ProcessEnv, log: Logger, config: Config, deliveries?: DeliveryClaims): ChatAdapter | undefined {
  const settings = readMatrixEnv(env);
  if (!settings) return undefined;
  const permissions = Object.values(config.environments).flatMap((environment) => (environment.chat ? [environment.chat] : []));
  const allowedRooms = permissions.flatMap((chat) => chat.channels ?? []).filter((id) => id.startsWith('!'));
  const allowedInviters = permissions
    .flatMap((chat) => [...chat.run, ...(chat.abort ?? []), ...chat.approve])
    .filter((id) => /^@[^:]+:.+$/.test(id));
  return matrixAdapter({ ...settings, allowedRooms, allowedInviters, log, ...(deliveries && { deliveries }) });
}

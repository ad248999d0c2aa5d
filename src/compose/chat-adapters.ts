import { SLACK_EVENTS_PATH, readSlackEnv } from '../../adapters/slack/slack-env.js';
import type { SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import type { Logger } from '../log.js';
import type { Config } from '../config/config-schema.js';
import { readMatrixEnv } from '../../adapters/matrix/matrix-env.js';
import type { ChatAdapter, DeliveryClaims } from '../chat/adapter.js';

export { SLACK_EVENTS_PATH };
export type { SlackAdapter };

/**
 * The chat platforms that the environment sets up: Slack and Matrix. Slack in HTTP mode is
 * mounted at /slack/events of `firedrill serve`'s HTTP server, so one port serves all; with
 * SLACK_APP_TOKEN it uses Socket Mode instead and needs no route. Bolt is loaded only then.
 */
export async function slackFromEnv(env: NodeJS.ProcessEnv, log: Logger): Promise<SlackAdapter | undefined> {
  const settings = readSlackEnv(env);
  if (!settings) return undefined;
  const { slackAdapter } = await import('../../adapters/slack/slack-adapter.js');
  return slackAdapter({ ...settings, log });
}

/**
 * Matrix when MATRIX_HOMESERVER_URL, MATRIX_USER_ID and MATRIX_ACCESS_TOKEN are set (matrix-js-sdk
 * is loaded only then). The bot joins a room it is invited to only when the room is in some
 * environment's `chat.channels`, or the inviter is named in some environment's `chat.run`,
 * `chat.abort` or `chat.approve`.
 */
export async function matrixFromEnv(env: NodeJS.ProcessEnv, log: Logger, config: Config, deliveries?: DeliveryClaims): Promise<ChatAdapter | undefined> {
  const settings = readMatrixEnv(env);
  if (!settings) return undefined;
  const permissions = Object.values(config.environments).flatMap((environment) => (environment.chat ? [environment.chat] : []));
  const allowedRooms = permissions.flatMap((chat) => chat.channels ?? []).filter((id) => id.startsWith('!'));
  const allowedInviters = permissions
    .flatMap((chat) => [...chat.run, ...(chat.abort ?? []), ...chat.approve])
    .filter((id) => /^@[^:]+:.+$/.test(id));
  const { matrixAdapter } = await import('../../adapters/matrix/matrix-adapter.js');
  return matrixAdapter({ ...settings, allowedRooms, allowedInviters, log, ...(deliveries && { deliveries }) });
}

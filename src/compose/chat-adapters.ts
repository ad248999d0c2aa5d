import { readSlackEnv } from '../../adapters/slack/slack-env.js';
import { SLACK_EVENTS_PATH, slackAdapter, type SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import type { Logger } from '../log.js';

export { SLACK_EVENTS_PATH };
export type { SlackAdapter };

/**
 * The chat platforms that the environment sets up (only Slack, in HTTP mode, so far).
 * Slack is mounted at /slack/events of `firedrill serve`'s HTTP server, so one port serves all.
 */
export function slackFromEnv(env: NodeJS.ProcessEnv, log: Logger): SlackAdapter | undefined {
  const settings = readSlackEnv(env);
  return settings && slackAdapter({ ...settings, log });
}

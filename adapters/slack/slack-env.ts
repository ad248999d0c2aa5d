import { UserError } from '../../src/errors.js';

export interface SlackEnv {
  botToken: string;
  signingSecret: string;
  /** Web API base URL, ending in `/` (default: https://slack.com/api/). */
  apiUrl?: string;
}

const SETUP = 'create the app from deploy/slack-app-manifest.yaml, then set SLACK_BOT_TOKEN (OAuth & Permissions) and SLACK_SIGNING_SECRET (Basic Information)';

/**
 * Slack settings, read once from the environment given (tests pass their own).
 * Undefined when Slack is not set up; a UserError when it is half set up.
 */
export function readSlackEnv(env: NodeJS.ProcessEnv): SlackEnv | undefined {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
  if (!botToken && !signingSecret) return undefined;
  if (!botToken) throw new UserError('SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not', SETUP);
  if (!signingSecret) throw new UserError('SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not', SETUP);
  if (!botToken.startsWith('xoxb-')) throw new UserError('SLACK_BOT_TOKEN is not a bot token (xoxb-…)', 'use the Bot User OAuth Token from OAuth & Permissions');
  const apiUrl = env.SLACK_API_URL?.trim();
  if (apiUrl) {
    let parsed: URL;
    try {
      parsed = new URL(apiUrl);
    } catch {
      throw new UserError(`SLACK_API_URL "${apiUrl}" is not a URL`, 'e.g. https://slack.com/api/ or your proxy\'s URL');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UserError(`SLACK_API_URL "${apiUrl}" must be http(s)`);
    return { botToken, signingSecret, apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/` };
  }
  return { botToken, signingSecret };
}

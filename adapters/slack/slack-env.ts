import { UserError } from '../../src/errors.js';

/** Where Slack posts in HTTP mode; here, beside the settings, so that mounting it needs no Bolt. */
export const SLACK_EVENTS_PATH = '/slack/events';

interface SlackCommon {
  botToken: string;
  /** Web API base URL, ending in `/` (default: https://slack.com/api/); Socket Mode opens its connection there too. */
  apiUrl?: string;
}

/** HTTP mode: Slack posts to `/slack/events`, signed with the signing secret. */
export interface SlackHttpEnv extends SlackCommon {
  signingSecret: string;
  appToken?: never;
}

/** Socket Mode: the bot opens a WebSocket to Slack with an app-level token; no public URL, no signing secret. */
export interface SlackSocketEnv extends SlackCommon {
  appToken: string;
  signingSecret?: never;
}

export type SlackEnv = SlackHttpEnv | SlackSocketEnv;

const SETUP =
  'create the app from deploy/slack-app-manifest.yaml, then set SLACK_BOT_TOKEN (OAuth & Permissions) and either SLACK_SIGNING_SECRET (Basic Information; HTTP mode) or SLACK_APP_TOKEN (Basic Information → App-Level Tokens, scope connections:write; Socket Mode)';
const APP_TOKEN_FIX = 'generate an app-level token under Basic Information → App-Level Tokens with the connections:write scope, and turn on Socket Mode';

/**
 * Slack settings, read once from the environment given (tests pass their own).
 * Undefined when Slack is not set up; a UserError when it is half set up.
 * With SLACK_APP_TOKEN the bot uses Socket Mode and SLACK_SIGNING_SECRET is not needed.
 */
export function readSlackEnv(env: NodeJS.ProcessEnv): SlackEnv | undefined {
  const botToken = env.SLACK_BOT_TOKEN?.trim();
  const signingSecret = env.SLACK_SIGNING_SECRET?.trim();
  const appToken = env.SLACK_APP_TOKEN?.trim();
  if (!botToken && !signingSecret && !appToken) return undefined;
  if (!botToken) throw new UserError(`${appToken ? 'SLACK_APP_TOKEN' : 'SLACK_SIGNING_SECRET'} is set but SLACK_BOT_TOKEN is not`, SETUP);
  if (!botToken.startsWith('xoxb-')) throw new UserError('SLACK_BOT_TOKEN is not a bot token (xoxb-…)', 'use the Bot User OAuth Token from OAuth & Permissions');
  const apiUrl = readApiUrl(env.SLACK_API_URL?.trim());
  const common = apiUrl ? { botToken, apiUrl } : { botToken };
  if (appToken) {
    if (!appToken.startsWith('xapp-')) throw new UserError('SLACK_APP_TOKEN is not an app-level token (xapp-…)', APP_TOKEN_FIX);
    return { ...common, appToken };
  }
  if (!signingSecret) throw new UserError('SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not (nor SLACK_APP_TOKEN, for Socket Mode)', SETUP);
  return { ...common, signingSecret };
}

function readApiUrl(apiUrl: string | undefined): string | undefined {
  if (!apiUrl) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(apiUrl);
  } catch {
    throw new UserError(`SLACK_API_URL "${apiUrl}" is not a URL`, 'e.g. https://slack.com/api/ or your proxy\'s URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new UserError(`SLACK_API_URL "${apiUrl}" must be http(s)`);
  return apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`;
}

import { describe, expect, it } from 'vitest';
import { readSlackEnv } from '../../../adapters/slack/slack-env.js';
import { UserError } from '../../../src/errors.js';

describe('Slack Socket Mode settings from the environment', () => {
  it('uses Socket Mode when SLACK_APP_TOKEN is set, without a signing secret', () => {
    expect(readSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1-A0-2', SLACK_API_URL: 'http://127.0.0.1:9/api' })).toEqual({
      botToken: 'xoxb-1',
      appToken: 'xapp-1-A0-2',
      apiUrl: 'http://127.0.0.1:9/api/',
    });
  });

  it('prefers Socket Mode when a signing secret is set too', () => {
    expect(readSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' })).toEqual({ botToken: 'xoxb-1', appToken: 'xapp-1' });
  });

  it.each([
    [{ SLACK_APP_TOKEN: 'xapp-1' }, 'SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not', 'SLACK_BOT_TOKEN (OAuth & Permissions)'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, 'SLACK_APP_TOKEN is not an app-level token (xapp-…)', 'connections:write'],
    [{ SLACK_BOT_TOKEN: 'xapp-1', SLACK_APP_TOKEN: 'xapp-2' }, 'SLACK_BOT_TOKEN is not a bot token (xoxb-…)', 'Bot User OAuth Token'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not (nor SLACK_APP_TOKEN, for Socket Mode)', 'SLACK_APP_TOKEN (Basic Information → App-Level Tokens'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: 'ws://slack' }, 'SLACK_API_URL "ws://slack" must be http(s)', undefined],
  ])('says what is wrong with %j, and how to fix it', (env, message, fix) => {
    let thrown: unknown;
    try {
      readSlackEnv(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).message).toBe(message);
    if (fix) expect((thrown as UserError).hint).toContain(fix);
  });
});

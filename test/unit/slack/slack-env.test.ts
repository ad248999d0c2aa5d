import { describe, expect, it } from 'vitest';
import { readSlackEnv } from '../../../adapters/slack/slack-env.js';

describe('Slack settings from the environment', () => {
  it('is off when neither token nor secret is set', () => {
    expect(readSlackEnv({})).toBeUndefined();
  });

  it('reads both, with the Web API base URL ending in a slash', () => {
    expect(readSlackEnv({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'http://127.0.0.1:9/api' })).toEqual({
      botToken: 'xoxb-1',
      signingSecret: 's',
      apiUrl: 'http://127.0.0.1:9/api/',
    });
  });

  it.each([
    [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not'],
    [{ SLACK_SIGNING_SECRET: 's' }, 'SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not'],
    [{ SLACK_BOT_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' }, 'SLACK_BOT_TOKEN is not a bot token (xoxb-…)'],
    [{ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: 'slack' }, 'SLACK_API_URL "slack" is not a URL'],
  ])('says what is wrong with %j', (env, message) => {
    expect(() => readSlackEnv(env)).toThrow(message);
  });
});

import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';
import { postToSlackEvents, slashCommand, startSlackApiStandIn, type SlackApiStandIn } from '../support/slack.js';

const SECRET = 'serve-signing-secret';
let world: DrillWorld;
let api: SlackApiStandIn;
let dir: string;
let config: string;

beforeAll(async () => {
  world = await startDrillWorld();
  api = await startSlackApiStandIn();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-serve-slack-'));
  config = join(dir, 'firedrill.yaml');
  await writeFile(config, 'environments:\n  staging:\n    description: only read here\nstore:\n  url: { env: TEST_STORE_URL }\n');
});

afterAll(async () => {
  await api?.close();
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('firedrill serve with Slack', () => {
  it('serves /slack/events on its port when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are set', async () => {
    const env = { TEST_STORE_URL: world.storeUrl, SLACK_BOT_TOKEN: 'xoxb-serve', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: api.url };
    const child = spawnCli(['serve', '--port', '0', '--config', config], { env });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /serving on (http:\/\/127\.0\.0\.1:\d+).*chat: slack at \/slack\/events/.exec(stderr);
        if (found) resolve(found[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    try {
      expect((await postToSlackEvents(url, slashCommand('status', 'U0EVE'), 'forged')).status).toBe(401);
      expect((await postToSlackEvents(url, slashCommand('status', 'U0EVE'), SECRET)).status).toBe(200);
      const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks).includes('No drill is running'));
      expect(reply.body.channel).toBe('C0DRILLS');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code, stderr).toBe(0);
    }
  });

  it('refuses to start with half a Slack setup, and says what is missing', async () => {
    const result = await runCli(['serve', '--port', '0', '--config', config], { env: { TEST_STORE_URL: world.storeUrl, SLACK_BOT_TOKEN: 'xoxb-serve', SLACK_SIGNING_SECRET: '' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not');
    expect(result.stderr).toContain('deploy/slack-app-manifest.yaml');
  });

  it('exits on SIGTERM even while the Slack Web API cannot be reached and Bolt keeps retrying', async () => {
    // A port that refuses: Bolt's client retries its auth.test for half an hour.
    const closed = await startSlackApiStandIn();
    const unreachable = closed.url;
    await closed.close();
    const env = { TEST_STORE_URL: world.storeUrl, SLACK_BOT_TOKEN: 'xoxb-serve', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: unreachable, FIREDRILL_LOG_LEVEL: 'error' };
    const child = spawnCli(['serve', '--port', '0', '--config', config], { env });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/serving on http/.test(stderr)) resolve();
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await Promise.race([exited, sleep(15_000).then(() => ['still running 15 s after SIGTERM'])]);
    child.kill('SIGKILL');
    expect(code, stderr).toBe(0);
  });
});

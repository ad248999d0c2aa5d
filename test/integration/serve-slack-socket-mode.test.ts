import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';
import { slashCommand, startSlackApiStandIn, type SlackApiStandIn } from '../support/slack.js';
import { startSocketModeServer, type SocketModeServer } from '../support/slack-socket.js';

let world: DrillWorld;
let socket: SocketModeServer;
let api: SlackApiStandIn;
let dir: string;
let config: string;

beforeAll(async () => {
  world = await startDrillWorld();
  socket = await startSocketModeServer();
  api = await startSlackApiStandIn({ answers: { 'apps.connections.open': () => ({ ok: true, url: socket.url }) } });
  dir = await mkdtemp(join(tmpdir(), 'firedrill-serve-slack-socket-'));
  config = join(dir, 'firedrill.yaml');
  await writeFile(config, 'environments:\n  staging:\n    description: only read here\nstore:\n  url: { env: TEST_STORE_URL }\n');
});

afterAll(async () => {
  await socket?.close();
  await api?.close();
  await world?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('firedrill serve with Slack in Socket Mode', () => {
  it('connects over Socket Mode when SLACK_APP_TOKEN is set, mounts no /slack/events, and disconnects on SIGTERM', async () => {
    const env = { TEST_STORE_URL: world.storeUrl, SLACK_BOT_TOKEN: 'xoxb-serve', SLACK_APP_TOKEN: 'xapp-serve', SLACK_SIGNING_SECRET: '', SLACK_API_URL: api.url };
    const child = spawnCli(['serve', '--port', '0', '--config', config], { env });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const found = /serving on (http:\/\/127\.0\.0\.1:\d+).*chat: slack over socket mode/.exec(stderr);
        if (found) resolve(found[1]!);
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${stderr}`)));
    });
    try {
      await socket.connected();
      expect((await api.waitFor((call) => call.method === 'apps.connections.open')).token).toBe('xapp-serve');
      expect((await fetch(`${url}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(404);
      const ack = await socket.send('slash_commands', slashCommand('status', 'U0EVE'));
      expect(ack.ms).toBeLessThan(3_000);
      const reply = await api.waitFor((call) => call.method === 'chat.postMessage' && JSON.stringify(call.body.blocks).includes('No drill is running'));
      expect(reply.body.channel).toBe('C0DRILLS');
    } finally {
      const closed = socket.disconnected();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code, stderr).toBe(0);
      await closed;
    }
  });

  it('refuses an app token that is not one, and says where to get one', async () => {
    const result = await runCli(['serve', '--port', '0', '--config', config], {
      env: { TEST_STORE_URL: world.storeUrl, SLACK_BOT_TOKEN: 'xoxb-serve', SLACK_APP_TOKEN: 'xoxb-wrong', SLACK_SIGNING_SECRET: '' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('SLACK_APP_TOKEN is not an app-level token (xapp-…)');
    expect(result.stderr).toContain('App-Level Tokens');
  });
});

import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnCli } from '../support/cli.js';
import { startDrillWorld, type DrillWorld } from '../support/drill-world.js';
import { startSynapse, type Synapse } from './support/synapse.js';

interface MatrixEvent {
  event_id: string;
  sender: string;
  type: string;
  content: { body?: string; msgtype?: string; formatted_body?: string; 'm.new_content'?: { body: string }; 'm.relates_to'?: { rel_type?: string; event_id?: string } };
}

let synapse: Synapse;
let world: DrillWorld;
let dir: string;
let serve: ChildProcess | undefined;
let alice: { userId: string; accessToken: string };
let bot: { userId: string; accessToken: string };
let transaction = 0;

beforeAll(async () => {
  synapse = await startSynapse();
  alice = await synapse.register('alice');
  bot = await synapse.register('firedrill');
  world = await startDrillWorld();
  dir = await mkdtemp(join(tmpdir(), 'firedrill-matrix-e2e-'));
  await writeFile(
    join(dir, 'firedrill.yaml'),
    `environments:
  staging:
    postgres: { url: { env: TEST_STAGING_URL }, allowedTables: [public.orders] }
    buckets:
      backups: { bucket: backups, endpoint: "${world.s3.endpoint}", forcePathStyle: true, accessKeyIdEnv: TEST_S3_KEY, secretAccessKeyEnv: TEST_S3_SECRET }
    chat:
      run: ["${alice.userId}"]
store: { url: { env: TEST_STORE_URL } }
`,
  );
}, 600_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = once(serve, 'exit');
    serve.kill('SIGTERM');
    await exited;
  }
  await world?.stop();
  await synapse?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function client<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${synapse.url}/_matrix/client/v3${path}`, {
    method,
    headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const say = (roomId: string, body: string) =>
  client('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/t${++transaction}`, { msgtype: 'm.text', body });

/** The bot's messages as a person's client shows them: each with its latest edit applied. */
async function botMessages(roomId: string): Promise<{ id: string; body: string; html: string }[]> {
  const { chunk } = await client<{ chunk: MatrixEvent[] }>('GET', `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=200`);
  const fromBot = chunk.filter((event) => event.sender === bot.userId && event.type === 'm.room.message').reverse();
  const latest = new Map<string, { body: string; html: string }>();
  for (const event of fromBot) {
    const relation = event.content['m.relates_to'];
    if (relation?.rel_type === 'm.replace' && relation.event_id) {
      const replaced = event.content['m.new_content'] as { body: string; formatted_body?: string };
      latest.set(relation.event_id, { body: replaced.body, html: replaced.formatted_body ?? '' });
    } else {
      expect(event.content.msgtype).toBe('m.notice');
      latest.set(event.event_id, { body: event.content.body ?? '', html: event.content.formatted_body ?? '' });
    }
  }
  return [...latest].map(([id, message]) => ({ id, ...message }));
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it('runs a whole drill from a Matrix room, survives a homeserver restart, and never runs a command twice', async () => {
  await world.createOrders(50);
  await world.backupOrders();
  serve = spawnCli(['serve', '--port', '0', '--config', join(dir, 'firedrill.yaml')], {
    env: {
      ...world.env,
      TEST_STORE_URL: world.storeUrl,
      MATRIX_HOMESERVER_URL: synapse.url,
      MATRIX_USER_ID: bot.userId,
      MATRIX_ACCESS_TOKEN: bot.accessToken,
    },
  });
  let serveLog = '';
  serve.stderr!.on('data', (chunk: Buffer) => (serveLog += chunk.toString()));
  await until('firedrill serve with Matrix', async () => (serveLog.includes('chat: matrix') ? true : undefined), 60_000);

  // The inviter is allowed (she may run drills), so the bot joins.
  const { room_id: roomId } = await client<{ room_id: string }>('POST', '/createRoom', { preset: 'private_chat', invite: [bot.userId] });
  await until('the bot to join', async () => {
    const { joined } = await client<{ joined: Record<string, unknown> }>('GET', `/rooms/${encodeURIComponent(roomId)}/joined_members`);
    return bot.userId in joined ? true : undefined;
  });

  // Someone who may not run drills invites the bot: it declines.
  const mallory = await synapse.register('mallory');
  const asMallory = (method: string, path: string, body?: unknown) =>
    fetch(`${synapse.url}/_matrix/client/v3${path}`, {
      method,
      headers: { authorization: `Bearer ${mallory.accessToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((response) => response.json() as Promise<Record<string, unknown>>);
  const { room_id: strangerRoom } = (await asMallory('POST', '/createRoom', { preset: 'private_chat', invite: [bot.userId] })) as { room_id: string };
  await until('the bot to decline the invite', async () => {
    const member = await asMallory('GET', `/rooms/${encodeURIComponent(strangerRoom)}/state/m.room.member/${encodeURIComponent(bot.userId)}`);
    return member.membership === 'leave' ? true : undefined;
  });

  await say(roomId, '!drill run drop-orders-table staging');
  const live = await until('the live message to show the fault', async () =>
    (await botMessages(roomId)).find((message) => message.body.includes('fault in effect since')),
  );
  expect(live.html).toContain('<h4>');
  expect(await world.orderCount()).toBeNull();

  // A reaction on the run's message is the Detected button; the automated runbook restores from S3.
  await client('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.reaction/t${++transaction}`, {
    'm.relates_to': { rel_type: 'm.annotation', event_id: live.id, key: '👀' },
  });
  const scorecard = await until('the scorecard', async () =>
    (await botMessages(roomId)).find((message) => message.id === live.id && message.body.startsWith('Scorecard ')),
  );
  expect(scorecard.body).toContain('Scorecard PASS: drop-orders-table in staging');
  expect(scorecard.body).toContain(`Detected by: chat: ${alice.userId}`);
  expect(scorecard.html).toContain('<table>');
  expect(await world.orderCount()).toBe(50);

  await synapse.restart();
  const before = (await botMessages(roomId)).length;
  await say(roomId, '!drill status');
  await until('an answer after the restart', async () => ((await botMessages(roomId)).length > before ? true : undefined), 120_000);
  // The `run` sent before the restart was not taken again.
  expect((await world.store.list({ limit: 10 })).filter((run) => run.drill === 'drop-orders-table')).toHaveLength(1);

  const exited = once(serve, 'exit');
  serve.kill('SIGTERM');
  const [code] = await exited;
  expect(code, serveLog).toBe(0);
}, 600_000);

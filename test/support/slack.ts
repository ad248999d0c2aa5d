import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
  /** What the stand-in answered (chat.postMessage: the message's `ts`). */
  response: Record<string, unknown>;
  /** The token the call was made with (`Authorization: Bearer …`). */
  token?: string;
}

export interface SlackApiStandInOptions {
  /** Answers of its own for some methods, e.g. `apps.connections.open` → a Socket Mode URL. */
  answers?: Record<string, (body: Record<string, unknown>) => Record<string, unknown>>;
}

/**
 * A stand-in for the Slack Web API on 127.0.0.1: it records every call the bot makes
 * (chat.postMessage, chat.update, ...) and answers like Slack does, with just enough fields.
 */
export interface SlackApiStandIn {
  /** Base URL for SLACK_API_URL. */
  url: string;
  calls: SlackCall[];
  /** Resolves with the first call (already made or to come) that `match` accepts. */
  waitFor(match: (call: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  close(): Promise<void>;
}

export const BOT_USER_ID = 'U0BOT';
/** One user group in the stand-in's workspace: `usergroups.list` answers with it. */
export const SRE_GROUP_ID = 'S0SRE';
export const SRE_GROUP_MEMBERS = ['U0DAVE'];

export async function startSlackApiStandIn(options: SlackApiStandInOptions = {}): Promise<SlackApiStandIn> {
  const calls: SlackCall[] = [];
  const waiters: { match: (call: SlackCall) => boolean; resolve: (call: SlackCall) => void }[] = [];
  let messages = 0;
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    request.on('end', () => {
      const method = (request.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
      const body = parseBody(raw, request.headers['content-type'] ?? '');
      const custom = options.answers?.[method];
      const answer: Record<string, unknown> = custom
        ? custom(body)
        : method === 'auth.test'
          ? { ok: true, user_id: BOT_USER_ID, bot_id: 'B0BOT', team_id: 'T0TEAM', url: 'https://example.slack.com/' }
          : method === 'chat.postMessage'
            ? { ok: true, channel: body.channel, ts: `1700000000.${String(++messages).padStart(6, '0')}` }
            : method === 'chat.update'
              ? { ok: true, channel: body.channel, ts: body.ts }
              : method === 'usergroups.list'
                ? { ok: true, usergroups: [{ id: SRE_GROUP_ID, handle: 'sre', users: SRE_GROUP_MEMBERS }] }
                : { ok: true };
      const authorization = request.headers.authorization;
      const call: SlackCall = { method, body, response: answer, ...(authorization ? { token: authorization.replace(/^Bearer /, '') } : {}) };
      calls.push(call);
      for (const waiter of waiters.filter((w) => w.match(call))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(call);
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    waitFor(match, timeoutMs = 30_000) {
      const found = calls.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching Slack call; calls: ${calls.map((c) => c.method).join(', ')}`)), timeoutMs);
        waiters.push({ match, resolve: (call) => (clearTimeout(timer), resolve(call)) });
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The Web API client sends forms with JSON-encoded values for blocks. */
function parseBody(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return JSON.parse(raw || '{}') as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = key === 'blocks' || key === 'attachments' ? JSON.parse(value) : value;
  }
  return body;
}

/** Signs a request body as Slack does (v0 HMAC-SHA256 of `v0:<timestamp>:<body>`). */
export function slackSignature(secret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** POSTs a form to the bot's `/slack/events`, signed with `secret` (unsigned when null). */
export async function postToSlackEvents(
  url: string,
  form: Record<string, string>,
  secret: string | null,
  timestamp = Math.floor(Date.now() / 1000),
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const body = new URLSearchParams(form).toString();
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...extraHeaders };
  if (secret !== null) {
    headers['x-slack-request-timestamp'] = String(timestamp);
    headers['x-slack-signature'] = slackSignature(secret, body, timestamp);
  }
  return fetch(`${url}/slack/events`, { method: 'POST', headers, body });
}

/** POSTs a JSON event (Events API) to `/slack/events`, signed. */
export async function postSlackEvent(url: string, event: unknown, secret: string): Promise<Response> {
  const body = JSON.stringify(event);
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(secret, body, timestamp) },
    body,
  });
}

export function slashCommand(text: string, user: string, channel = 'C0DRILLS'): Record<string, string> {
  return {
    token: 'legacy-unused',
    team_id: 'T0TEAM',
    team_domain: 'example',
    channel_id: channel,
    channel_name: 'drills',
    user_id: user,
    user_name: user.toLowerCase(),
    command: '/drill',
    text,
    api_app_id: 'A0APP',
    response_url: 'https://hooks.slack.invalid/commands/1',
    // Unique per invocation, as Slack's are: a repeated id is a repeated delivery.
    trigger_id: `${Date.now()}.${randomUUID()}`,
  };
}

export function buttonClick(kind: string, runId: string, user: string, channel = 'C0DRILLS', messageTs = '1700000000.000001'): Record<string, string> {
  return {
    payload: JSON.stringify({
      type: 'block_actions',
      team: { id: 'T0TEAM', domain: 'example' },
      user: { id: user, username: user.toLowerCase(), team_id: 'T0TEAM' },
      api_app_id: 'A0APP',
      token: 'legacy-unused',
      container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${randomUUID()}`,
      channel: { id: channel, name: 'drills' },
      message: { type: 'message', ts: messageTs, text: 'drill', user: BOT_USER_ID },
      response_url: 'https://hooks.slack.invalid/actions/1',
      actions: [
        { type: 'button', action_id: `firedrill-${kind}`, block_id: 'firedrill-actions', value: runId, text: { type: 'plain_text', text: kind }, action_ts: String(Date.now() / 1000) },
      ],
    }),
  };
}

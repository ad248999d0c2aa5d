import type { IncomingMessage, ServerResponse } from 'node:http';
import { App } from './bolt-parts.js';
import type { ChatAdapter, ChatRequest, MessageRef } from '../../src/chat/adapter.js';
import type { ChatMessage } from '../../src/chat/message.js';
import type { Logger } from '../../src/log.js';
import { ACTION_PREFIX, renderBlockKit } from './block-kit.js';
import { boltLogger } from './bolt-logger.js';
import { deliveryLog } from './deliveries.js';
import { userGroups } from './user-groups.js';
import type { SlackEnv } from './slack-env.js';
import { SLACK_EVENTS_PATH, slackTransport } from './slack-transport.js';

export { SLACK_EVENTS_PATH };

export type SlackAdapterOptions = SlackEnv & {
  log: Logger;
  /** HTTP mode: listen on a port of its own; without it, mount `requestListener` in another server. */
  listen?: { port: number; host: string };
};

export interface SlackAdapter extends ChatAdapter {
  /** `http` with SLACK_SIGNING_SECRET, `socket` (Socket Mode) with SLACK_APP_TOKEN. */
  mode: 'http' | 'socket';
  /** HTTP mode only: serves `/slack/events` (signature checks included) inside another node:http server. */
  requestListener?: (request: IncomingMessage, response: ServerResponse) => void;
  /** With `listen`: where it listens, once started. */
  url(): string | undefined;
}

/** Strips the bot's mention (`<@U…>`) and a `drill` word, as in "@firedrill drill status". */
const MENTION = /<@[A-Z0-9]+>\s*/g;
const DRILL_WORD = /^[/!]?drill\s+/i;

/**
 * Slack through Bolt: `/drill ...`, mentions and Block Kit buttons. In HTTP mode Bolt checks
 * every request's signature and age (401 otherwise); in Socket Mode the events come over a
 * WebSocket the bot opens with its app token. Either way each handler acks at once, within
 * Slack's 3 seconds, and the command's work goes on after the ack.
 */
export async function slackAdapter(options: SlackAdapterOptions): Promise<SlackAdapter> {
  const logger = boltLogger(options.log);
  const transport = await slackTransport({ env: options, logger, listen: options.listen });
  const app = new App({
    token: options.botToken,
    receiver: transport.receiver,
    logger,
    ignoreSelf: true,
    clientOptions: options.apiUrl ? { slackApiUrl: options.apiUrl } : {},
  });
  const inFlight = new Set<Promise<void>>();
  let onRequest: ((request: ChatRequest) => Promise<void>) | undefined;
  let startedAtSeconds = Number.POSITIVE_INFINITY;
  let listeningUrl: string | undefined;

  const groupsOf = userGroups(app.client, options.log);
  const firstDelivery = deliveryLog();

  /** After the ack: the command runs on its own, and stop() waits for it. */
  const dispatch = (request: ChatRequest) => {
    const handler = onRequest;
    if (!handler) return;
    const work = groupsOf(request.user.id)
      .then((groups) => handler({ ...request, user: { ...request.user, groups } }))
      .catch((error: unknown) => options.log.error({ err: error }, 'slack request failed'));
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const user = (id: string) => ({ id, label: `<@${id}>`, groups: [] });

  app.command('/drill', async ({ command, ack, context }) => {
    await ack();
    if (context.retryNum || !firstDelivery(command.trigger_id)) return;
    dispatch({ text: command.text.trim().replace(DRILL_WORD, '') || 'help', user: user(command.user_id), channel: command.channel_id });
  });

  app.event('app_mention', async ({ event, body, context }) => {
    // Retries, repeats, edits and mentions from before this start were (or will never be) answered.
    if (context.retryNum || Number(event.ts) < startedAtSeconds || !event.user || 'edited' in event) return;
    if (!firstDelivery(body.event_id)) return;
    const text = event.text.replace(MENTION, '').trim().replace(DRILL_WORD, '') || 'help';
    dispatch({ text, user: user(event.user), channel: event.channel, thread: event.thread_ts ?? event.ts });
  });

  app.action(new RegExp(`^${ACTION_PREFIX}(detected|abort|approve|postpone)$`), async ({ ack, body, action, context }) => {
    await ack();
    if (context.retryNum || !firstDelivery('trigger_id' in body ? body.trigger_id : undefined)) return;
    if (action.type !== 'button' || !('action_id' in action) || body.type !== 'block_actions' || !body.channel) return;
    const kind = action.action_id.slice(ACTION_PREFIX.length);
    dispatch({ text: `${kind} ${action.value ?? ''}`.trim(), user: user(body.user.id), channel: body.channel.id, thread: body.message?.ts });
  });

  app.error(async (error) => options.log.error({ err: error }, 'slack handler failed'));

  const payload = (message: ChatMessage) => renderBlockKit(message);

  return {
    platform: 'slack',
    // Channel ids (C…, G…, D…) or names (#sre-drills): what a schedule's `channel` may say.
    ownsChannel: (channel) => /^[CGD][A-Z0-9]{6,}$/.test(channel) || /^#[\w-]+$/.test(channel),
    mode: transport.mode,
    ...(transport.requestListener ? { requestListener: transport.requestListener } : {}),
    url: () => listeningUrl,
    async start(handler) {
      onRequest = handler;
      startedAtSeconds = Date.now() / 1000;
      listeningUrl = await transport.start();
    },
    async stop() {
      onRequest = undefined;
      await transport.stop();
      await Promise.allSettled([...inFlight]);
    },
    async post(channel, message): Promise<MessageRef> {
      const result = await app.client.chat.postMessage({ channel, ...payload(message) });
      return { channel: result.channel ?? channel, id: result.ts ?? '' };
    },
    async update(ref, message) {
      await app.client.chat.update({ channel: ref.channel, ts: ref.id, ...payload(message) });
    },
    async reply(to, message) {
      await app.client.chat.postMessage({ channel: to.channel, ...(to.thread ? { thread_ts: to.thread } : {}), ...payload(message) });
    },
  };
}

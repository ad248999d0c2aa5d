import {
  ClientEvent,
  createClient,
  EventType,
  RoomEvent,
  RoomMemberEvent,
  type MatrixClient,
  type MatrixEvent,
  type Room,
  type RoomMember,
} from 'matrix-js-sdk';
import type { ChatAdapter, ChatRequest, DeliveryClaims, MessageRef } from '../../src/chat/adapter.js';
import type { ChatAction, ChatMessage } from '../../src/chat/message.js';
import type { Logger } from '../../src/log.js';
import { REACTION_ACTIONS, renderMatrix, type MatrixContent } from './matrix-html.js';
import { sdkLogger } from './sdk-logger.js';

export interface MatrixSettings {
  homeserverUrl: string;
  userId: string;
  accessToken: string;
  /** Rooms the bot may join when invited (and answers in). */
  allowedRooms: readonly string[];
  /** People whose invitations the bot accepts, whatever the room. */
  allowedInviters: readonly string[];
  log: Logger;
  /** Replicas of `serve` all sync the same rooms: only the one that claims an event first answers it. */
  deliveries?: DeliveryClaims;
}

const COMMAND_PREFIX = '!drill';
/** Power levels a person reaches, as groups that permissions can name (`matrix-power>=50`). */
const POWER_STEPS = [0, 50, 100];

/**
 * matrix-js-sdk behind the ChatAdapter interface. Commands are `!drill …` or a mention of
 * the bot; reactions on a run's message stand in for buttons. Only live events from after
 * start are taken, never the bot's own, never edits: a reconnect does not run anything twice.
 */
export function matrixAdapter(settings: MatrixSettings): ChatAdapter {
  const client: MatrixClient = createClient({
    baseUrl: settings.homeserverUrl,
    userId: settings.userId,
    accessToken: settings.accessToken,
    logger: sdkLogger(settings.log),
  });
  const actionsByEvent = new Map<string, ChatAction[]>();
  const seen = new Set<string>();
  let startedAt = 0;

  const mayJoin = (roomId: string, inviter: string | undefined) =>
    settings.allowedRooms.includes(roomId) || (inviter !== undefined && settings.allowedInviters.includes(inviter));

  const send = async (roomId: string, content: Record<string, unknown>): Promise<string> => {
    const sent = await client.sendEvent(roomId, EventType.RoomMessage, content as never);
    return sent.event_id;
  };

  return {
    platform: 'matrix',
    ownsChannel: (channel) => /^![^:]+:.+$/.test(channel),

    async start(onRequest) {
      startedAt = Date.now();
      client.on(RoomMemberEvent.Membership, (event: MatrixEvent, member: RoomMember) => {
        if (member.userId !== settings.userId || member.membership !== 'invite') return;
        const inviter = event.getSender();
        if (mayJoin(member.roomId, inviter)) {
          void client.joinRoom(member.roomId).catch((error: unknown) => settings.log.warn({ err: error, room: member.roomId }, 'matrix join failed'));
        } else {
          settings.log.warn({ room: member.roomId, inviter }, 'matrix invite declined: room and inviter not allowed');
          void client.leave(member.roomId).catch(() => undefined);
        }
      });
      client.on(RoomEvent.Timeline, (event: MatrixEvent, room: Room | undefined, toStartOfTimeline: boolean | undefined) => {
        if (toStartOfTimeline || !room) return;
        const request = toRequest(event, room);
        if (request) void answerOnce(event.getId()!, () => onRequest(request));
      });
      const prepared = new Promise<void>((resolve) => {
        client.on(ClientEvent.Sync, (state) => {
          if (state === 'PREPARED') resolve();
        });
      });
      await client.startClient({ initialSyncLimit: 0, lazyLoadMembers: true });
      await prepared;
    },

    async stop() {
      client.stopClient();
    },

    async post(channel, message) {
      const eventId = await send(channel, { ...renderMatrix(message) });
      actionsByEvent.set(eventId, message.actions);
      return { channel, id: eventId };
    },

    async update(ref: MessageRef, message: ChatMessage) {
      const content: MatrixContent = renderMatrix(message);
      actionsByEvent.set(ref.id, message.actions);
      await send(ref.channel, {
        ...content,
        body: `* ${content.body}`,
        formatted_body: `* ${content.formatted_body}`,
        'm.new_content': content,
        'm.relates_to': { rel_type: 'm.replace', event_id: ref.id },
      });
    },

    async reply(to: ChatRequest, message: ChatMessage) {
      const content = renderMatrix(message);
      await send(to.channel, to.thread ? { ...content, 'm.relates_to': { 'm.in_reply_to': { event_id: to.thread } } } : { ...content });
    },
  };

  async function answerOnce(eventId: string, answer: () => Promise<void>): Promise<void> {
    let ours = true;
    try {
      ours = (await settings.deliveries?.claim('matrix', eventId)) ?? true;
    } catch (error) {
      // Unanswered rather than answered twice: with the store down, the command could not run anyway.
      settings.log.warn({ err: error, event: eventId }, 'matrix command not answered: the store did not say which replica answers it');
      return;
    }
    if (ours) await answer();
  }

  function toRequest(event: MatrixEvent, room: Room): ChatRequest | undefined {
    const id = event.getId();
    const sender = event.getSender();
    if (!id || !sender || sender === settings.userId || seen.has(id)) return undefined;
    // Events from before the bot started (history, or replays after a reconnect) are not commands.
    if (event.getTs() < startedAt) return undefined;
    seen.add(id);
    const content = event.getContent();
    const relation = content['m.relates_to'] as { rel_type?: string; event_id?: string; key?: string } | undefined;
    const user = { id: sender, label: sender, groups: powerGroups(room, sender) };
    if (event.getType() === EventType.Reaction) {
      const actions = relation?.event_id ? actionsByEvent.get(relation.event_id) : undefined;
      const kind = REACTION_ACTIONS[relation?.key as keyof typeof REACTION_ACTIONS];
      const action = actions?.find((candidate) => candidate.kind === kind);
      return action && { text: `${action.kind} ${action.target}`, user, channel: room.roomId, thread: relation?.event_id };
    }
    if (event.getType() !== EventType.RoomMessage || relation?.rel_type === 'm.replace') return undefined;
    const text = commandText(String(content.body ?? ''), settings.userId);
    return text === undefined ? undefined : { text, user, channel: room.roomId, thread: id };
  }
}

/** `!drill status` → `status`; `firedrill: status` or `@firedrill:server status` → `status`. */
export function commandText(body: string, botUserId: string): string | undefined {
  const trimmed = body.trim();
  if (trimmed === COMMAND_PREFIX || trimmed.startsWith(`${COMMAND_PREFIX} `)) return trimmed.slice(COMMAND_PREFIX.length).trim();
  const localpart = botUserId.slice(1).split(':')[0] ?? '';
  for (const mention of [botUserId, localpart]) {
    const match = new RegExp(`^${escapeRegExp(mention)}:?\\s+(.*)$`, 'is').exec(trimmed);
    if (match) return match[1]!.trim();
  }
  return undefined;
}

function powerGroups(room: Room, userId: string): string[] {
  const level = room.getMember(userId)?.powerLevel ?? 0;
  return POWER_STEPS.filter((step) => level >= step).map((step) => `matrix-power>=${step}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

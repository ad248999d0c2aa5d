import type { Identity } from '../engine/events.js';
import type { ChatMessage } from './message.js';

/** A person talking to the bot, as the journal names them. */
export interface ChatUser {
  /** Stable platform id (Slack U…, Matrix @user:server, a console name); permissions match it. */
  id: string;
  /** How the journal and messages name them; unique per person (Slack: `<@U…>`). */
  label: string;
  /** Groups the platform says they belong to (Slack user groups); permissions match these too. */
  groups: readonly string[];
  /**
   * Who vouches for `id`, where the platform is not the one (the terminal chat: the
   * operating-system user). Default: the chat platform the request came from.
   */
  identity?: Identity;
}

/** One command as it reached the bot: typed text, or a button turned into its command text. */
export interface ChatRequest {
  text: string;
  user: ChatUser;
  /** Channel or room id (`console` on the terminal). */
  channel: string;
  /** Platform detail a reply needs (a Slack thread ts); opaque to the core. */
  thread?: string;
}

/**
 * Replicas of `serve` that all receive the same chat event (every replica syncs Matrix) answer
 * it once: the one whose claim of the event's id comes first. Kept in the shared store.
 */
export interface DeliveryClaims {
  /** True for exactly one caller per (platform, id). */
  claim(platform: string, deliveryId: string): Promise<boolean>;
}

/** Where a posted message lives, so that it can be updated. */
export interface MessageRef {
  channel: string;
  id: string;
}

/**
 * One chat platform (console, Slack, Matrix), like a Bolt receiver: it starts, hands the
 * core each request, and shows the core's neutral messages. Nothing platform-specific leaks in.
 */
export interface ChatAdapter {
  readonly platform: string;
  /** Whether a channel id is one of this platform's (a schedule's `channel` picks its platform). */
  ownsChannel(channel: string): boolean;
  /** Starts listening; `onRequest` must not throw (the handler answers every failure itself). */
  start(onRequest: (request: ChatRequest) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
  /** Posts a new message (a run's live message) in a channel. */
  post(channel: string, message: ChatMessage): Promise<MessageRef>;
  update(ref: MessageRef, message: ChatMessage): Promise<void>;
  /** Answers a request where the person asked (their channel or thread). */
  reply(to: ChatRequest, message: ChatMessage): Promise<void>;
}

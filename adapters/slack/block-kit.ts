import type { types } from '@slack/bolt';
import type { ChatAction, ChatMessage, MessageTone } from '../../src/chat/message.js';
import { plainText } from '../../src/chat/message.js';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** Slack's limits (api.slack.com/reference/block-kit/blocks): past them the whole message is rejected. */
const HEADER_MAX = 150;
const SECTION_TEXT_MAX = 3000;
const FIELD_MAX = 2000;
const FIELDS_PER_SECTION = 10;
const FALLBACK_MAX = 3000;

const TONE_EMOJI: Record<MessageTone, string> = {
  info: ':information_source:',
  good: ':white_check_mark:',
  warning: ':warning:',
  bad: ':rotating_light:',
};

/** The action_id of a button; a click comes back as the command `<kind> <runId>`. */
export const ACTION_PREFIX = 'firedrill-';

export interface SlackMessage {
  /** Notification and screen-reader text, also what clients without blocks show. */
  text: string;
  blocks: KnownBlock[];
}

/** Renders the neutral message as Block Kit. */
export function renderBlockKit(message: ChatMessage): SlackMessage {
  const text = clip(escape(plainText({ ...message, actions: [] })), FALLBACK_MAX);
  // A short answer reads best as one paragraph; a run's message gets the full card.
  if (!message.status && !message.fields.length && !message.actions.length) {
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lineSection([`*${escape(message.title)}*`, ...message.lines.map(escape)]) } }] };
  }
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: clip(message.title, HEADER_MAX), emoji: true } }];
  if (message.status) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`${TONE_EMOJI[message.tone]} *${escape(message.status)}*`, SECTION_TEXT_MAX) } });
  }
  for (let start = 0; start < message.fields.length; start += FIELDS_PER_SECTION) {
    const fields = message.fields.slice(start, start + FIELDS_PER_SECTION).map((field) => ({
      type: 'mrkdwn' as const,
      text: clip(`*${escape(field.label)}*\n${escape(field.value)}`, FIELD_MAX),
    }));
    blocks.push({ type: 'section', fields });
  }
  if (message.lines.length) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: lineSection(message.lines.map(escape)) } });
  }
  if (message.link) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${linkTarget(message.link.url)}|${escape(message.link.label)}>` } });
  }
  if (message.actions.length) {
    blocks.push({ type: 'actions', block_id: 'firedrill-actions', elements: message.actions.map(button) });
  }
  return { text, blocks };
}

function button(action: ChatAction): Button {
  const element: Button = {
    type: 'button',
    action_id: `${ACTION_PREFIX}${action.kind}`,
    text: { type: 'plain_text', text: action.label },
    value: action.target,
  };
  if (action.style !== 'default') element.style = action.style;
  // Abort undoes the drill for everyone: one more click to be sure.
  if (action.kind === 'abort') {
    element.confirm = {
      title: { type: 'plain_text', text: 'Abort the drill?' },
      text: { type: 'mrkdwn', text: 'firedrill undoes the injected fault now and scores the run as aborted.' },
      confirm: { type: 'plain_text', text: 'Abort' },
      deny: { type: 'plain_text', text: 'Keep going' },
      style: 'danger',
    };
  }
  return element;
}

/**
 * Lines as mrkdwn (not a code block, so that mentions render); when too long for one
 * section, the newest lines are kept: live, they matter most.
 */
function lineSection(lines: string[]): string {
  const trimmed = lines.map((line) => line.trim());
  const budget = SECTION_TEXT_MAX - 40;
  const kept: string[] = [];
  let size = 0;
  for (const line of [...trimmed].reverse()) {
    if (size + line.length + 1 > budget) break;
    kept.unshift(line);
    size += line.length + 1;
  }
  const dropped = trimmed.length - kept.length;
  return `${dropped ? `_(${dropped} earlier lines)_\n` : ''}${kept.join('\n')}`;
}

/** Slack mrkdwn control characters, except user mentions (`<@U…>`), which should stay mentions. */
function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>');
}

/** A URL inside `<url|label>`: `|` and `>` would end it early (mrkdwn has no escape for them in links). */
function linkTarget(url: string): string {
  return url.replace(/\|/g, '%7C').replace(/>/g, '%3E').replace(/</g, '%3C');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

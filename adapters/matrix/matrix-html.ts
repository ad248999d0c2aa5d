import type { ChatMessage, MessageTone } from '../../src/chat/message.js';
import { plainText, shortTarget } from '../../src/chat/message.js';

/** What Matrix clients show: `body` everywhere, `formatted_body` where HTML is rendered. */
export interface MatrixContent {
  msgtype: 'm.notice';
  body: string;
  format: 'org.matrix.custom.html';
  formatted_body: string;
}

const TONE_MARK: Record<MessageTone, string> = { info: 'ℹ️', good: '✅', warning: '⚠️', bad: '🚨' };

/** Reactions stand in for buttons on Matrix: react to the run's message to act on it. */
export const REACTION_ACTIONS = { '👀': 'detected', '🛑': 'abort', '👍': 'approve', '⏰': 'postpone' } as const;
const ACTION_REACTION: Record<string, string> = Object.fromEntries(Object.entries(REACTION_ACTIONS).map(([emoji, kind]) => [kind, emoji]));

/**
 * The neutral message as an `m.notice` (bots send notices, so other bots do not answer them),
 * with HTML limited to what the Matrix spec's suggested tag list allows.
 */
export function renderMatrix(message: ChatMessage): MatrixContent {
  const html: string[] = [`<h4>${escapeHtml(message.title)}</h4>`];
  if (message.status) html.push(`<p>${TONE_MARK[message.tone]} <strong>${escapeHtml(message.status)}</strong></p>`);
  if (message.fields.length) {
    const rows = message.fields.map((field) => `<tr><th>${escapeHtml(field.label)}</th><td>${escapeHtml(field.value)}</td></tr>`);
    html.push(`<table>${rows.join('')}</table>`);
  }
  if (message.lines.length) html.push(`<ul>${message.lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`);
  if (message.link) html.push(`<p><a href="${escapeHtml(message.link.url)}">${escapeHtml(message.link.label)}</a></p>`);
  if (message.actions.length) {
    const ways = message.actions.map((action) => `${ACTION_REACTION[action.kind] ?? ''} ${escapeHtml(action.label)}: <code>!drill ${action.kind} ${escapeHtml(shortTarget(action))}</code>`);
    html.push(`<p><em>React or type:</em> ${ways.join(' · ')}</p>`);
  }
  return { msgtype: 'm.notice', body: plainText(message), format: 'org.matrix.custom.html', formatted_body: html.join('') };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

import { randomInt } from 'node:crypto';
import { UserError } from '../errors.js';

/** Lower case letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i). */
const ID_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const ID_LENGTH = 5;

/** A new action id: five characters, typed as `done k7m2q`; about 28 million of them. */
export function newActionId(random: (max: number) => number = randomInt): string {
  return Array.from({ length: ID_LENGTH }, () => ID_ALPHABET[random(ID_ALPHABET.length)]).join('');
}

/** What a person typed as an action id, as the store keeps it, or a UserError that says what one looks like. */
export function parseActionId(text: string): string {
  const id = text.trim().toLowerCase();
  if (!new RegExp(`^[${ID_ALPHABET}]{${ID_LENGTH}}$`).test(id)) {
    throw new UserError(`"${text}" is not an action id`, `an action id is ${ID_LENGTH} letters and digits, e.g. k7m2q; see them in the run's report or with \`firedrill actions\``);
  }
  return id;
}

/** Long enough for a sentence or two; a report is not the place for a postmortem's full text. */
export const MAX_TEXT = 500;

export function checkText(text: string, what: 'learning' | 'action'): string {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (trimmed === '') throw new UserError(`say what the ${what} is`, what === 'learning' ? 'learned <run> <text>' : 'action <run> <text> [@owner] [due YYYY-MM-DD]');
  if (trimmed.length > MAX_TEXT) throw new UserError(`the ${what} is ${trimmed.length} characters long; keep it under ${MAX_TEXT}`, 'link to a longer document instead');
  return trimmed;
}

/**
 * An owner as chat platforms write a mention: `@alice`, Matrix's `@alice:example.org`, Slack's
 * `<@U123ABC>` or `<@U123ABC|alice>`. Kept as written, so each platform renders its own.
 */
const MENTION = /^(?:@[\w.\-=/+]+(?::[\w.-]+(?::\d+)?)?|<@[A-Z0-9]+(?:\|[\w.-]+)?>)$/;

export function isMention(text: string): boolean {
  return MENTION.test(text);
}

export function parseOwner(text: string): string {
  if (!isMention(text)) throw new UserError(`owner "${text}" is not an @mention`, 'name the owner as @name (in Slack, pick them from the @ list)');
  return text;
}

/**
 * A due date, strictly YYYY-MM-DD and a real calendar day, not before `today` (YYYY-MM-DD, UTC):
 * a due date in the past is a typo more often than not.
 */
export function parseDue(text: string, today: string): string {
  const hint = 'write the due date as YYYY-MM-DD, e.g. 2026-03-31';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) throw new UserError(`due date "${text}" is not YYYY-MM-DD`, hint);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new UserError(`due date ${text} is not a day of the calendar`, hint);
  }
  if (text < today) throw new UserError(`due date ${text} is in the past (today is ${today})`, hint);
  return text;
}

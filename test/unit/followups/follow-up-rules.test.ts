import { describe, expect, it } from 'vitest';
import { checkText, isMention, MAX_TEXT, newActionId, parseActionId, parseDue, parseOwner } from '../../../src/followups/follow-up-rules.js';

const TODAY = '2026-11-30';

describe('follow-up rules', () => {
  it('reads a due date strictly: YYYY-MM-DD, a real calendar day, today or later', () => {
    expect(parseDue('2026-11-30', TODAY)).toBe('2026-11-30');
    expect(parseDue('2028-02-29', TODAY)).toBe('2028-02-29');
    for (const [text, problem] of [
      ['2027-02-29', 'is not a day of the calendar'],
      ['2026-13-01', 'is not a day of the calendar'],
      ['2026-12-00', 'is not a day of the calendar'],
      ['2026-11-29', 'is in the past (today is 2026-11-30)'],
      ['2026-12-1', 'is not YYYY-MM-DD'],
      ['31.12.2026', 'is not YYYY-MM-DD'],
      ['tomorrow', 'is not YYYY-MM-DD'],
      ['2026-12-01T00:00', 'is not YYYY-MM-DD'],
      ['２０２６-12-01', 'is not YYYY-MM-DD'],
    ]) {
      expect(() => parseDue(text!, TODAY), text).toThrow(problem);
    }
  });

  it('takes an owner as the chat platforms write a mention, and nothing else', () => {
    for (const mention of ['@alice', '@alice.smith', '@bob:example.org', '@bob:matrix.example.org:8448', '<@U123ABC>', '<@U123ABC|alice>']) {
      expect(isMention(mention), mention).toBe(true);
      expect(parseOwner(mention)).toBe(mention);
    }
    for (const text of ['alice', '@', '<@u123>', '@alice bob', '<script>', '@alice<b>']) {
      expect(isMention(text), text).toBe(false);
      expect(() => parseOwner(text)).toThrow('is not an @mention');
    }
  });

  it('makes short ids without look-alike characters, and reads them back in any case', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newActionId()));
    expect(ids.size).toBeGreaterThan(1990);
    for (const id of ids) expect(id).toMatch(/^[2-9a-hjkmnp-z]{5}$/);
    expect(newActionId(() => 0)).toBe('22222');
    expect(parseActionId(' K7M2Q ')).toBe('k7m2q');
    for (const text of ['k7m2', 'k7m2qq', 'k7m1q', 'k7m-q', '3f2a9c41']) expect(() => parseActionId(text), text).toThrow('is not an action id');
  });

  it('keeps a text to one line of reasonable length', () => {
    expect(checkText('  the   flag\nservice  ', 'learning')).toBe('the flag service');
    expect(() => checkText(' \n ', 'action')).toThrow('say what the action is');
    expect(checkText('x'.repeat(MAX_TEXT), 'action')).toHaveLength(MAX_TEXT);
    expect(() => checkText('x'.repeat(MAX_TEXT + 1), 'action')).toThrow(`keep it under ${MAX_TEXT}`);
  });
});

import { describe, expect, it } from 'vitest';
import { isTimeZone, TimeZone } from '../../../src/schedule/schedule-schema.js';

/** What the formatter that computes schedule times accepts: the check must agree with it. */
const formatterAccepts = (text: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
    return true;
  } catch {
    return false;
  }
};

describe('a schedule time zone', () => {
  it('is accepted exactly when Intl.DateTimeFormat accepts it: listed names, UTC, aliases and other letter cases', () => {
    const names = ['Europe/London', 'America/New_York', 'UTC', 'Etc/UTC', 'US/Eastern', 'Asia/Calcutta', 'europe/london', 'GMT', '+01:00'];
    const nonsense = ['Mars/Olympus_Mons', 'Europe/Londn', '', 'UTC+25', 'Europe/London/Soho'];
    for (const text of [...names, ...nonsense]) expect(isTimeZone(text), text).toBe(formatterAccepts(text));
    for (const text of ['Europe/London', 'UTC', 'US/Eastern']) expect(isTimeZone(text), text).toBe(true);
    for (const text of nonsense) expect(isTimeZone(text), text).toBe(false);
  });

  it('names what is wrong when it is not one', () => {
    const result = TimeZone.safeParse('Europe/Londn');
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('"Europe/Londn" is not an IANA time zone');
    expect(TimeZone.safeParse('Europe/London').success).toBe(true);
  });
});

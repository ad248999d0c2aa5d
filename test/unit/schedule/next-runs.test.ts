import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { blackoutReason } from '../../../src/schedule/blackout.js';
import { formatInZone, nextCronTimes } from '../../../src/schedule/next-runs.js';
import { Schedule } from '../../../src/schedule/schedule-schema.js';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());
const schedule = (fields: Record<string, unknown>) => Schedule.parse({ name: 'weekly', environment: 'staging', cron: '0 10 * * 3', ...fields });

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('next cron times', () => {
  it('keeps local wall-clock time across the spring change (Europe/London)', () => {
    vi.setSystemTime(new Date('2027-03-20T12:00:00Z'));
    expect(iso(nextCronTimes(schedule({ cron: '0 10 * * 3', timezone: 'Europe/London' }), 2))).toEqual([
      '2027-03-24T10:00:00.000Z', // GMT
      '2027-03-31T09:00:00.000Z', // BST: still 10:00 in London
    ]);
  });

  it('keeps local wall-clock time across the autumn change (America/New_York)', () => {
    vi.setSystemTime(new Date('2027-11-05T00:00:00Z'));
    expect(iso(nextCronTimes(schedule({ cron: '30 9 * * *', timezone: 'America/New_York' }), 3))).toEqual([
      '2027-11-05T13:30:00.000Z', // EDT
      '2027-11-06T13:30:00.000Z',
      '2027-11-07T14:30:00.000Z', // EST: still 09:30 in New York
    ]);
  });

  it('runs once on the night the clock falls back, and not at an hour that does not exist', () => {
    vi.setSystemTime(new Date('2027-10-30T12:00:00Z'));
    // 01:30 London happens twice on 2027-10-31.
    const fallBack = nextCronTimes(schedule({ cron: '30 1 * * *', timezone: 'Europe/London' }), 3);
    expect(fallBack.filter((date) => formatInZone(date, 'Europe/London').startsWith('Sun 2027-10-31'))).toHaveLength(1);
    vi.setSystemTime(new Date('2027-03-27T12:00:00Z'));
    // 01:30 London does not exist on 2027-03-28.
    const springForward = nextCronTimes(schedule({ cron: '30 1 * * *', timezone: 'Europe/London' }), 3);
    expect(new Set(iso(springForward)).size).toBe(3);
    for (const date of springForward) expect(formatInZone(date, 'Europe/London')).not.toContain('2027-03-28 01:30');
  });

  it('reads the same instant differently in each time zone', () => {
    vi.setSystemTime(new Date('2026-11-22T00:00:00Z'));
    const [tokyo] = nextCronTimes(schedule({ cron: '0 10 * * *', timezone: 'Asia/Tokyo' }), 1);
    expect(tokyo!.toISOString()).toBe('2026-11-22T01:00:00.000Z');
    expect(formatInZone(tokyo!, 'Asia/Tokyo')).toBe('Sun 2026-11-22 10:00 Asia/Tokyo');
    expect(formatInZone(tokyo!, 'America/Los_Angeles')).toBe('Sat 2026-11-21 17:00 America/Los_Angeles');
  });
});

describe('schedule validation', () => {
  it('rejects a bad cron expression, an unknown time zone and a reversed date range, with the fix', () => {
    const result = Schedule.safeParse({
      name: 'weekly',
      environment: 'staging',
      cron: '0 25 * * *',
      timezone: 'Europe/Londn',
      blackout: [{ dates: ['2027-01-03..2026-12-20'] }],
    });
    expect(result.success).toBe(false);
    const messages = result.error!.issues.map((issue) => issue.message).join('\n');
    expect(messages).toContain('"0 25 * * *" is not a cron expression');
    expect(messages).toContain('"Europe/Londn" is not an IANA time zone');
    expect(messages).toContain('the range ends before it starts');
  });
});

describe('blackouts', () => {
  const withBlackout = schedule({
    timezone: 'Europe/London',
    blackout: [{ dates: ['2026-12-20..2027-01-03', '2027-02-14'] }, { weekdays: ['fri'] }, { when: 'an incident is open' }],
  });

  it('applies date ranges and weekdays in the schedule time zone', () => {
    expect(blackoutReason(withBlackout, new Date('2026-12-24T10:00:00Z'), false)).toBe('2026-12-24 is in the blackout 2026-12-20..2027-01-03');
    expect(blackoutReason(withBlackout, new Date('2027-01-03T23:30:00Z'), false)).toBe('2027-01-03 is in the blackout 2026-12-20..2027-01-03');
    expect(blackoutReason(withBlackout, new Date('2027-01-04T00:30:00Z'), false)).toBeUndefined();
    expect(blackoutReason(withBlackout, new Date('2027-02-14T09:00:00Z'), false)).toContain('2027-02-14');
    // 23:30 UTC on a Thursday in summer is already Friday in London.
    expect(blackoutReason(withBlackout, new Date('2027-06-10T23:30:00Z'), false)).toBe('no drills on fri (blackout)');
    expect(blackoutReason(withBlackout, new Date('2027-06-09T10:00:00Z'), false)).toBeUndefined();
  });

  it('applies the incident rule only while an incident is open', () => {
    expect(blackoutReason(withBlackout, new Date('2027-06-09T10:00:00Z'), true)).toBe('an incident is open');
    expect(blackoutReason(schedule({}), new Date('2027-06-09T10:00:00Z'), true)).toBeUndefined();
  });
});

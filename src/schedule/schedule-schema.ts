import { validateDetailed } from 'node-cron';
import * as z from 'zod';
import { Duration } from '../catalogue/duration.js';

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const CronExpression = z.string().superRefine((text, context) => {
  const result = validateDetailed(text);
  if (!result.valid) {
    const why = result.errors.map((error) => error.message).join('; ');
    context.addIssue({ code: 'custom', message: `"${text}" is not a cron expression (${why}); e.g. "0 10 * * 3" is Wednesdays at 10:00` });
  }
});

export const TimeZone = z.string().superRefine((text, context) => {
  if (!isTimeZone(text)) context.addIssue({ code: 'custom', message: `"${text}" is not an IANA time zone; e.g. Europe/London, America/New_York, UTC` });
});

let listedTimeZones: ReadonlySet<string> | undefined;

/**
 * What `Intl.DateTimeFormat` accepts as a time zone. The list of IANA names answers most
 * cheaply: a first formatter loads locale data, about 20 ms of a cold `firedrill validate`.
 * Names not listed (UTC, aliases such as US/Eastern, other letter cases) ask a formatter.
 */
export function isTimeZone(text: string): boolean {
  listedTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (listedTimeZones.has(text)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: text });
    return true;
  } catch {
    return false;
  }
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DateRange = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$/, 'write a day as 2026-12-24 or a range as 2026-12-20..2027-01-03')
  .refine((text) => text.split('..').every((day) => DAY.test(day) && !Number.isNaN(Date.parse(`${day}T00:00:00Z`))), 'not a calendar day')
  .refine((text) => {
    const [from, to = from] = text.split('..') as [string, string?];
    return from <= to;
  }, 'the range ends before it starts');

export const Blackout = z.union([
  z.strictObject({ dates: z.array(DateRange).min(1).describe('Days (in the schedule time zone) with no drills') }),
  z.strictObject({ weekdays: z.array(z.enum(WEEKDAYS)).min(1) }),
  z.strictObject({ when: z.literal('an incident is open').describe('Skip while an incident is open (firedrill incident open|close, or /hooks/incident)') }),
]);
export type Blackout = z.infer<typeof Blackout>;

export const Schedule = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes, e.g. weekly-staging'),
  cron: CronExpression,
  timezone: TimeZone.default('UTC'),
  environment: z.string(),
  pick: z.string().default('random').describe('random (weighted, with cooldown) or a drill id'),
  drills: z.array(z.string()).optional().describe('The drills a random pick chooses from; default: all allowed in the environment'),
  cooldown: Duration.optional().describe('A drill that ran in the environment within this window is not picked again'),
  jitter: Duration.optional().describe('Start at a random moment within this window after the cron time'),
  announce: Duration.optional().describe('Announce this long before the start, with a way to postpone'),
  channel: z.string().optional().describe('Where to announce: a Slack channel or a Matrix room id'),
  postpone: z
    .strictObject({ delay: Duration.prefault('1d'), maxTimes: z.number().int().min(0).default(3) })
    .prefault({}),
  blackout: z.array(Blackout).default([]),
});
export type Schedule = z.infer<typeof Schedule>;

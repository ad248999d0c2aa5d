import { createTask } from 'node-cron';
import type { Schedule } from './schedule-schema.js';

/**
 * The next `count` cron times of a schedule after now, in its time zone (node-cron walks
 * local wall-clock time, so "10:00 Europe/London" stays 10:00 across daylight-saving changes).
 */
export function nextCronTimes(schedule: Pick<Schedule, 'cron' | 'timezone'>, count: number): Date[] {
  const task = createTask(schedule.cron, () => undefined, { timezone: schedule.timezone });
  try {
    return task.getNextRuns(count);
  } finally {
    void task.destroy();
  }
}

/** `Wed 2026-11-25 10:00 Europe/London`: how people read a schedule. */
export function formatInZone(date: Date, timezone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.weekday} ${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timezone}`;
}

/** The calendar day and weekday of an instant in a time zone, for blackout rules. */
export function localDay(date: Date, timezone: string): { day: string; weekday: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return { day: `${parts.year}-${parts.month}-${parts.day}`, weekday: String(parts.weekday).toLowerCase() };
}

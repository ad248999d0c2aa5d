import { localDay } from './next-runs.js';
import type { Schedule } from './schedule-schema.js';

/** Why the schedule may not start a drill at `at`; undefined when it may. */
export function blackoutReason(schedule: Schedule, at: Date, incidentOpen: boolean): string | undefined {
  const { day, weekday } = localDay(at, schedule.timezone);
  for (const rule of schedule.blackout) {
    if ('dates' in rule) {
      const range = rule.dates.find((text) => {
        const [from, to = from] = text.split('..') as [string, string?];
        return from <= day && day <= to;
      });
      if (range) return `${day} is in the blackout ${range}`;
    } else if ('weekdays' in rule) {
      if ((rule.weekdays as string[]).includes(weekday)) return `no drills on ${weekday} (blackout)`;
    } else if (incidentOpen) {
      return 'an incident is open';
    }
  }
  return undefined;
}

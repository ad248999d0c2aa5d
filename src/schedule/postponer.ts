import type { Drill } from '../catalogue/drill-schema.js';
import type { RunStore } from '../engine/ports.js';
import type { ScheduleStore } from './ports.js';
import type { Schedule } from './schedule-schema.js';
import { Scheduler } from './scheduler.js';

/**
 * A scheduler that only postpones (the command line, the terminal chat): the schedule state is
 * in the store, so a running `firedrill serve` sees the new start at its next tick.
 */
export function postponer(deps: {
  schedules: readonly Schedule[];
  store: ScheduleStore;
  runs: RunStore;
  drillsFor(environment: string): Drill[];
}): Pick<Scheduler, 'postpone'> {
  return new Scheduler({ ...deps, startRun: () => undefined, announce: async () => undefined });
}

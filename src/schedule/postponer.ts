import type { Drill } from '../catalogue/drill-schema.js';
import { ownValue } from '../catalogue/own.js';
import type { Environment } from '../config/config-schema.js';
import type { Actor } from '../engine/actor.js';
import { requirePermission } from '../engine/permissions.js';
import { UserError } from '../errors.js';
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

/**
 * The rule for postponing, from every front end: whoever may run drills in the schedule's
 * environment may postpone it. Throws a UserError that names the schedules for an unknown one,
 * or says who may.
 */
export function requirePostponePermission(
  actor: Actor,
  scheduleName: string,
  config: { schedules: readonly Pick<Schedule, 'name' | 'environment'>[]; environments: Readonly<Record<string, Environment>> },
): void {
  const schedule = config.schedules.find((candidate) => candidate.name === scheduleName);
  const environment = schedule && ownValue(config.environments, schedule.environment);
  if (!schedule || !environment) {
    const names = config.schedules.map((entry) => entry.name);
    throw new UserError(`no schedule "${scheduleName}"`, names.length ? `schedules: ${names.join(', ')}` : 'the config has no schedules');
  }
  requirePermission('run', actor, schedule.environment, environment);
}

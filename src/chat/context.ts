import type { Catalogue } from '../catalogue/load.js';
import type { Drill } from '../catalogue/drill-schema.js';
import type { Environment } from '../config/config-schema.js';
import { didYouMean, joinParts } from '../catalogue/suggest.js';
import type { Clock } from '../engine/clock.js';
import type { RunStore, RuntimeFactory } from '../engine/ports.js';
export { resolveRun } from '../engine/resolve-run.js';
import { UserError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ChatAdapter } from './adapter.js';
import type { ChatMetrics } from './chat-metrics.js';
import type { ScheduleStore } from '../schedule/ports.js';
import { ownValue } from '../catalogue/own.js';

/** Everything the chat commands need, built once by the composition root. */
export interface ChatDeps {
  catalogue: Catalogue;
  store: RunStore;
  clock: Clock;
  runtimes: RuntimeFactory;
  log: Logger;
  adapter: ChatAdapter;
  /** The drills allowed in an environment, overrides applied. */
  drillsIn(environment: string): Drill[];
  /** Stops runs started from chat when the bot shuts down (they undo what they injected). */
  stop: AbortSignal;
  /** The schedules and the incident switch, for `postpone` and `incident`; absent where there is no store for them. */
  schedules?: ChatSchedules;
  /** Counts commands and failed replies for /metrics; absent outside `serve`. */
  metrics?: ChatMetrics;
}

export interface ChatSchedules {
  /** Moves the schedule's next drill; returns the announcement text. */
  postpone(schedule: string, by: string): Promise<string>;
  incidents: Pick<ScheduleStore, 'openIncident' | 'closeIncident' | 'openIncidentNow'>;
}

/** The named environment, or the only one when no name is given. */
export function resolveEnvironment(catalogue: Catalogue, name: string | undefined): [string, Environment] {
  const environments = catalogue.config.environments;
  const names = Object.keys(environments);
  if (name === undefined) {
    if (names.length === 1) return [names[0]!, environments[names[0]!]!];
    throw new UserError(
      names.length ? `say which environment: ${names.join(', ')}` : `${catalogue.configPath} has no environments`,
      names.length ? undefined : 'add one under environments: (see drills.example.yaml)',
    );
  }
  const environment = ownValue(environments, name);
  if (!environment) throw new UserError(joinParts(`unknown environment "${name}"`, didYouMean(name, names), `environments: ${names.join(', ') || 'none'}`));
  return [name, environment];
}

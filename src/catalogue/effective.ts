import { UserError } from '../errors.js';
import type { Config } from '../config/config-schema.js';
import type { Drill } from './drill-schema.js';
import { didYouMean, joinParts } from './suggest.js';
import { ownValue } from './own.js';

/** What effectiveDrill needs from a loaded catalogue (see load.ts). */
export interface DrillCatalogue {
  configPath: string;
  config: Config;
  drills: ReadonlyMap<string, { drill: Drill; file: string }>;
}

/**
 * The drill as it runs in `environmentName`: the catalogue entry with the config's
 * `overrides` applied (objectives key by key, so overriding `rto` keeps `ttd` and `rpo`).
 * Throws a UserError for an unknown drill or environment, or one that excludes the drill.
 */
export function effectiveDrill(catalogue: DrillCatalogue, drillId: string, environmentName: string): Drill {
  const { config, configPath } = catalogue;
  const environment = ownValue(config.environments, environmentName);
  if (environment === undefined) {
    const names = Object.keys(config.environments);
    throw new UserError(
      joinParts(`unknown environment "${environmentName}"`, didYouMean(environmentName, names), `environments in ${configPath}: ${names.join(', ')}`),
    );
  }
  const entry = catalogue.drills.get(drillId);
  if (entry === undefined) {
    const ids = [...catalogue.drills.keys()];
    throw new UserError(joinParts(`unknown drill "${drillId}"`, didYouMean(drillId, ids), `known drills: ${ids.join(', ')}`),
      `drills come from the built-in catalogue and the catalogue: entries of ${configPath}`);
  }
  if (environment.drills !== undefined && !environment.drills.includes(drillId)) {
    throw new UserError(
      `drill "${drillId}" is not allowed in environment "${environmentName}"; it allows: ${environment.drills.join(', ') || 'no drills'}`,
      `to allow it, add "${drillId}" to environments.${environmentName}.drills in ${configPath}`,
    );
  }
  const { drill } = entry;
  if (drill.recovery.mode === 'automated' && drill.recovery.runbook.action === 'rescue-from-delayed-replica' && !environment.postgres?.delayedReplica) {
    throw new UserError(
      `drill "${drillId}" rescues the table from a delayed replica, but environment "${environmentName}" declares none`,
      `add postgres.delayedReplica: {url: {env: ...}, delay: 15m} to environments.${environmentName} in ${configPath}`,
    );
  }
  const override = ownValue(config.overrides, drillId);
  if (override === undefined) return entry.drill;
  return {
    ...entry.drill,
    objectives: { ...entry.drill.objectives, ...definedOnly(override.objectives ?? {}) },
    ...definedOnly({ weight: override.weight, maxDuration: override.maxDuration, requiresApproval: override.requiresApproval, every: override.every }),
  };
}

/** Drops undefined values, so an absent override key never erases the drill's value. */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The drills allowed in an environment, overrides applied: what schedules, `random` and the live check choose from. */
export function drillsAllowedIn(catalogue: DrillCatalogue, environmentName: string): Drill[] {
  const drills: Drill[] = [];
  for (const id of catalogue.drills.keys()) {
    try {
      drills.push(effectiveDrill(catalogue, id, environmentName));
    } catch {
      // Not allowed in this environment: not a candidate.
    }
  }
  return drills;
}

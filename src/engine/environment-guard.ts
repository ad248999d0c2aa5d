import type { Environment } from '../catalogue/config-schema.js';

const PRODUCTION_LOOKING = /(^|[^a-z])(prod|production|prd|live)([^a-z]|$)/i;

/** Why this environment may never be a drill target; undefined when it may. */
export function environmentRefusal(name: string, environment: Environment): string | undefined {
  if (environment.protected) return `environment "${name}" is protected: firedrill never injects faults into it`;
  if (!environment.allowProductionLookingNames && looksLikeProduction(name)) {
    return (
      `environment "${name}" looks like production; firedrill only drills staging. ` +
      'If it really is a staging target, set allowProductionLookingNames: true on it'
    );
  }
  return undefined;
}

/** Hosts, database names and kube contexts are checked with the same rule by the adapters. */
export function looksLikeProduction(text: string): boolean {
  return PRODUCTION_LOOKING.test(text);
}

import type { Config } from '../config/config-schema.js';
import type { LoadedDrill } from './loaded-drill.js';
import { formatDuration } from './duration.js';
import type { Problem } from './problems.js';
import { ownValue } from './own.js';
import { atPath, problemAt, type YamlSource } from './yaml-source.js';

/**
 * A delayed replica saves a dropped table only if someone notices the drop before the
 * replica applies it, and the rescue then needs time of its own. A TTD objective of half the
 * delay or more leaves too little: a drill that just meets it may find the drop applied.
 */
export const TTD_SHARE_OF_DELAY = 0.5;

/**
 * Warnings (not errors: the drill can run) for drills that rescue from an environment's
 * delayed replica with a TTD objective not comfortably below its delay. Reported on the
 * environment's `delayedReplica.delay`, the value one would raise.
 */
export function delayedReplicaWarnings(config: Config, source: YamlSource, drills: ReadonlyMap<string, LoadedDrill>): Problem[] {
  const warnings: Problem[] = [];
  for (const [name, environment] of Object.entries(config.environments)) {
    const replica = environment.postgres?.delayedReplica;
    if (!replica) continue;
    const path = ['environments', name, 'postgres', 'delayedReplica', 'delay'];
    for (const { drill } of drills.values()) {
      if (drill.kind !== 'drop-table' || drill.recovery.mode !== 'automated' || drill.recovery.runbook.action !== 'rescue-from-delayed-replica') continue;
      if (environment.drills !== undefined && !environment.drills.includes(drill.id)) continue;
      const ttd = ownValue(config.overrides, drill.id)?.objectives?.ttd ?? drill.objectives.ttd;
      const limit = replica.delay * TTD_SHARE_OF_DELAY;
      let message: string | undefined;
      if (ttd === undefined) {
        message = `drill "${drill.id}" rescues from this replica but sets no ttd objective: the drop must be noticed well within ${formatDuration(replica.delay)}, or the replica has applied it too; give it a ttd below ${formatDuration(limit)}`;
      } else if (ttd >= limit) {
        message =
          `drill "${drill.id}" allows ${formatDuration(ttd)} to notice the drop (ttd), not comfortably below this replica's delay of ${formatDuration(replica.delay)}: ` +
          `a drop noticed that late may already be applied on the replica too; keep ttd below half the delay (${formatDuration(limit)}), or delay the replica more`;
      }
      if (message) warnings.push({ ...problemAt(source, path, atPath(path, message)), severity: 'warning' });
    }
  }
  return warnings;
}

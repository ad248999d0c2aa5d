import { formatDuration } from '../catalogue/duration.js';
import type { Drill } from '../catalogue/drill-schema.js';
import { pickWeighted, seededRandom } from '../catalogue/pick.js';
import type { RunSummary } from '../engine/ports.js';
import type { Schedule } from './schedule-schema.js';

export interface Selection {
  drill: Drill | undefined;
  /** One sentence: what was picked, from what, and what was left out and why. */
  reason: string;
}

/**
 * Weighted random over the schedule's drills, leaving out those that ran in the environment
 * within the cooldown. The same seed and history always give the same pick.
 */
export function selectDrill(schedule: Schedule, allowed: readonly Drill[], recentRuns: readonly RunSummary[], now: Date, seed: string): Selection {
  if (schedule.pick !== 'random') {
    const fixed = allowed.find((drill) => drill.id === schedule.pick);
    return fixed
      ? { drill: fixed, reason: `${fixed.id} is this schedule's fixed drill` }
      : { drill: undefined, reason: `drill ${schedule.pick} is not allowed in ${schedule.environment}` };
  }
  const pool = schedule.drills ? allowed.filter((drill) => schedule.drills!.includes(drill.id)) : [...allowed];
  const cooling = new Map<string, Date>();
  if (schedule.cooldown !== undefined) {
    const since = now.getTime() - schedule.cooldown;
    for (const run of recentRuns) {
      const at = new Date(run.createdAt);
      // A refused run drilled nothing: it does not use up the cooldown.
      if (run.environment === schedule.environment && run.outcome !== 'refused' && at.getTime() >= since && !cooling.has(run.drill)) {
        cooling.set(run.drill, at);
      }
    }
  }
  const candidates = pool.filter((drill) => !cooling.has(drill.id));
  const skipped = pool
    .filter((drill) => cooling.has(drill.id))
    .map((drill) => `${drill.id} (ran ${formatDuration(now.getTime() - cooling.get(drill.id)!.getTime())} ago, cooldown ${formatDuration(schedule.cooldown!)})`);
  const drill = pickWeighted(candidates, seededRandom(seed));
  const total = candidates.reduce((sum, candidate) => sum + candidate.weight, 0);
  const left = skipped.length ? `; left out: ${skipped.join(', ')}` : '';
  if (!drill) return { drill: undefined, reason: `no drill to pick in ${schedule.environment}${left || ' (none allowed)'}` };
  return {
    drill,
    reason: `picked ${drill.id} at random (weight ${drill.weight} of ${total}, seed ${seed}) from ${candidates.map((c) => c.id).join(', ')}${left}`,
  };
}

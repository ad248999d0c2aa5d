import type { Catalogue } from '../catalogue/load.js';
import type { Clock } from '../engine/clock.js';
import { environmentScore } from '../scoring/environment-score.js';
import type { StoreMetricsSource, StoreSnapshot } from '../server/metrics/store-snapshot.js';
import type { OpenedStore } from './index.js';

/**
 * What /metrics reads from the store at a scrape: one aggregate query for the run totals,
 * one for each drill's standing (which the scores then reuse), the active runs and each
 * schedule's next start. Every replica reads the same store, so every replica reports alike.
 */
export function storeMetricsSource(catalogue: Catalogue, opened: Pick<OpenedStore, 'store' | 'history' | 'tallies' | 'schedules'>, clock: Clock): StoreMetricsSource {
  const environments = Object.keys(catalogue.config.environments);
  const schedules = catalogue.config.schedules;
  return {
    async read(): Promise<StoreSnapshot> {
      const [tallies, standings, activeRuns, nextStarts] = await Promise.all([
        opened.tallies.tallies(),
        opened.history.standings({}),
        opened.store.active(),
        Promise.all(schedules.map(async ({ name, environment }) => ({ schedule: name, environment, pending: await opened.schedules.pending(name) }))),
      ]);
      const active = new Map(environments.map((environment) => [environment, 0]));
      for (const run of activeRuns) active.set(run.environment, (active.get(run.environment) ?? 0) + 1);
      const now = new Date(clock.now().at);
      const scores = await Promise.all(
        environments.map(async (environment) => {
          // The run each drill is judged by, looking past refused runs (one query per environment).
          const score = await environmentScore(opened.history, catalogue, environment, now);
          return { environment, score: score.score, overdue: score.drills.filter((drill) => drill.overdue).length };
        }),
      );
      return {
        tallies,
        standings,
        active,
        scores,
        nextStarts: nextStarts.flatMap(({ schedule, environment, pending }) => (pending ? [{ schedule, environment, startAt: pending.startAt }] : [])),
      };
    },
  };
}

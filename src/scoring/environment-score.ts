import type { Config } from '../config/config-schema.js';
import { effectiveDrill, type DrillCatalogue } from '../catalogue/effective.js';
import type { RunTrends } from '../history/ports.js';
import { resilienceScore, type ResilienceScore, type ScoreInput } from './resilience-score.js';

export type ScoredDrill = ScoreInput['drills'][number];
type History = Pick<RunTrends, 'countedRunsBefore'>;

/**
 * The drills the score of an environment reads: those allowed there (with the config's
 * overrides), each with how often it is expected to run: its `every`, else `scoring.defaultEvery`.
 */
export function scoredDrills(catalogue: DrillCatalogue & { config: Config }, environment: string): ScoredDrill[] {
  const drills: ScoredDrill[] = [];
  for (const id of catalogue.drills.keys()) {
    try {
      const drill = effectiveDrill(catalogue, id, environment);
      drills.push({ id: drill.id, title: drill.title, severity: drill.severity, everyMs: drill.every ?? catalogue.config.scoring.defaultEvery });
    } catch {
      // Not allowed in this environment: not part of its score.
    }
  }
  return drills;
}

type Standing = ScoreInput['standings'][number];

/**
 * The standings the score reads as they stood at `at`: for each drill, the run it is judged by
 * (RunTrends.countedRunsBefore: its newest run finished before `at`, refused runs looked past).
 */
export async function countedStandings(history: History, environment: string, at: Date): Promise<Standing[]> {
  const [runs = []] = await history.countedRunsBefore(environment, [at]);
  return runs.map((last) => ({ environment, drill: last.drill, last }));
}

/** Just after `now`: a run finished in this very millisecond counts. */
function justAfter(now: Date): Date {
  return new Date(now.getTime() + 1);
}

/** The resilience score of an environment now, from the history (see resilienceScore). */
export async function environmentScore(
  history: History,
  catalogue: DrillCatalogue & { config: Config },
  environment: string,
  now: Date,
): Promise<ResilienceScore> {
  const drills = scoredDrills(catalogue, environment);
  return resilienceScore({ environment, now, drills, standings: await countedStandings(history, environment, justAfter(now)) });
}

export interface ScorePoint {
  at: string;
  score: number | null;
}

/**
 * The score as of each of the last `weeks` week starts (Monday 00:00 UTC, the weeks of the
 * heatmap), oldest first, then now: each computed as resilienceScore would have then, from the
 * runs finished by that instant, with today's drills and their `every`.
 */
export async function scoreTrend(
  history: History,
  catalogue: DrillCatalogue & { config: Config },
  environment: string,
  now: Date,
  weeks = 12,
): Promise<ScorePoint[]> {
  const drills = scoredDrills(catalogue, environment);
  const instants = [...weekStartsBefore(now, weeks), justAfter(now)];
  const counted = await history.countedRunsBefore(environment, instants);
  return instants.map((at, index) => {
    const last = index === instants.length - 1;
    const standings = (counted[index] ?? []).map((run) => ({ environment, drill: run.drill, last: run }));
    return { at: (last ? now : at).toISOString(), score: resilienceScore({ environment, now: last ? now : at, drills, standings }).score };
  });
}

/** The last `count` Mondays 00:00 UTC at or before `now`, oldest first. */
export function weekStartsBefore(now: Date, count: number): Date[] {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  const monday = day.getTime() - sinceMonday * 86_400_000;
  return Array.from({ length: count }, (_, index) => new Date(monday - (count - 1 - index) * 7 * 86_400_000));
}

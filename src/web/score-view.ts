import type { DrillStanding, RunHistory, RunRecord, RunTrends } from '../history/ports.js';
import { resilienceScore, type ResilienceScore } from '../scoring/resilience-score.js';
import { weekStartsBefore, type ScoredDrill, type ScorePoint } from '../scoring/environment-score.js';

export interface EnvironmentScore {
  now: ResilienceScore;
  /** The score at each of the last weeks' starts, then now (environment-score.ts's scoreTrend, in one query). */
  trend: ScorePoint[];
}

/** Standings as resilienceScore reads them: only `last` counts, the run each drill is judged by. */
const asStandings = (environment: string, runs: readonly RunRecord[], standings: readonly DrillStanding[]): DrillStanding[] =>
  runs.map((last) => {
    const known = standings.find((standing) => standing.environment === environment && standing.drill === last.drill);
    return { environment, drill: last.drill, last, finishedRuns: known?.finishedRuns ?? 0, passedRuns: known?.passedRuns ?? 0, lastPassedAt: known?.lastPassedAt ?? null };
  });

/**
 * The resilience score of an environment now and at each of the last `weeks` week starts, as
 * resilience-score.ts computes it, from the runs each drill was judged by at those instants.
 */
export async function environmentScores(
  history: Pick<RunHistory, 'standings'> & RunTrends,
  environment: string,
  drills: readonly ScoredDrill[],
  standings: readonly DrillStanding[],
  now: Date,
  weeks = 12,
): Promise<EnvironmentScore> {
  // Just after now: a run finished in this very millisecond counts.
  const instants = [...weekStartsBefore(now, weeks), new Date(now.getTime() + 1)];
  const counted = await history.countedRunsBefore(environment, instants);
  const scores = instants.map((at, index) =>
    resilienceScore({ environment, now: index === instants.length - 1 ? now : at, drills: [...drills], standings: asStandings(environment, counted[index] ?? [], standings) }),
  );
  return {
    now: scores.at(-1)!,
    trend: scores.map((score, index) => ({ at: index === scores.length - 1 ? now.toISOString() : instants[index]!.toISOString(), score: score.score })),
  };
}

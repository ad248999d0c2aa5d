import type { Config } from '../config/config-schema.js';
import { effectiveDrill, type DrillCatalogue } from '../catalogue/effective.js';
import type { DrillStanding, RunHistory, RunRecord } from '../history/ports.js';
import { countedRun, resilienceScore, type ResilienceScore, type ScoreInput } from './resilience-score.js';

export type ScoredDrill = ScoreInput['drills'][number];
type History = Pick<RunHistory, 'standings' | 'runs'>;

/** How many older runs are read to look past refused ones; a drill refused more often in a row counts as not run. */
const LOOK_BACK_RUNS = 50;

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

/**
 * The standings the score reads: the history's, with each drill's `last` the newest run that
 * counts, looking past refused runs (they tested nothing). With `asOf`, as they stood then.
 */
export async function countedStandings(history: History, environment: string, drillIds: readonly string[], asOf?: Date): Promise<DrillStanding[]> {
  const standings = await history.standings(asOf ? { environment, asOf } : { environment });
  const byDrill = new Map(standings.filter((standing) => standing.environment === environment).map((standing) => [standing.drill, standing]));
  const counted: DrillStanding[] = [];
  for (const drill of drillIds) {
    const standing = byDrill.get(drill);
    const last = standing?.last ?? null;
    // A history that does not know `asOf` answers with today's standings: read the runs then instead.
    const tooNew = asOf !== undefined && last?.finishedAt != null && Date.parse(last.finishedAt) >= asOf.getTime();
    if (standing && !tooNew && (last === null || countedRun(last) !== null)) {
      counted.push(standing);
      continue;
    }
    // Never finished a run here (by then): the score counts it as not run.
    if (!standing) continue;
    counted.push(await standingFromRuns(history, environment, drill, asOf));
  }
  return counted;
}

async function standingFromRuns(history: History, environment: string, drill: string, asOf: Date | undefined): Promise<DrillStanding> {
  const page = await history.runs(asOf ? { environment, drill, to: asOf } : { environment, drill }, { page: 1, pageSize: LOOK_BACK_RUNS });
  const finished = page.runs.filter((run) => run.finishedAt !== null && (asOf === undefined || Date.parse(run.finishedAt) < asOf.getTime()));
  const last: RunRecord | null = finished.find((run) => countedRun(run) !== null) ?? null;
  const passed = finished.filter((run) => run.result === 'passed');
  return { environment, drill, last, finishedRuns: finished.length, passedRuns: passed.length, lastPassedAt: passed[0]?.finishedAt ?? null };
}

/** The resilience score of an environment now, from the history (see resilienceScore). */
export async function environmentScore(
  history: History,
  catalogue: DrillCatalogue & { config: Config },
  environment: string,
  now: Date,
): Promise<ResilienceScore> {
  const drills = scoredDrills(catalogue, environment);
  const standings = await countedStandings(history, environment, drills.map((drill) => drill.id));
  return resilienceScore({ environment, now, drills, standings });
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
  const ids = drills.map((drill) => drill.id);
  const points: ScorePoint[] = [];
  for (const at of [...weekStartsBefore(now, weeks), now]) {
    const standings = await countedStandings(history, environment, ids, at);
    points.push({ at: at.toISOString(), score: resilienceScore({ environment, now: at, drills, standings }).score });
  }
  return points;
}

/** The last `count` Mondays 00:00 UTC at or before `now`, oldest first. */
export function weekStartsBefore(now: Date, count: number): Date[] {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  const monday = day.getTime() - sinceMonday * 86_400_000;
  return Array.from({ length: count }, (_, index) => new Date(monday - (count - 1 - index) * 7 * 86_400_000));
}

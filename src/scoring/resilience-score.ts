import type { DrillStanding, RunRecord, RunResult } from '../history/ports.js';

export type Severity = 'low' | 'medium' | 'high' | 'critical';

/** How much a drill counts towards its environment's score: each step counts twice the one below. */
export const SEVERITY_WEIGHTS: Readonly<Record<Severity, number>> = { low: 1, medium: 2, high: 4, critical: 8 };

/** How often a drill is expected to run when neither it nor the config says (`every:`). */
export const DEFAULT_EVERY_MS = 90 * 86_400_000;

/** The share of its credit a failed run keeps for the objectives it met: it found a gap. */
export const FAILED_RUN_CREDIT = 0.5;

export interface ScoreInput {
  environment: string;
  now: Date;
  /** The drills that apply to the environment. everyMs: how often it is expected to run. */
  drills: { id: string; title: string; severity: Severity; everyMs: number }[];
  /** From RunHistory.standings({ environment }); only `last` is read (see countedStandings). */
  standings: Pick<DrillStanding, 'environment' | 'drill' | 'last'>[];
}

export interface DrillScore {
  drill: string;
  title: string;
  severity: string;
  /** From the severity (SEVERITY_WEIGHTS). */
  weight: number;
  /** weight × credit × freshness: what the drill adds to the score's numerator (0 … weight). */
  points: number;
  lastRunAt: string | null;
  lastResult: RunResult | 'not-run';
  overdue: boolean;
  /** When the drill fell due (last run + every); null when it never ran or is not overdue. */
  overdueSince: string | null;
  everyMs: number;
  /** 0…1: what the last counted run earned (1 passed; failed: FAILED_RUN_CREDIT × share of objectives met; else 0). */
  credit: number;
  /** 0…1: 1 until `every` has passed since the last run, then falling linearly to 0 at twice `every`. */
  freshness: number;
  /** Objectives the last counted run met, of those it was judged against. */
  objectivesMet: number;
  objectivesJudged: number;
  /** Why the drill earned what it did, in a sentence. */
  explanation: string;
}

export interface ResilienceScore {
  environment: string;
  /** 0…100, whole; null when no drill applies to the environment. */
  score: number | null;
  /** Σ points and Σ weight, so a reader can redo the sum. */
  points: number;
  maxPoints: number;
  at: string;
  drills: DrillScore[];
}

/**
 * The resilience score of one environment at `now`: 100 × Σ points / Σ weight over the drills
 * that apply there, where a drill's points = weight(severity) × credit(last finished run) ×
 * freshness(age of that run against its `every`). Pure: the same input gives the same score.
 */
export function resilienceScore(input: ScoreInput): ResilienceScore {
  const standings = new Map(input.standings.filter((s) => s.environment === input.environment).map((s) => [s.drill, s]));
  const drills = [...input.drills]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((drill) => scoreDrill(drill, standings.get(drill.id)?.last ?? null, input.now));
  const maxPoints = drills.reduce((sum, drill) => sum + drill.weight, 0);
  const points = drills.reduce((sum, drill) => sum + drill.points, 0);
  const score = maxPoints > 0 ? clamp(Math.round((100 * points) / maxPoints), 0, 100) : null;
  return { environment: input.environment, score, points: round3(points), maxPoints, at: input.now.toISOString(), drills };
}

function scoreDrill(drill: ScoreInput['drills'][number], last: RunRecord | null, now: Date): DrillScore {
  const weight = SEVERITY_WEIGHTS[drill.severity];
  const everyMs = drill.everyMs > 0 && Number.isFinite(drill.everyMs) ? drill.everyMs : DEFAULT_EVERY_MS;
  const base = { drill: drill.id, title: drill.title, severity: drill.severity, weight, everyMs };
  const counted = countedRun(last);
  if (counted === null) {
    return {
      ...base,
      points: 0,
      lastRunAt: null,
      lastResult: 'not-run',
      overdue: true,
      overdueSince: null,
      credit: 0,
      freshness: 0,
      objectivesMet: 0,
      objectivesJudged: 0,
      explanation: 'never run here: it counts as 0 until it runs',
    };
  }
  const result = counted.result as RunResult;
  const ranAt = Date.parse(counted.finishedAt!);
  const judged = [counted.met.ttd, counted.met.rto, counted.met.rpo].filter((met): met is boolean => met !== null);
  const met = judged.filter(Boolean).length;
  const credit = creditOf(result, met, judged.length);
  const dueAt = ranAt + everyMs;
  const overdue = now.getTime() > dueAt;
  const freshness = overdue ? clamp(1 - (now.getTime() - dueAt) / everyMs, 0, 1) : 1;
  return {
    ...base,
    points: round3(weight * credit * freshness),
    lastRunAt: new Date(ranAt).toISOString(),
    lastResult: result,
    overdue,
    overdueSince: overdue ? new Date(dueAt).toISOString() : null,
    credit,
    freshness: round3(freshness),
    objectivesMet: met,
    objectivesJudged: judged.length,
    explanation: explain(result, met, judged.length, overdue),
  };
}

/**
 * The run a drill is judged by. A run still going has no result and never counts; a refused
 * run tested nothing (another run was active, preflight found the target unhealthy), so it
 * is neither a pass nor a fail: countedStandings looks past it to the run before.
 */
export function countedRun(last: RunRecord | null): RunRecord | null {
  if (last === null || last.result === null || last.result === 'refused' || last.finishedAt === null) return null;
  return last;
}

function creditOf(result: RunResult, met: number, judged: number): number {
  if (result === 'passed') return 1;
  if (result === 'failed') return judged === 0 ? 0 : round3((FAILED_RUN_CREDIT * met) / judged);
  // aborted, not-detected: never a pass, and nothing measured to credit.
  return 0;
}

function explain(result: RunResult, met: number, judged: number, overdue: boolean): string {
  const ran =
    result === 'passed'
      ? 'passed'
      : result === 'failed'
        ? `failed, meeting ${met} of ${judged} objectives`
        : result === 'not-detected'
          ? 'nobody detected the fault'
          : 'was aborted: never a pass';
  return `last run ${ran}${overdue ? '; overdue, so its credit fades' : ''}`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

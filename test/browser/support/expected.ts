import type { RunResult } from '../../../src/history/ports.js';
import { weekStart, type KnownRun } from './known-runs.js';

/** The filters of /runs as the form names them, with the values a person would enter. */
export interface RunsForm {
  env?: string;
  drill?: string;
  kind?: string;
  outcome?: RunResult;
  /** YYYY-MM-DD */
  from?: string;
  /** YYYY-MM-DD, its whole day included */
  to?: string;
}

const DAY_MS = 86_400_000;

/** The known runs a filter should list, newest first: worked out from the seeding plan, not from the store. */
export function expectedRuns(runs: readonly KnownRun[], form: RunsForm): KnownRun[] {
  const from = form.from ? Date.parse(`${form.from}T00:00:00Z`) : -Infinity;
  const to = form.to ? Date.parse(`${form.to}T00:00:00Z`) + DAY_MS : Infinity;
  return runs.filter(
    (run) =>
      (!form.env || run.environment === form.env) &&
      (!form.drill || run.drill.id === form.drill) &&
      (!form.kind || run.drill.kind === form.kind) &&
      (!form.outcome || run.result === form.outcome) &&
      run.createdAt.getTime() >= from &&
      run.createdAt.getTime() < to,
  );
}

const WORST_LAST: RunResult[] = ['passed', 'refused', 'aborted', 'failed', 'not-detected'];

/** Each (environment, drill, week) that had runs, with the worst of their results: what a heatmap cell shows. */
export function expectedWeekCells(runs: readonly KnownRun[]): Map<string, RunResult> {
  const cells = new Map<string, RunResult>();
  for (const run of runs) {
    const key = cellKey(run.environment, run.drill.id, weekStart(run.createdAt).toISOString().slice(0, 10));
    const seen = cells.get(key);
    if (seen === undefined || WORST_LAST.indexOf(run.result) > WORST_LAST.indexOf(seen)) cells.set(key, run.result);
  }
  return cells;
}

export const cellKey = (environment: string, drill: string, week: string) => `${environment} ${drill} ${week}`;

/** YYYY-MM-DD of `weeksAgo` Mondays before this week's (a day without runs in the plan). */
export function mondayWeeksAgo(weeksAgo: number, now = new Date()): string {
  return new Date(weekStart(now).getTime() - weeksAgo * 7 * DAY_MS).toISOString().slice(0, 10);
}

const SEVERITY_WEIGHTS: Record<string, number> = { low: 1, medium: 2, high: 4, critical: 8 };

/**
 * The resilience score of an environment as the README defines it, worked out by hand for the
 * known runs: 100 × Σ weight × credit / Σ weight over the drills that apply, where a drill's
 * credit comes from its newest run that is not refused (passed 1; failed half the share of
 * objectives it met; aborted or not detected 0). The known runs are all younger than the
 * default `every` (90 days), so none has faded.
 */
export function expectedScore(runs: readonly KnownRun[], environment: string, drills: readonly { id: string; severity: string }[]): number {
  let points = 0;
  let weights = 0;
  for (const drill of drills) {
    const weight = SEVERITY_WEIGHTS[drill.severity]!;
    weights += weight;
    const last = runs.find((run) => run.environment === environment && run.drill.id === drill.id && run.result !== 'refused');
    if (!last) continue;
    const judged = Object.values(last.met).filter((met) => met !== null);
    const credit = last.result === 'passed' ? 1 : last.result === 'failed' && judged.length ? (0.5 * judged.filter(Boolean).length) / judged.length : 0;
    points += weight * credit;
  }
  return Math.round((100 * points) / weights);
}

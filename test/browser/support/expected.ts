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
